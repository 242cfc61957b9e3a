/**
 * The scriptable commands: each one reaches the vDC through VdcClient,
 * prints text for people or a stable JSON shape with `--json`, and ends
 * with a documented exit code. Every failure becomes one line,
 * `quantix-vdc-console: CODE: message next step` (and `{"error":…}` on
 * stdout with --json); no stack trace ever reaches the operator.
 */
import fs from 'node:fs';
import { errorLine, UsageError } from '../../common/cli/error-line.js';
import { readPrivateFile } from '../../common/cli/private-file.js';
import readline from 'node:readline';
import tty from 'node:tty';
import { createCredentialStore, defaultConfigDir, type CredentialStore } from '../../common/cli/credentials.js';
import { fetchVdcFingerprint, parseVdcServerAddress, VdcClient, type VdcTarget } from '../../common/http/vdc-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import {
  API_TOKEN_PATTERN,
  parseHostAddressInput,
  roleForbidden,
  type Cluster,
  type DiscoverStage,
  type NodeSummary,
  type SessionResponse,
  type TrendResponse,
} from '../../common/protocol/vdc-api.js';
import { describeTokenProblem, parseToken } from '../../common/token/token.js';
import { detectCapabilities } from '../../common/tui/caps.js';
import { glyphsFor, type Glyphs } from '../../common/tui/glyphs.js';
import { plain } from '../../common/tui/text.js';
import {
  clusterJson,
  clustersText,
  discoveryText,
  errorJson,
  hostAddedJson,
  hostDetailJson,
  hostDetailText,
  hostJson,
  hostRefreshedJson,
  hostRefreshedText,
  hostRemovedJson,
  hostsText,
  clusterListJson,
} from './output.js';
import { MEMBERSHIP_HANDLERS } from './cli-membership.js';
import { chooseTarget, EXIT, type GlobalValues } from './options.js';
import { parseAuditOptions, runAuditCommand } from './audit-command.js';
import { matchCluster } from './bulk.js';
import { hostsAddFrom } from './bulk-cli.js';
import { liveNow, trendText, type TrendNow } from './render/trend.js';
import { formatFingerprint } from '../../common/format/fingerprint.js';
import { formatHostPort } from '../../common/protocol/host-port.js';

/** The process around a command: streams, environment, clock; replaced in tests. */
export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  uid: number;
  home: string;
  now: () => number;
}

/** The program name that starts every error line. */
export const PROGRAM = 'quantix-vdc-console';

/** What the command needs from its context. */
export interface Ctx {
  io: CliIo;
  globals: GlobalValues;
  values: Record<string, string | boolean | undefined>;
  args: string[];
  glyphs: Glyphs;
  out: (line?: string) => void;
  note: (line: string) => void;
  json: (v: unknown) => void;
}

const STAGE_WORDS: Record<DiscoverStage, string> = {
  connecting: 'connecting to the host',
  verifying: "verifying the host's identity with the token",
  collecting: 'collecting hardware',
};

/** The exit code for an error: usage, unreachable, refused, or internal. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (!(err instanceof QuantixError)) return EXIT.internal;
  if (err.code === 'VDC_UNREACHABLE' || err.code === 'VDC_IDENTITY_CHANGED' || err.code === 'PERMISSION_DENIED')
    return EXIT.unreachable;
  // A timeout of the vDC itself carries the transport failure as its cause; a host timeout reported by the vDC does not.
  if (err.code === 'CONNECTION_TIMEOUT' && err.cause !== undefined) return EXIT.unreachable;
  return EXIT.refused;
}

function asQuantix(err: unknown): QuantixError {
  if (err instanceof QuantixError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new QuantixError('INTERNAL', {
    message: `Unexpected error: ${msg.split('\n')[0]}`,
    hint: 'Try again; if it persists, report it with the command you ran.',
  });
}

/** Reads all of a stream (stdin) as text, up to a limit. */
async function readAll(stream: NodeJS.ReadableStream, limit: number): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.length > limit)
      throw new UsageError('VALIDATION_ERROR', {
        message: 'stdin is too long to hold a token.',
        hint: 'Send only the token on stdin.',
      });
  }
  return text;
}

/**
 * A terminal to ask on: stdin when it is one; with controlling, else the
 * process's controlling terminal (as ssh does when the token is piped in);
 * else null.
 */
