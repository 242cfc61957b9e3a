/**
 * Command line of `quantix-node`: commands, flags with their environment
 * variables, default paths, usage texts and exit codes. Parsing is pure
 * (argv, env, uid and home are parameters) so every usage error is testable.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { argumentProblem } from '../../common/cli/error-line.js';
import {
  DEFAULT_TOKEN_TTL_SECONDS,
  parseSeconds,
  parseTokenTtl,
  parseTtl,
  TOKEN_TTL_RANGE_WORDS,
} from '../../common/protocol/agent-api.js';
import { AGENT_PORT } from '../../common/protocol/ports.js';
import { AUDIT_ACTIONS } from './audit.js';
import { parseSince } from './audit-read.js';

/** Exit codes of every command. */
export const EXIT = {
  OK: 0,
  /** serve could not start, or an unexpected failure. */
  FAILURE: 1,
  /** Unknown command, flag or value. */
  USAGE: 2,
  /** No agent answers on the socket. */
  UNREACHABLE: 3,
  /** The agent refused (the error code says why). */
  REFUSED: 4,
  /** The agent answered something this CLI does not understand. */
  PROTOCOL: 5,
} as const;

/** Default state directory and socket for a user (root gets the system paths). */
export function defaultNodePaths(
  env: Record<string, string | undefined>,
  uid: number | null,
  home: string,
): { stateDir: string; socketPath: string } {
  if (uid === 0) return { stateDir: '/var/lib/quantix-node', socketPath: '/run/quantix/node.sock' };
  const stateBase =
    env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : path.join(home, '.local', 'state');
  const stateDir = path.join(stateBase, 'quantix', 'node');
  const socketPath =
    env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/')
      ? path.join(env.XDG_RUNTIME_DIR, 'quantix', 'node.sock')
      : path.join(stateDir, 'node.sock');
  return { stateDir, socketPath };
}

/** Parses `host:port`, `[v6]:port`, `:port` or a bare port. */
export function parseListen(input: string): { host: string; port: number } | null {
  const s = input.trim();
  let host: string;
  let port: string;
  const v6 = /^\[([0-9A-Fa-f:.]+)\]:([0-9]{1,5})$/.exec(s);
  if (v6) [, host, port] = v6 as unknown as [string, string, string];
  else if (/^[0-9]{1,5}$/.test(s)) [host, port] = ['0.0.0.0', s];
  else {
    const i = s.lastIndexOf(':');
    if (i < 0) return null;
    host = s.slice(0, i) || '0.0.0.0';
    port = s.slice(i + 1);
    if (host.includes(':') || !/^[0-9]{1,5}$/.test(port)) return null;
  }
  const n = Number(port);
  if (n > 65535 || !/^[A-Za-z0-9.:-]+$/.test(host)) return null;
  return { host, port: n };
}

const SERVE_USAGE = `Usage: quantix-node serve [options]

Runs the host agent: the local API on a Unix socket (mode 0600) for the host
console and this CLI, and the network API on HTTPS for the vDC.

Options:
  --state-dir DIR       certificate, membership and audit log (env QUANTIX_NODE_STATE_DIR;
                        default /var/lib/quantix-node as root, else
                        $XDG_STATE_HOME/quantix/node or ~/.local/state/quantix/node)
  --socket PATH         local API socket (env QUANTIX_NODE_SOCKET; default /run/quantix/node.sock
                        as root, else $XDG_RUNTIME_DIR/quantix/node.sock, or node.sock in the
                        default state dir when XDG_RUNTIME_DIR is unset)
  --listen HOST:PORT    network API address (env QUANTIX_NODE_LISTEN; default 0.0.0.0:${AGENT_PORT};
                        port 0 picks a free port, logged as "network API listening")
  --token-ttl TTL       default registration token lifetime, when \`token generate\`
                        gives none: 3600, 90s, 5m, 1h; 10 s to 24 h
                        (env QUANTIX_NODE_TOKEN_TTL; default ${DEFAULT_TOKEN_TTL_SECONDS / 60} minutes)
  --inventory-root DIR  read /proc, /sys, /etc and /dev under DIR instead of /
                        (env QUANTIX_NODE_INVENTORY_ROOT; for test fixtures)
  --report-interval T   refused network requests are written once per source and
                        interval, with a count: 60, 90s, 5m; 1 s to 1 h
                        (env QUANTIX_NODE_REPORT_INTERVAL; default 60 s)
  -h, --help            show this help

Logs are JSON lines on stderr (level from QUANTIX_LOG_LEVEL, default info).`;

