/**
 * Command-line shape of `quantix-vdc-console`: the commands, their options
 * and help texts, the exit codes, and how the vDC is found (the local
 * socket by default, `--server URL` with a stored API token for remote use).
 * Pure: environment, uid and home are parameters.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { argumentProblem } from '../../common/cli/error-line.js';
import { defaultVdcPaths } from '../../common/protocol/vdc-api.js';
import { parseEscapeDelay } from '../../common/tui/input.js';
import { AUDIT_COMMAND } from './audit-command.js';

/** Exit codes (stable; documented in docs/vdc-console.md). */
export const EXIT = {
  ok: 0,
  /** An unexpected failure inside the console itself. */
  internal: 1,
  /** Bad command line or input refused before any network call (a mistyped token, a bad address). */
  usage: 2,
  /** The vDC could not be reached or its certificate did not match the pin. */
  unreachable: 3,
  /** The vDC, or the host through it, refused or failed the request. */
  refused: 4,
  /** `hosts add --from`: some hosts of the list were not added (the report says which and why). */
  partial: 5,
} as const;

/** Options every command takes. */
const GLOBAL_OPTIONS = {
  socket: { type: 'string' },
  server: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

/** One command: its words, options, positional arguments and help. */
export interface CommandSpec {
  words: string[];
  options: ParseArgsConfig['options'];
  /** Names of positional arguments, in order (a trailing `?` marks an optional one). */
  positionals: string[];
  summary: string;
  usage: string;
}

const TARGET_HELP = `Where the vDC is:
  --socket PATH   the vDC's local socket (default: $QUANTIX_VDC_SOCKET, else the
                  vDC's default socket path, as quantix-vdc serve uses)
  --server URL    a remote vDC over HTTPS (after \`login --server URL\`);
                  also $QUANTIX_VDC_SERVER
  --json          machine-readable output (stable shapes, see docs/vdc-console.md)
  -h, --help      this help
`;

/** Every command of the scriptable interface. */
export const COMMANDS: CommandSpec[] = [
  {
    words: ['hosts', 'add'],
    options: {
      address: { type: 'string' },
      'token-stdin': { type: 'boolean' },
      'token-file': { type: 'string' },
      cluster: { type: 'string' },
      from: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
    },
    positionals: [],
    summary: 'discover a host with its registration token and add it to a cluster',
    usage: `Usage: quantix-vdc-console hosts add --address A --cluster NAME|ID
         [--token-stdin | --token-file FILE] [--yes] [--json]
       quantix-vdc-console hosts add --from FILE [--yes] [--json]

Reaches the host through the vDC, verifies it with the registration token shown
on its console (F4, then G), shows its hardware and asks before adding it.
  --address A        host IP or name, optional :port (8443 by default)
  --cluster C        cluster name or id
  --token-stdin      read the token from stdin (first line)
  --token-file FILE  read the token from FILE, which only you may read (0600)
  -y, --yes          add without asking (required when stdin is not a terminal)

The token (QUANTIX-XXXX-XXXX-XXXX, any case, dashes optional) comes from stdin
or a file as above, else from $QUANTIX_TOKEN, else it is asked for without
echo on the terminal. It is never taken from the command line, where any local
user can read it: --token is refused. A mistyped token is refused before any
network call.`,
  },
  {
    words: ['hosts', 'list'],
    options: { cluster: { type: 'string' } },
    positionals: [],
    summary: 'list registered hosts',
    usage: `Usage: quantix-vdc-console hosts list [--cluster NAME|ID] [--json]`,
  },
  {
    words: ['hosts', 'show'],
    options: {},
    positionals: ['host'],
    summary: 'one host: state, last error and full inventory',
    usage: `Usage: quantix-vdc-console hosts show NODE-ID|HOST-ID|NAME [--json]`,
  },
  {
    words: ['hosts', 'refresh'],
    options: {},
    positionals: ['host'],
    summary: "read a host's inventory again and show what changed",
    usage: `Usage: quantix-vdc-console hosts refresh NODE-ID|HOST-ID|NAME [--json]

The vDC asks the host for a newly collected inventory, stores it (capacity
totals follow it) and prints what changed since the last one: memory, disks,
NFS and iSCSI storage, network interfaces, CPU, GPUs. The vDC also does this
by itself every few hours (quantix-vdc serve --inventory-refresh).`,
  },
  {
    words: ['hosts', 'remove'],
    options: { force: { type: 'boolean' }, yes: { type: 'boolean', short: 'y' } },
    positionals: ['host'],
    summary: 'tell a host to leave its cluster and forget it',
    usage: `Usage: quantix-vdc-console hosts remove NODE-ID|HOST-ID|NAME [--force] [--yes] [--json]

  --force    forget the host even when it cannot be told to leave (unreachable)
  -y, --yes  remove without asking (required when stdin is not a terminal)`,
  },
  {
    words: ['hosts', 'maintenance'],
    options: {},
    positionals: ['host', 'mode'],
    summary: 'put a host in maintenance (on) or take it out (off)',
    usage: `Usage: quantix-vdc-console hosts maintenance NODE-ID|HOST-ID|NAME on|off [--json]

A host in maintenance stays in its cluster and is still polled, but its CPU,
memory, storage and GPUs are left out of the cluster and fleet capacity totals.
Its console shows "Maintenance". A host that is down now is told when it answers.`,
  },
  {
    words: ['hosts', 'move'],
    options: { cluster: { type: 'string' } },
    positionals: ['host'],
    summary: 'move a host to another cluster (no new token)',
    usage: `Usage: quantix-vdc-console hosts move NODE-ID|HOST-ID|NAME --cluster NAME|ID [--json]

The vDC tells the host its new cluster over mutual TLS first, then records the
move. A host that cannot be reached is not moved: nothing changes.`,
  },
  {
    words: ['clusters', 'list'],
    options: {},
    positionals: [],
    summary: 'list clusters with their hosts and capacity',
    usage: `Usage: quantix-vdc-console clusters list [--json]`,
  },
  {
    words: ['clusters', 'create'],
    options: { description: { type: 'string' } },
    positionals: ['name'],
    summary: 'create a cluster',
    usage: `Usage: quantix-vdc-console clusters create NAME [--description TEXT] [--json]

Names are 1-63 letters, digits, "-", "_" or ".".`,
  },
  {
    words: ['clusters', 'delete'],
    options: {},
    positionals: ['cluster'],
    summary: 'delete an empty cluster',
    usage: `Usage: quantix-vdc-console clusters delete NAME|ID [--json]`,
  },
  {
    words: ['clusters', 'rename'],
    options: {},
    positionals: ['cluster', 'name'],
    summary: 'rename a cluster (its hosts are told)',
    usage: `Usage: quantix-vdc-console clusters rename NAME|ID NEW-NAME [--json]

Names are 1-63 letters, digits, "-", "_" or "."; CLUSTER_EXISTS when another
cluster has it. Hosts that are down are told the new name when they answer.`,
  },
  {
    words: ['trends'],
    options: { cluster: { type: 'string' } },
    positionals: ['host?'],
    summary: "a host's or a cluster's recent CPU and memory use, as sparklines",
    usage: `Usage: quantix-vdc-console trends NODE-ID|HOST-ID|NAME [--json]
       quantix-vdc-console trends --cluster NAME|ID [--json]

Sparklines of CPU and memory use over the vDC's trend window (one sample a
minute for the last hour by default), with the current value, min and max.
A cluster's use is the sum of its hosts' use over the sum of their capacity.`,
  },
  {
    words: ['login'],
    options: {
      'token-stdin': { type: 'boolean' },
      'token-file': { type: 'string' },
      fingerprint: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
    },
    positionals: [],
    summary: 'trust a remote vDC and store an API token for it',
    usage: `Usage: quantix-vdc-console login --server URL [--token-stdin | --token-file FILE]
         [--fingerprint FP | --yes] [--json]

Shows the vDC's certificate fingerprint and asks once whether to trust it (as
ssh does), then pins it: a different certificate later is refused. The API token
(from \`quantix-vdc api-token create NAME\` on the vDC) is read from stdin or a
private file, else from $QUANTIX_API_TOKEN, else from stdin when it is not a
terminal, else typed without echo; it is checked against the vDC and stored in
the OS keychain, or in a file only you can read when no keychain is reachable.
It is never taken from the command line: --token is refused.
  --token-stdin       read the API token from stdin
  --token-file FILE   read the API token from FILE, which only you may read (0600)
  --fingerprint FP    the fingerprint you expect (from the appliance): no question
  -y, --yes           trust the fingerprint shown without asking (first login only)`,
  },
  {
    words: ['whoami'],
    options: {},
    positionals: [],
    summary: 'how the console reaches the vDC and what it may do (role)',
    usage: `Usage: quantix-vdc-console whoami [--server URL | --socket PATH] [--json]

The local socket has full access. Over HTTPS, the API token's role decides:
admin may change everything, viewer may only list and watch.`,
  },
  {
    words: ['logout'],
    options: {},
    positionals: [],
    summary: 'forget the API token and pin of a remote vDC',
    usage: `Usage: quantix-vdc-console logout --server URL [--json]`,
  },
  AUDIT_COMMAND,
];

/** Top-level help. */
export const USAGE = `Usage: quantix-vdc-console [--socket PATH | --server URL]       the full-screen console
       quantix-vdc-console COMMAND [options]                       scriptable

Commands:
${COMMANDS.map((c) => `  ${c.words.join(' ').padEnd(16)} ${c.summary}`).join('\n')}

${TARGET_HELP}
Console only:
  --log-file PATH  where the console's log goes (default: none)
  --refresh S      seconds between refreshes (default 2)
  --escape-delay MS  how long a key's escape sequence may take to arrive, for
                   slow links (env QUANTIX_ESCAPE_DELAY; default 200, 10-5000)

Exit codes: 0 success, 2 usage error, 3 vDC unreachable, 4 refused by the vDC or
the host, 5 some hosts of a list (hosts add --from) not added. Run \`quantix-vdc-console COMMAND --help\` for a command's options.`;

/** Values common to every command. */
export interface GlobalValues {
  socket?: string;
  server?: string;
  json: boolean;
  help: boolean;
}

/** A parsed command line. */
export type Parsed =
  | { kind: 'tui'; globals: GlobalValues; logFile: string | null; refreshMs: number; escapeDelayMs: number }
  | { kind: 'help'; text: string }
  | {
      kind: 'command';
      spec: CommandSpec;
      globals: GlobalValues;
      values: Record<string, string | boolean | undefined>;
      args: string[];
    }
  | { kind: 'error'; message: string; usage: string; code?: 'SECRET_ON_COMMAND_LINE'; hint?: string };

/**
 * Names of options that would put a secret in the process's command line, readable by every local user: any name
 * ending in token, password, passphrase or secret (`--token`, `--api-token`, `--db-password`), refused and never
 * read. `--token-stdin` and `--token-file` say where the secret is, so they do not match.
 */
const SECRET_OPTION_NAME = /^--(?:[a-z0-9]+-)*(?:token|password|passphrase|secret)$/i;

/** Where each command takes its secret from instead, for the refusal's next step. */
function safeSecretForms(words: readonly string[]): string {
  // Only a known command is named: a stray word could be the secret itself.
  const login = words[0] === 'login';
  const command = login ? 'login --server URL' : 'hosts add --address A --cluster C';
  const env = login ? 'QUANTIX_API_TOKEN' : 'QUANTIX_TOKEN';
  return `Give the token on stdin (\`quantix-vdc-console ${command} --token-stdin < FILE\`), with --token-file FILE (yours, mode 0600), in $${env}, or type it when asked on a terminal.`;
}

/**
 * A secret option on the command line, found before anything else is parsed
 * so that it is refused even next to other mistakes; the value is never
 * repeated. Arguments after `--` are operands, not options.
 */
function secretOnCommandLine(argv: readonly string[], words: readonly string[]): Parsed | null {
  for (const a of argv) {
    if (a === '--') break;
    const name = a.split('=', 1)[0]!;
    if (SECRET_OPTION_NAME.test(name)) {
      return {
        kind: 'error',
        code: 'SECRET_ON_COMMAND_LINE',
        message: `${name} is refused: a secret on the command line can be read by any local user (ps, /proc); nothing was sent`,
        hint: safeSecretForms(words),
        usage: USAGE,
      };
    }
  }
  return null;
}

/** The leading command words of argv, skipping global options (and the values of those that take one) before them. */
function commandWords(argv: readonly string[]): string[] {
  const takesValue = new Set(['--socket', '--server', '--log-file', '--refresh', '--escape-delay']);
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < 2; i++) {
    const a = argv[i]!;
    if (takesValue.has(a)) i++;
    else if (!a.startsWith('-')) words.push(a);
  }
  return words;
}