function openTerminal(
  io: CliIo,
  controlling = false,
): { input: NodeJS.ReadStream; output: NodeJS.WriteStream; close: () => void } | null {
  if (io.stdin.isTTY && io.stderr.isTTY) return { input: io.stdin, output: io.stderr, close: () => {} };
  if (!controlling) return null;
  try {
    const fd = fs.openSync('/dev/tty', 'r+');
    const input = new tty.ReadStream(fd);
    const output = new tty.WriteStream(fd);
    return {
      input,
      output,
      close: () => {
        input.destroy();
        output.destroy();
      },
    };
  } catch {
    return null;
  }
}

/** Asks a yes/no question on the terminal; false on anything but y/yes. */
async function askYesNo(io: CliIo, question: string, controlling = false): Promise<boolean> {
  const t = openTerminal(io, controlling);
  if (!t)
    throw new UsageError('VALIDATION_ERROR', {
      message: 'There is no terminal to ask on.',
      hint: 'Pass --yes to proceed without asking.',
    });
  const rl = readline.createInterface({ input: t.input, output: t.output, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
    t.close();
  }
}

/** Reads a secret on the terminal without echo. */
async function askSecret(io: CliIo, prompt: string, noTerminalHint: string): Promise<string> {
  const t = openTerminal(io);
  if (!t)
    throw new UsageError('VALIDATION_ERROR', {
      message: 'There is no terminal to type the token on.',
      hint: noTerminalHint,
    });
  // Raw mode before the prompt: a key typed as soon as the prompt shows (Ctrl-C included) must reach us, not the line discipline.
  t.input.setRawMode(true);
  t.output.write(prompt);
  t.input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (buf: Buffer) => {
        for (const ch of buf.toString('utf8')) {
          if (ch === '\r' || ch === '\n') {
            t.input.off('data', onData);
            resolve(value);
            return;
          }
          if (ch === '\x03') {
            t.input.off('data', onData);
            reject(
              new UsageError('VALIDATION_ERROR', {
                message: 'Cancelled.',
                hint: 'Run the command again when you have the token.',
              }),
            );
            return;
          }
          if (ch === '\x7f' || ch === '\b') value = value.slice(0, -1);
          else if (ch >= ' ') value += ch;
        }
      };
      t.input.on('data', onData);
    });
  } finally {
    t.input.setRawMode(false);
    t.input.pause();
    t.output.write('\n');
    t.close();
  }
}

/** Where a command's secret may come from besides --token-stdin and --token-file. */
interface SecretSource {
  /** What it is, for messages ("registration token", "API token"). */
  what: string;
  /** The environment variable that may hold it. */
  envVar: string;
  /** The prompt on a terminal. */
  prompt: string;
  /** Read stdin when it is not a terminal and no other source was given (login's historical behaviour). */
  implicitStdin: boolean;
  /** Runs before the user is asked to type it (a refusal it throws spares them the typing). */
  beforeAsking?: () => Promise<void>;
}

/** The largest secret file or stdin read: tokens are a few dozen bytes. */
const SECRET_MAX_BYTES = 4096;

/**
 * The secret a command needs, never from its command line: --token-stdin,
 * --token-file, the environment variable, stdin when piped (if allowed), or
 * a prompt without echo. Only the first line counts, trimmed.
 */
async function readSecret(ctx: Ctx, source: SecretSource): Promise<string> {
  const fromStdin = ctx.values['token-stdin'] === true;
  const file = typeof ctx.values['token-file'] === 'string' ? ctx.values['token-file'] : null;
  if (fromStdin && file !== null) {
    throw new UsageError('VALIDATION_ERROR', {
      message: 'Give the token one way: --token-stdin or --token-file, not both.',
      hint: 'Drop one of the two options.',
    });
  }
  let raw: string;
  if (fromStdin) raw = await readAll(ctx.io.stdin, SECRET_MAX_BYTES);
  else if (file !== null) raw = readPrivateFile(file, ctx.io.uid);
  else if (ctx.io.env[source.envVar]) raw = ctx.io.env[source.envVar]!;
  else if (source.implicitStdin && !ctx.io.stdin.isTTY) raw = await readAll(ctx.io.stdin, SECRET_MAX_BYTES);
  else {
    // Only when there is a terminal to type on: without one the missing token is a usage error, said at once.
    if (openTerminal(ctx.io)) await source.beforeAsking?.();
    raw = await askSecret(
      ctx.io,
      source.prompt,
      `Pass the ${source.what} with --token-stdin, --token-file FILE or $${source.envVar}.`,
    );
  }
  const line = raw.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  return line.trim();
}