const CLIENT_OPTIONS = `  --socket PATH   the agent's socket (env QUANTIX_NODE_SOCKET; default as for serve)
  --json          print the agent's answer as JSON
  -h, --help      show this help`;

/** Usage texts by command. */
export const USAGE: Record<string, string> = {
  main: `Usage: quantix-node <command> [options]

The Quantix host agent and its command-line client.

Commands:
  serve              run the agent
  token generate     make a new registration token (replaces the current one);
                     --ttl 15m|90m|1h|24h sets its lifetime (5 min to 24 h, default 1 h)
  token show         show the active token and how long it remains valid
  token revoke       revoke the active token
  status             identity, addresses, cluster membership and token state
  inventory          the hardware inventory the vDC sees
  leave              leave the cluster (the vDC no longer manages this host)
  audit              read the agent's audit log (--since, --action, --outcome)

Run \`quantix-node <command> --help\` for the options of a command.

Exit codes: 0 ok, 1 failure (serve could not start), 2 usage error,
3 agent unreachable, 4 refused by the agent, 5 unexpected answer.`,
  serve: SERVE_USAGE,
  token: `Usage: quantix-node token generate [--ttl TTL] | show | revoke [options]

  generate   make a new registration token (replaces the current one); refused
             while a vDC manages this host
  show       show the active token, its expiry, and the addresses to give the vDC
  revoke     end the active token now

Options:
  --ttl TTL       (generate) the token's lifetime: 15m, 90m, 1h, 24h, or seconds;
                  5 min to 24 h (default 1 h, or the agent's --token-ttl)
${CLIENT_OPTIONS}`,
  status: `Usage: quantix-node status [options]

Shows the host's identity, management addresses and certificate fingerprint,
its cluster membership, the registration token's state (never its value)
and live usage.

Options:
${CLIENT_OPTIONS}`,
  inventory: `Usage: quantix-node inventory [options]

Shows the hardware inventory: system, CPU, memory, disks, NFS and iSCSI
storage, network interfaces and GPUs.

Options:
  --refresh       collect everything again instead of the cached inventory
${CLIENT_OPTIONS}`,
  leave: `Usage: quantix-node leave [options]

Leaves the cluster: the vDC's certificate is no longer accepted and the host
is standalone again (a new token can then be generated). Virtual machines
keep running. On a terminal it names the cluster and vDC and asks first;
without a terminal, or with --json, it needs --yes.

Options:
  -y, --yes       leave without asking
${CLIENT_OPTIONS}`,
};

const AUDIT_USAGE = `Usage: quantix-node audit [--since DURATION|TIME] [--action ACTION]
                         [--outcome ok|refused] [--state-dir DIR] [--json]

Prints the agent's audit log (audit.log.1, then audit.log in the state
directory), oldest first. Needs read access to the state directory (root, or
the user the agent runs as).

Options:
  --since X       only records since a duration ago (30m, 12h, 7d) or an ISO
                  time (2026-01-31, 2026-01-31T08:00:00Z)
  --action A      only this action: ${AUDIT_ACTIONS.join(', ')}
  --outcome O     ok or refused
  --state-dir DIR the agent's state directory (env QUANTIX_NODE_STATE_DIR; default as for serve)
  --json          a JSON array of the records
  -h, --help      show this help`;
USAGE.audit = AUDIT_USAGE;

/** What \`audit\` reads and keeps. */
export interface AuditOptions {
  stateDir: string;
  /** Validated \`--since\` text, resolved against the clock when run. */
  since: string | null;
  action: string | null;
  outcome: 'ok' | 'refused' | null;
  json: boolean;
}

/** Parses the arguments of \`audit\`. */
function parseAuditArgs(args: string[], stateDirDefault: string): Invocation {
  const usageError = (message: string): Invocation => ({ kind: 'usage-error', message, usage: AUDIT_USAGE });
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        since: { type: 'string' },
        action: { type: 'string' },
        outcome: { type: 'string' },
        'state-dir': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    return usageError(argumentProblem(err));
  }
  if (values.help) return { kind: 'help', text: AUDIT_USAGE };
  if (values.since !== undefined && parseSince(values.since, 0) === null)
    return usageError(
      `--since: '${values.since.slice(0, 40)}' is neither a duration (30m, 12h, 7d) nor an ISO time (2026-01-31T08:00:00Z)`,
    );
  if (values.action !== undefined && !(AUDIT_ACTIONS as readonly string[]).includes(values.action))
    return usageError(`--action: '${values.action.slice(0, 40)}' is not one of ${AUDIT_ACTIONS.join(', ')}`);
  if (values.outcome !== undefined && values.outcome !== 'ok' && values.outcome !== 'refused')
    return usageError(`--outcome: '${values.outcome.slice(0, 40)}' is not ok or refused`);
  const stateDir = values['state-dir'] ?? stateDirDefault;
  if (stateDir === '') return usageError('--state-dir needs a path');
  return {
    kind: 'audit',
    options: {
      stateDir: path.resolve(stateDir),
      since: values.since ?? null,
      action: values.action ?? null,
      outcome: values.outcome ?? null,
      json: values.json === true,
    },
  };
}