/** Parses argv (without node and the script). */
export function parseCommandLine(argv: readonly string[], env: Record<string, string | undefined> = {}): Parsed {
  const words = commandWords(argv);
  const secret = secretOnCommandLine(argv, words);
  if (secret) return secret;
  const spec = COMMANDS.find((c) => c.words.every((w, i) => words[i] === w));
  if (!spec) {
    const first = words[0];
    if (first && COMMANDS.some((c) => c.words[0] === first)) {
      const subs = COMMANDS.filter((c) => c.words[0] === first).map((c) => c.words.slice(1).join(' '));
      if (argv.includes('--help') || argv.includes('-h'))
        return {
          kind: 'help',
          text: `Usage: quantix-vdc-console ${first} ${subs.join('|')} …\n\n${COMMANDS.filter(
            (c) => c.words[0] === first,
          )
            .map((c) => `  ${c.words.join(' ').padEnd(16)} ${c.summary}`)
            .join('\n')}`,
        };
      return { kind: 'error', message: `${first} needs one of: ${subs.join(', ')}`, usage: USAGE };
    }
    if (first) return { kind: 'error', message: `unknown command "${first.slice(0, 40)}"`, usage: USAGE };
    return parseTui(argv, env);
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: { ...GLOBAL_OPTIONS, ...spec.options },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    return { kind: 'error', message: argumentProblem(err), usage: spec.usage };
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) return { kind: 'help', text: `${spec.usage}\n\n${TARGET_HELP}` };
  const args = parsed.positionals.slice(spec.words.length);
  const required = spec.positionals.filter((p) => !p.endsWith('?'));
  if (args.length < required.length)
    return { kind: 'error', message: `missing ${required[args.length]!.toUpperCase()}`, usage: spec.usage };
  if (args.length > spec.positionals.length)
    return {
      kind: 'error',
      message: `unexpected argument "${args[spec.positionals.length]!.slice(0, 40)}"`,
      usage: spec.usage,
    };
  return {
    kind: 'command',
    spec,
    globals: {
      socket: values.socket as string | undefined,
      server: values.server as string | undefined,
      json: values.json === true,
      help: false,
    },
    values,
    args,
  };
}