function credentialStore(io: Pick<CliIo, 'env' | 'home'>): CredentialStore {
  return createCredentialStore({ configDir: defaultConfigDir(io.env, io.home) });
}

/** `host:port` key of a server URL, as pins and tokens are stored. */
function serverKey(url: string): { host: string; port: number; key: string } {
  let a: { host: string; port: number };
  try {
    a = parseVdcServerAddress(url);
  } catch (err) {
    throw new UsageError('VALIDATION_ERROR', {
      message: (err as QuantixError).message,
      hint: (err as QuantixError).hint,
    });
  }
  return { ...a, key: formatHostPort(a.host, a.port) };
}

/** The client for the chosen vDC: the socket, or the pinned server with its stored token. */
export async function connect(
  io: Pick<CliIo, 'env' | 'uid' | 'home'>,
  globals: Pick<GlobalValues, 'socket' | 'server'>,
): Promise<VdcClient> {
  const choice = chooseTarget(globals, io.env, io.uid, io.home);
  if (choice.kind === 'socket') return new VdcClient({ kind: 'socket', socketPath: choice.socketPath });
  const s = serverKey(choice.server);
  const store = credentialStore(io);
  const pin = store.server(s.key);
  const token = pin ? await store.loadToken(s.key) : null;
  if (!pin || !token) {
    throw new QuantixError('UNAUTHORIZED', {
      message: `Not logged in to the vDC at ${s.key}.`,
      hint: `Run \`quantix-vdc-console login --server ${s.key}\` with a token from \`quantix-vdc api-token create NAME\`.`,
    });
  }
  const target: VdcTarget = {
    kind: 'https',
    host: s.host,
    port: s.port,
    apiToken: token,
    fingerprint: pin.fingerprint,
  };
  return new VdcClient(target);
}

/** Finds a cluster by id, exact name, or name in any case. */
function findCluster(clusters: readonly Cluster[], ref: string): Cluster {
  const c = matchCluster(clusters, ref);
  if (c) return c;
  const names = clusters.map((x) => x.name).join(', ');
  throw new QuantixError('CLUSTER_NOT_FOUND', {
    message: `There is no cluster "${ref}".`,
    hint: names
      ? `Choose one of: ${names}; or create it with \`quantix-vdc-console clusters create ${ref}\`.`
      : `Create it first: \`quantix-vdc-console clusters create ${ref}\`.`,
  });
}

/** Finds a host by node ID (the vDC's), host ID (the machine's), or host name (which must be unique). */
export async function findHost(client: VdcClient, ref: string): Promise<NodeSummary> {
  const nodes = await client.listNodes();
  const byId = nodes.find((n) => n.id === ref) ?? nodes.find((n) => n.hostId === ref);
  if (byId) return byId;
  const named = nodes.filter((n) => n.hostname === ref || n.hostname.toLowerCase() === ref.toLowerCase());
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    throw new UsageError('VALIDATION_ERROR', {
      message: `${named.length} hosts are called "${ref}".`,
      hint: `Name it by node ID: ${named.map((n) => `${n.id} (${n.address}, ${n.clusterName})`).join(', ')}.`,
    });
  }
  throw new QuantixError('HOST_NOT_FOUND', {
    message: `There is no host "${ref}".`,
    hint: 'List hosts with `quantix-vdc-console hosts list`.',
  });
}

function mustConfirm(ctx: Ctx, what: string): void {
  if (ctx.values.yes) return;
  if (!(ctx.io.stdin.isTTY && ctx.io.stderr.isTTY)) {
    throw new UsageError('VALIDATION_ERROR', {
      message: `Refusing to ${what} without confirmation: there is no terminal to ask on.`,
      hint: 'Pass --yes to proceed without asking.',
    });
  }
}

/**
 * Connects for a change that first asks the user for something (a token, a
 * confirmation): a viewer token is refused now, as the vDC would refuse the
 * change, rather than after the user has typed it.
 */