/** Options of \`serve\`. */
export interface ServeOptions {
  stateDir: string;
  socketPath: string;
  listenHost: string;
  listenPort: number;
  tokenTtlSeconds: number;
  inventoryRoot: string;
  /** Window over which refused requests are counted per source. */
  reportIntervalSeconds: number;
}

/** A client command. */
export type ClientCommand = 'token generate' | 'token show' | 'token revoke' | 'status' | 'inventory' | 'leave';

/** What the command line asks for. */
export type Invocation =
  | { kind: 'help'; text: string }
  | { kind: 'usage-error'; message: string; usage: string }
  | { kind: 'serve'; options: ServeOptions }
  | { kind: 'audit'; options: AuditOptions }
  | {
      kind: 'client';
      command: ClientCommand;
      socketPath: string;
      json: boolean;
      refresh: boolean;
      yes: boolean;
      ttlSeconds: number | null;
    };

// Options that take a value, so that one given before the command keeps its value.
const VALUE_OPTIONS = new Set(['--socket', '--state-dir', '--listen', '--token-ttl', '--inventory-root', '--ttl']);

/**
 * argv with the options given before the command moved after it
 * (`--socket X status` as `status --socket X`), so each command's own
 * strict parser sees them, as `git -C dir status` users expect.
 */
export function commandFirst(argv: readonly string[]): string[] {
  let i = 0;
  const lead: string[] = [];
  while (i < argv.length && argv[i]!.startsWith('-') && argv[i] !== '--help' && argv[i] !== '-h' && argv[i] !== '--') {
    const a = argv[i++]!;
    lead.push(a);
    if (VALUE_OPTIONS.has(a) && i < argv.length) lead.push(argv[i++]!);
  }
  if (lead.length === 0 || i >= argv.length) return [...argv];
  const words = argv[i] === 'token' && i + 1 < argv.length && !argv[i + 1]!.startsWith('-') ? 2 : 1;
  return [...argv.slice(i, i + words), ...lead, ...argv.slice(i + words)];
}

/** A usage error with the usage to show. */
function usageError(message: string, usage: string): Invocation {
  return { kind: 'usage-error', message, usage };
}

/** Parses `serve`'s options (after the command word). */
function parseServeArgs(
  rest: string[],
  env: Record<string, string | undefined>,
  defaults: { stateDir: string; socketPath: string },
): Invocation {
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'state-dir': { type: 'string' },
        socket: { type: 'string' },
        listen: { type: 'string' },
        'token-ttl': { type: 'string' },
        'inventory-root': { type: 'string' },
        'report-interval': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    return usageError(argumentProblem(err), SERVE_USAGE);
  }
  if (values.help) return { kind: 'help', text: SERVE_USAGE };
  const stateDir = values['state-dir'] ?? env.QUANTIX_NODE_STATE_DIR ?? defaults.stateDir;
  // The socket default does not follow --state-dir: the console and the CLI find it without being told the state dir.
  const socketPath = values.socket ?? env.QUANTIX_NODE_SOCKET ?? defaults.socketPath;
  const listenText = values.listen ?? env.QUANTIX_NODE_LISTEN ?? `0.0.0.0:${AGENT_PORT}`;
  const listen = parseListen(listenText);
  if (!listen)
    return usageError(
      `--listen: '${listenText}' is not HOST:PORT (e.g. 0.0.0.0:8443, [::]:8443, 127.0.0.1:0)`,
      SERVE_USAGE,
    );
  const ttlText = values['token-ttl'] ?? env.QUANTIX_NODE_TOKEN_TTL ?? String(DEFAULT_TOKEN_TTL_SECONDS);
  const ttl = parseTtl(ttlText);
  if (ttl === null)
    return usageError(
      `--token-ttl: '${ttlText}' is not a lifetime between 10 s and 24 h (e.g. 3600, 90s, 5m, 1h)`,
      SERVE_USAGE,
    );
  const reportText = values['report-interval'] ?? env.QUANTIX_NODE_REPORT_INTERVAL ?? '60';
  const reportInterval = parseSeconds(reportText, 1, 3600);
  if (reportInterval === null)
    return usageError(
      `--report-interval: '${reportText.slice(0, 40)}' is not an interval between 1 s and 1 h (e.g. 60, 90s, 5m)`,
      SERVE_USAGE,
    );
  if (stateDir === '' || socketPath === '') return usageError('--state-dir and --socket need a path', SERVE_USAGE);
  return {
    kind: 'serve',
    options: {
      stateDir: path.resolve(stateDir),
      socketPath: path.resolve(socketPath),
      listenHost: listen.host,
      listenPort: listen.port,
      tokenTtlSeconds: ttl,
      inventoryRoot: path.resolve(values['inventory-root'] ?? env.QUANTIX_NODE_INVENTORY_ROOT ?? '/'),
      reportIntervalSeconds: reportInterval,
    },
  };
}