function parseTui(argv: readonly string[], env: Record<string, string | undefined>): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        ...GLOBAL_OPTIONS,
        'log-file': { type: 'string' },
        refresh: { type: 'string' },
        'escape-delay': { type: 'string' },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    return { kind: 'error', message: argumentProblem(err), usage: USAGE };
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help', text: USAGE };
  let refreshMs = 2_000;
  if (v.refresh !== undefined) {
    const s = Number(v.refresh);
    if (!Number.isFinite(s) || s < 0.2 || s > 3600)
      return { kind: 'error', message: '--refresh takes seconds from 0.2 to 3600', usage: USAGE };
    refreshMs = Math.round(s * 1000);
  }
  const delay = parseEscapeDelay(v['escape-delay'], env);
  if (!delay.ok) return { kind: 'error', message: delay.error, usage: USAGE };
  return {
    kind: 'tui',
    globals: { socket: v.socket, server: v.server, json: v.json === true, help: false },
    logFile: v['log-file'] ?? null,
    refreshMs,
    escapeDelayMs: delay.ms,
  };
}

/** How the vDC is reached. */
export type TargetChoice = { kind: 'socket'; socketPath: string } | { kind: 'server'; server: string };

/** Picks the vDC: --server, then $QUANTIX_VDC_SERVER, then --socket, $QUANTIX_VDC_SOCKET, the default socket. */
export function chooseTarget(
  g: Pick<GlobalValues, 'socket' | 'server'>,
  env: Record<string, string | undefined>,
  uid: number,
  home: string,
): TargetChoice {
  if (g.server) return { kind: 'server', server: g.server };
  if (g.socket) return { kind: 'socket', socketPath: g.socket };
  if (env.QUANTIX_VDC_SERVER) return { kind: 'server', server: env.QUANTIX_VDC_SERVER };
  if (env.QUANTIX_VDC_SOCKET) return { kind: 'socket', socketPath: env.QUANTIX_VDC_SOCKET };
  return { kind: 'socket', socketPath: defaultVdcPaths(env, uid, home).socketPath };
}