async function connectToChange(ctx: Ctx, change: string): Promise<VdcClient> {
  const client = await connect(ctx.io, ctx.globals);
  const session = await client.session();
  if (session.role !== 'admin') throw roleForbidden({ name: session.token?.name ?? '', role: session.role }, change);
  return client;
}

async function hostsAdd(ctx: Ctx): Promise<number> {
  if (ctx.values.from !== undefined)
    return hostsAddFrom({
      ...ctx,
      connect: () => connectToChange(ctx, 'adding hosts'),
      ask: (q) => askYesNo(ctx.io, q),
    });
  const address = typeof ctx.values.address === 'string' ? ctx.values.address : '';
  const clusterRef = typeof ctx.values.cluster === 'string' ? ctx.values.cluster : '';
  const missing = [!address && '--address', !clusterRef && '--cluster'].filter(Boolean);
  if (missing.length)
    throw new UsageError('VALIDATION_ERROR', {
      message: `Missing ${missing.join(', ')}.`,
      hint: 'See `quantix-vdc-console hosts add --help`.',
    });
  const addr = parseHostAddressInput(address);
  if (!addr.ok)
    throw new UsageError('VALIDATION_ERROR', {
      message: `Invalid address: ${addr.problem}.`,
      hint: 'Give the host as an IP address or name with an optional port, e.g. 10.0.0.5 or [fd00::5]:8443.',
    });
  mustConfirm(ctx, 'add a host');
  // A token given on stdin, in a file or the environment is checked before any network call; one to be typed is
  // asked for only once the vDC has said the caller may add hosts.
  let client: VdcClient | null = null;
  const tokenText = await readSecret(ctx, {
    what: 'registration token',
    envVar: 'QUANTIX_TOKEN',
    prompt: 'Registration token (host console, F4): ',
    implicitStdin: false,
    beforeAsking: async () => {
      client = await connectToChange(ctx, 'adding a host');
    },
  });
  if (!tokenText)
    throw new UsageError('VALIDATION_ERROR', {
      message: 'No registration token was given.',
      hint: 'Pass it with --token-stdin, --token-file FILE or $QUANTIX_TOKEN, or type it when asked.',
    });
  const token = parseToken(tokenText);
  // A typo is caught here, before the host's failure counter is touched.
  if (!token.ok)
    throw new UsageError('TOKEN_FORMAT', {
      message: `The token is not well formed: ${describeTokenProblem(token.problem)}.`,
    });

  client ??= await connectToChange(ctx, 'adding a host');
  const cluster = findCluster(await client.listClusters(), clusterRef);
  const progress = !ctx.globals.json && ctx.io.stderr.isTTY;
  const discovery = await client.discover(
    { address, token: token.canonical },
    { onStage: (stage) => (progress ? ctx.note(`${STAGE_WORDS[stage]}${ctx.glyphs.ellipsis}`) : undefined) },
  );
  const name = plain(discovery.host.hostname);
  if (!ctx.values.yes) {
    for (const l of discoveryText(discovery, ctx.glyphs)) ctx.io.stderr.write(`${l}\n`);
    const ok = await askYesNo(
      ctx.io,
      `\nAdd ${name} (${plain(addr.address.display)}) to cluster ${plain(cluster.name)}? [y/N] `,
    );
    if (!ok) {
      ctx.note('Nothing was changed.');
      if (ctx.globals.json) ctx.json({ cancelled: true });
      return EXIT.ok;
    }
  }
  const node = await client.register({ discoveryId: discovery.discoveryId, clusterId: cluster.id });
  if (ctx.globals.json) ctx.json(hostAddedJson(node, discovery));
  else ctx.out(`Added ${name} (${plain(addr.address.display)}) to cluster ${plain(cluster.name)}; node ID ${node.id}.`);
  return EXIT.ok;
}

async function hostsList(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  let nodes = await client.listNodes();
  if (typeof ctx.values.cluster === 'string') {
    const c = findCluster(await client.listClusters(), ctx.values.cluster);
    nodes = nodes.filter((n) => n.clusterId === c.id);
  }
  nodes.sort((a, b) => a.clusterName.localeCompare(b.clusterName) || a.hostname.localeCompare(b.hostname));
  if (ctx.globals.json) ctx.json({ hosts: nodes.map(hostJson) });
  else for (const l of hostsText(nodes, ctx.io.now(), ctx.glyphs)) ctx.out(l);
  return EXIT.ok;
}