/** The client command the first words name (with its arguments and usage), or a usage error. */
function parseClientCommand(
  first: string,
  rest: string[],
): { command: ClientCommand; args: string[]; usage: string } | Invocation {
  let command: ClientCommand;
  let args = rest;
  let usage: string;
  if (first === 'token') {
    usage = USAGE.token!;
    const sub = rest[0];
    if (sub === undefined || sub === '--help' || sub === '-h')
      return sub === undefined
        ? usageError('token needs a subcommand: generate, show or revoke', usage)
        : { kind: 'help', text: usage };
    if (sub !== 'generate' && sub !== 'show' && sub !== 'revoke')
      return usageError(`unknown token subcommand '${sub.slice(0, 40)}' (generate, show or revoke)`, usage);
    command = `token ${sub}`;
    args = rest.slice(1);
  } else if (first === 'status' || first === 'inventory' || first === 'leave') {
    command = first;
    usage = USAGE[first]!;
  } else {
    return usageError(`unknown command '${first.slice(0, 40)}'`, USAGE.main!);
  }
  return { command, args, usage };
}

/** Parses a client command's options. */
function parseClientArgs(
  command: ClientCommand,
  args: string[],
  usage: string,
  env: Record<string, string | undefined>,
  defaults: { socketPath: string },
): Invocation {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        socket: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        ...(command === 'inventory' ? { refresh: { type: 'boolean' as const } } : {}),
        ...(command === 'leave' ? { yes: { type: 'boolean' as const, short: 'y' } } : {}),
        ...(command === 'token generate' ? { ttl: { type: 'string' as const } } : {}),
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (err) {
    return usageError(argumentProblem(err), usage);
  }
  if (values.help) return { kind: 'help', text: usage };
  const socketPath = values.socket ?? env.QUANTIX_NODE_SOCKET ?? defaults.socketPath;
  if (socketPath === '') return usageError('--socket needs a path', usage);
  let ttlSeconds: number | null = null;
  if (typeof values.ttl === 'string') {
    ttlSeconds = parseTokenTtl(values.ttl);
    if (ttlSeconds === null)
      return usageError(`--ttl: '${values.ttl.slice(0, 40)}' is not a token lifetime ${TOKEN_TTL_RANGE_WORDS}`, usage);
  }
  return {
    kind: 'client',
    command,
    socketPath: path.resolve(socketPath),
    json: values.json === true,
    refresh: values.refresh === true,
    yes: values.yes === true,
    ttlSeconds,
  };
}

/** Parses argv (without node and script). */
export function parseInvocation(
  argv: string[],
  env: Record<string, string | undefined>,
  uid: number | null,
  home: string,
): Invocation {
  const defaults = defaultNodePaths(env, uid, home);
  const [first, ...rest] = commandFirst(argv);
  if (first === undefined || first === 'help' || first === '--help' || first === '-h')
    return { kind: 'help', text: USAGE.main! };
  if (first.startsWith('-'))
    return usageError(
      argv.includes('--help') || argv.includes('-h')
        ? `unknown option ${first.slice(0, 40)}`
        : 'a command is needed (serve, token, status, inventory, leave or audit)',
      USAGE.main!,
    );

  if (first === 'serve') return parseServeArgs(rest, env, defaults);

  if (first === 'audit') return parseAuditArgs(rest, env.QUANTIX_NODE_STATE_DIR ?? defaults.stateDir);

  const parsed = parseClientCommand(first, rest);
  if ('kind' in parsed) return parsed;
  return parseClientArgs(parsed.command, parsed.args, parsed.usage, env, defaults);
}