async function hostsShow(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  const found = await findHost(client, ctx.args[0]!);
  const node = await client.getNode(found.id);
  if (ctx.globals.json) ctx.json({ host: hostDetailJson(node) });
  else for (const l of hostDetailText(node, ctx.io.now(), ctx.glyphs)) ctx.out(l);
  return EXIT.ok;
}

async function hostsRefresh(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  const found = await findHost(client, ctx.args[0]!);
  const result = await client.refreshNode(found.id);
  if (ctx.globals.json) ctx.json(hostRefreshedJson(result));
  else for (const l of hostRefreshedText(result)) ctx.out(l);
  return EXIT.ok;
}

async function hostsRemove(ctx: Ctx): Promise<number> {
  mustConfirm(ctx, 'remove a host');
  const client = await connect(ctx.io, ctx.globals);
  const node = await findHost(client, ctx.args[0]!);
  const name = plain(node.hostname);
  if (!ctx.values.yes) {
    const how = ctx.values.force ? ' (forced: even if the host cannot be told)' : '';
    const ok = await askYesNo(
      ctx.io,
      `Remove ${name} (${plain(node.address)}) from cluster ${plain(node.clusterName)}${how}? [y/N] `,
    );
    if (!ok) {
      ctx.note('Nothing was changed.');
      if (ctx.globals.json) ctx.json({ cancelled: true });
      return EXIT.ok;
    }
  }
  let result;
  try {
    result = await client.removeNode(node.id, { force: ctx.values.force === true });
  } catch (err) {
    if (
      err instanceof QuantixError &&
      !ctx.values.force &&
      ['HOST_UNREACHABLE', 'CONNECTION_TIMEOUT', 'TLS_ERROR'].includes(err.code)
    ) {
      throw new QuantixError(err.code, {
        message: err.message,
        hint: `The host could not be told to leave. To forget it anyway: quantix-vdc-console hosts remove ${node.id} --force`,
      });
    }
    throw err;
  }
  if (ctx.globals.json) ctx.json(hostRemovedJson(result));
  else {
    ctx.out(`Removed ${name} from cluster ${plain(node.clusterName)}.`);
    if (!result.hostNotified)
      ctx.out(
        `The host was not told (${plain(result.reason ?? 'unreachable')}); on its console, leave the cluster with F9 before adding it elsewhere.`,
      );
  }
  return EXIT.ok;
}

async function clustersList(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  const [clusters, nodes] = await Promise.all([client.listClusters(), client.listNodes()]);
  if (ctx.globals.json) ctx.json(clusterListJson(clusters, nodes));
  else for (const l of clustersText(clusters, nodes, ctx.glyphs)) ctx.out(l);
  return EXIT.ok;
}

async function clustersCreate(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  const description = typeof ctx.values.description === 'string' ? ctx.values.description : undefined;
  const c = await client.createCluster({ name: ctx.args[0]!, ...(description !== undefined ? { description } : {}) });
  if (ctx.globals.json) ctx.json({ cluster: clusterJson(c) });
  else ctx.out(`Created cluster ${plain(c.name)} (${c.id}).`);
  return EXIT.ok;
}

async function clustersDelete(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  const c = await client.deleteCluster(ctx.args[0]!);
  if (ctx.globals.json) ctx.json({ cluster: clusterJson(c) });
  else ctx.out(`Deleted cluster ${plain(c.name)}.`);
  return EXIT.ok;
}

async function login(ctx: Ctx): Promise<number> {
  const url = ctx.globals.server ?? ctx.io.env.QUANTIX_VDC_SERVER;
  if (!url)
    throw new UsageError('VALIDATION_ERROR', {
      message: 'login needs --server URL.',
      hint: 'e.g. quantix-vdc-console login --server https://vdc01:9443',
    });
  const s = serverKey(url);
  const expected =
    typeof ctx.values.fingerprint === 'string' ? ctx.values.fingerprint.toLowerCase().replace(/[\s:]/g, '') : null;
  if (expected !== null && !/^[0-9a-f]{64}$/.test(expected)) {
    throw new UsageError('VALIDATION_ERROR', {
      message: '--fingerprint takes the 64 hex digits of a SHA-256 fingerprint.',
      hint: 'Copy it from the vDC appliance.',
    });
  }
  const store = credentialStore(ctx.io);
  const pinned = store.server(s.key);

  const fingerprint = await fetchVdcFingerprint(s.host, s.port);
  const shown = formatFingerprint(fingerprint);
  if (expected !== null) {
    if (expected !== fingerprint) {
      throw new QuantixError('VDC_IDENTITY_CHANGED', {
        message: `The vDC at ${s.key} presented the certificate ${shown}, not the one given with --fingerprint.`,
        hint: 'Check the fingerprint on the appliance; if they differ, something intercepts the connection.',
      });
    }
  } else if (pinned && pinned.fingerprint !== fingerprint) {
    throw new QuantixError('VDC_IDENTITY_CHANGED', {
      message: `The vDC at ${s.key} now presents the certificate ${shown}; the one pinned at login was ${formatFingerprint(pinned.fingerprint)}.`,
      hint: `If the vDC was reinstalled, compare the new fingerprint on the appliance and log in again with --fingerprint ${fingerprint}.`,
    });
  } else if (!pinned && ctx.values.yes !== true) {
    ctx.io.stderr.write(
      `The authenticity of the vDC at ${s.key} cannot be established.\nIts certificate's SHA-256 fingerprint is:\n  ${shown}\nCompare it with the fingerprint shown on the vDC appliance.\n`,
    );
    const ok = await askYesNo(ctx.io, 'Trust this vDC and pin its certificate? [y/N] ', true);
    if (!ok) {
      throw new UsageError('VDC_IDENTITY_CHANGED', {
        message: 'The vDC was not trusted; nothing was stored.',
        hint: 'Log in again once you have compared the fingerprint.',
      });
    }
  }

  const apiToken = await readSecret(ctx, {
    what: 'API token',
    envVar: 'QUANTIX_API_TOKEN',
    prompt: `API token for ${s.key}: `,
    implicitStdin: true,
  });
  if (!API_TOKEN_PATTERN.test(apiToken)) {
    throw new UsageError('VALIDATION_ERROR', {
      message: 'That is not an API token (they look like qxa_, 12 hex digits, a dot and 43 characters).',
      hint: 'Create one on the vDC with `quantix-vdc api-token create NAME` and pass it on stdin, with --token-file FILE or in $QUANTIX_API_TOKEN.',
    });
  }
  // The token must work before it is kept; the session answers only to a valid token, and says its role.
  const session = await new VdcClient({ kind: 'https', host: s.host, port: s.port, apiToken, fingerprint }).session();
  const where = await store.saveToken(s.key, apiToken);
  store.saveServer({ server: s.key, fingerprint, tokenStore: where.kind });
  if (ctx.globals.json) {
    ctx.json({
      server: s.key,
      fingerprint,
      role: session.role,
      tokenStorage: where.kind,
      location: where.location,
      ...(where.keychainProblem ? { keychainProblem: where.keychainProblem } : {}),
    });
  } else {
    ctx.out(`Logged in to the vDC at ${s.key} (certificate ${shown}).`);
    ctx.out(roleLine(session));
    if (where.kind === 'keychain') ctx.out(`The API token is stored in the ${where.location}.`);
    else
      ctx.out(
        `The API token is stored in ${where.location} (mode 0600): no OS keychain was reachable (${plain(where.keychainProblem ?? 'unknown')}).`,
      );
  }
  return EXIT.ok;
}

async function logout(ctx: Ctx): Promise<number> {
  const url = ctx.globals.server ?? ctx.io.env.QUANTIX_VDC_SERVER;
  if (!url)
    throw new UsageError('VALIDATION_ERROR', {
      message: 'logout needs --server URL.',
      hint: 'e.g. quantix-vdc-console logout --server vdc01:9443',
    });
  const s = serverKey(url);
  const store = credentialStore(ctx.io);
  const hadToken = await store.removeToken(s.key);
  const hadPin = store.removeServer(s.key);
  const removed = hadToken || hadPin;
  if (ctx.globals.json) ctx.json({ server: s.key, removed });
  else
    ctx.out(
      removed
        ? `Forgot the vDC at ${s.key}: its API token and certificate pin are gone.`
        : `Nothing was stored for ${s.key}.`,
    );
  return EXIT.ok;
}

async function audit(ctx: Ctx): Promise<number> {
  const opts = parseAuditOptions(ctx.values, ctx.globals.json, ctx.io.now());
  const failure = await runAuditCommand(opts, {
    out: (text) => ctx.out(text),
    note: ctx.note,
    connect: () => connect(ctx.io, ctx.globals),
  });
  if (failure === null) return EXIT.ok;
  // The output was closed already (with the error inside the JSON): only the error line is left to write.
  ctx.io.stderr.write(`${errorLine(PROGRAM, failure)}\n`);
  return exitCodeFor(failure);
}

/** What a session may do, in one sentence. */
function roleLine(s: SessionResponse): string {
  const who =
    s.access === 'socket'
      ? 'The local socket has full access'
      : `API token "${plain(s.token?.name ?? '')}" (${s.token?.publicId ?? 'old form'}) has the ${s.role} role`;
  return s.role === 'viewer'
    ? `${who}: it may list and watch, not change anything. For changes, ask for an admin token.`
    : `${who}: it may list, watch and change.`;
}

async function whoami(ctx: Ctx): Promise<number> {
  const session = await (await connect(ctx.io, ctx.globals)).session();
  if (ctx.globals.json) ctx.json(session);
  else ctx.out(roleLine(session));
  return EXIT.ok;
}

/** `trends HOST` or `trends --cluster NAME`: the CPU and memory history the vDC keeps. */
async function trends(ctx: Ctx): Promise<number> {
  const clusterRef = typeof ctx.values.cluster === 'string' ? ctx.values.cluster : null;
  const hostRef = ctx.args[0] ?? null;
  if ((clusterRef === null) === (hostRef === null))
    throw new UsageError('VALIDATION_ERROR', {
      message: 'Name either one host or one cluster (--cluster NAME).',
      hint: 'Run `quantix-vdc-console trends HOST` or `quantix-vdc-console trends --cluster NAME`.',
    });
  const client = await connect(ctx.io, ctx.globals);
  let trend: TrendResponse;
  let now: TrendNow | null = null;
  if (hostRef !== null) {
    const host = await findHost(client, hostRef);
    trend = await client.nodeTrend(host.id);
    now = liveNow(host);
  } else trend = await client.clusterTrend(findCluster(await client.listClusters(), clusterRef!).id);
  if (ctx.globals.json) ctx.json({ trend });
  else for (const l of trendText(trend, ctx.glyphs, 80, now)) ctx.out(l);
  return EXIT.ok;
}

const HANDLERS: Record<string, (ctx: Ctx) => Promise<number>> = {
  'hosts add': hostsAdd,
  'hosts list': hostsList,
  'hosts show': hostsShow,
  'hosts refresh': hostsRefresh,
  'hosts remove': hostsRemove,
  'clusters list': clustersList,
  'clusters create': clustersCreate,
  'clusters delete': clustersDelete,
  ...MEMBERSHIP_HANDLERS,
  trends,
  login,
  logout,
  audit,
  whoami,
};

/** Runs one command and returns its exit code; every error is reported here, once. */
export async function runCommand(
  words: readonly string[],
  globals: GlobalValues,
  values: Record<string, string | boolean | undefined>,
  args: string[],
  io: CliIo,
): Promise<number> {
  const glyphs = glyphsFor(detectCapabilities({ LANG: io.env.LANG, LC_ALL: io.env.LC_ALL, LC_CTYPE: io.env.LC_CTYPE }));
  const ctx: Ctx = {
    io,
    globals,
    values,
    args,
    glyphs,
    out: (line = '') => void io.stdout.write(`${line}\n`),
    note: (line) => void io.stderr.write(`${line}\n`),
    json: (v) => void io.stdout.write(`${JSON.stringify(v, null, 2)}\n`),
  };
  try {
    return await HANDLERS[words.join(' ')]!(ctx);
  } catch (err) {
    const code = exitCodeFor(err);
    if (globals.json) ctx.json(errorJson(asQuantix(err)));
    io.stderr.write(`${errorLine(PROGRAM, err)}\n`);
    return code;
  }
}
