/**
 * Command line of `quantix-vdc`: subcommands, flags, and the environment
 * variable behind each flag. Pure: parsing takes argv, env, uid and home and
 * returns a command or a usage error; nothing here touches the system.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { parseArgs } from 'node:util';
import {
  argumentProblem,
  errorLine as formatErrorLine,
  usageError,
  type UsageError,
} from '../../common/cli/error-line.js';
import { VDC_DEFAULT_LISTEN } from '../../common/protocol/ports.js';
import { API_ROLES, type ApiRole, DEFAULT_API_ROLE, defaultVdcPaths } from '../../common/protocol/vdc-api.js';

/** Settings of `quantix-vdc serve`. */
export interface ServeConfig {
  stateDir: string;
  /** A `postgres://` URL: PostgreSQL shared by replicas; null keeps SQLite in the state directory. */
  database: string | null;
  /** The vDC secret key file (PostgreSQL only): seals the shared identity and discovery keys. */
  secretFile: string;
  /** Poll lease period (PostgreSQL): a replica silent this long has its hosts taken over. */
  leaseMs: number;
  socketPath: string;
  /** null when the HTTPS listener is off (`--listen none`). */
  listen: { host: string; port: number } | null;
  name: string | null;
  url: string | null;
  pollIntervalMs: number;
  pollConcurrency: number;
  /** Connections to hosts kept open between poll rounds. */
  pollConnections: number;
  /** An inventory older than this is read again from its host. */
  inventoryRefreshMs: number;
  /** Trend history: width of a bucket and buckets kept per host. */
  trends: { bucketMs: number; points: number };
  connectTimeoutMs: number;
  responseTimeoutMs: number;
}

/** A parsed command line. */
export type Command =
  | { kind: 'help'; text: string }
  | { kind: 'version' }
  | { kind: 'serve'; config: ServeConfig }
  | {
      kind: 'api-token-create';
      stateDir: string;
      database: string | null;
      name: string;
      role: ApiRole;
      json: boolean;
    }
  | { kind: 'api-token-list'; stateDir: string; database: string | null; json: boolean }
  | { kind: 'api-token-revoke'; stateDir: string; database: string | null; idOrName: string; json: boolean };

/** Where a usage error sends the reader. */
const USAGE_HINT = "Run 'quantix-vdc --help' for the usage.";

/** A command line that cannot run: main prints it on one line and exits 2. */
function usage(problem: string): UsageError {
  return usageError(problem, USAGE_HINT);
}

const MAIN_HELP = `quantix-vdc: the Quantix vDC control plane

Usage:
  quantix-vdc serve [options]             run the control plane
  quantix-vdc api-token create NAME [--role admin|viewer]
                                          create an API token for a remote console
  quantix-vdc api-token list              list API tokens (never their secret)
  quantix-vdc api-token revoke ID|NAME    revoke an API token
  quantix-vdc --version

Run 'quantix-vdc serve --help' or 'quantix-vdc api-token --help' for options.
`;

const SERVE_HELP = `Usage: quantix-vdc serve [options]

Runs the control plane: clusters, host discovery and registration, health
polling and the audit log. Local consoles use the Unix socket (mode 0600);
remote consoles use HTTPS with an API token.

Options (each also an environment variable):
  --state-dir DIR          state: database, certificates   QUANTIX_VDC_STATE_DIR
                           (default $XDG_STATE_HOME/quantix/vdc, /var/lib/quantix-vdc as root)
  --database URL           PostgreSQL shared by replicas    QUANTIX_VDC_DATABASE
                           (postgres://USER@HOST:PORT/DB; password from the URL,
                           PGPASSWORD or PGPASSFILE; default: SQLite in the state dir)
  --secret-file PATH       key sealing the shared identity  QUANTIX_VDC_SECRET_FILE
                           (PostgreSQL; default vdc-secret.key in the state dir;
                           the same file on every replica)
  --lease DUR              poll lease of a replica          QUANTIX_VDC_LEASE (default 15s)
  --socket PATH            local API socket                 QUANTIX_VDC_SOCKET
                           (default $XDG_RUNTIME_DIR/quantix/vdc.sock, /run/quantix/vdc.sock as root)
  --listen HOST:PORT       HTTPS for remote consoles        QUANTIX_VDC_LISTEN
                           (default ${VDC_DEFAULT_LISTEN}; ':0' picks a free port; 'none' turns it off)
  --name NAME              this vDC's name shown to hosts   QUANTIX_VDC_NAME (default: host name)
  --url URL                URL hosts are told this vDC has  QUANTIX_VDC_URL
  --poll-interval DUR      health check period              QUANTIX_VDC_POLL_INTERVAL (default 15s)
  --poll-concurrency N     hosts checked at once            QUANTIX_VDC_POLL_CONCURRENCY (default 32)
  --poll-connections N     connections kept between rounds  QUANTIX_VDC_POLL_CONNECTIONS (default 256)
  --inventory-refresh DUR  re-read each host's inventory    QUANTIX_VDC_INVENTORY_REFRESH
                           this often (default 6h; 1s to 168h)
  --trend-bucket DUR       width of one trend sample        QUANTIX_VDC_TREND_BUCKET (default 1m)
  --trend-points N         trend samples kept per host      QUANTIX_VDC_TREND_POINTS (default 60, 2-1440)
  --connect-timeout DUR    TCP+TLS limit toward hosts       QUANTIX_VDC_CONNECT_TIMEOUT (default 5s)
  --response-timeout DUR   answer limit toward hosts        QUANTIX_VDC_RESPONSE_TIMEOUT (default 20s)
  -h, --help

Durations are a number of seconds or take a unit: 500ms, 15s, 2m, 1h.
The listening line on stderr (JSON, "event":"listening") gives the real port.
`;

const TOKEN_HELP = `Usage:
  quantix-vdc api-token create NAME [--role admin|viewer] [--json]
  quantix-vdc api-token list [--json]
  quantix-vdc api-token revoke ID|NAME [--json]

API tokens let a remote vDC console use the HTTPS listener. A token is
qxa_<public id>.<secret>: the public id names it in lists and logs, the
secret is 256 random bits. It is shown once; the vDC keeps only the SHA-256
of the whole token. Names: letters, digits, '-', '_', '.', '@' (1-63).

Roles: admin (the default) may do everything the HTTPS listener offers;
viewer may list and watch (GET requests) and is refused every change,
discovery included, with ROLE_FORBIDDEN. The local socket has full access.

Options:
  --role ROLE       admin (default) or viewer    (create only)
  --state-dir DIR   state directory of the vDC   QUANTIX_VDC_STATE_DIR
  --database URL    PostgreSQL of the replicas   QUANTIX_VDC_DATABASE
  --json            machine-readable output
  -h, --help
`;

/** The role of `api-token create --role`; the default when absent. */
function parseRole(input: string | undefined): ApiRole {
  if (input === undefined) return DEFAULT_API_ROLE;
  const role = API_ROLES.find((r) => r === input.trim().toLowerCase());
  if (!role) throw usage(`--role must be ${API_ROLES.join(' or ')}, not ${JSON.stringify(input.slice(0, 40))}`);
  return role;
}

/** Parses a duration: seconds, or with a unit ms, s, m or h. */
export function parseDuration(input: string): number | null {
  const m = /^([0-9]{1,7})(ms|s|m|h)?$/.exec(input.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's']!;
  return n * unit;
}

/**
 * Parses `--listen`: `host:port`, `[v6]:port`, `:port` (loopback), or
 * `none`. The host must be a real IPv4 or IPv6 address or a well-formed
 * name: `999.1.1.1` is refused here, before anything is created.
 */
export function parseListen(input: string): { host: string; port: number } | null | 'invalid' {
  const s = input.trim();
  if (s === 'none' || s === 'off') return null;
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]*)):([0-9]{1,5})$/.exec(s);
  if (!m) return 'invalid';
  const port = Number(m[3]);
  if (port > 65535) return 'invalid';
  if (m[1] !== undefined) return isIPv6(m[1]) ? { host: m[1], port } : 'invalid';
  const host = m[2] === '' ? '127.0.0.1' : m[2]!;
  // All digits and dots reads as an IPv4 address, so it must be one; otherwise a DNS name (labels of 1-63).
  if (/^[0-9.]+$/.test(host)) return isIPv4(host) ? { host, port } : 'invalid';
  const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
  return host.length <= 253 && host.split('.').every((l) => label.test(l)) ? { host, port } : 'invalid';
}

/** A whole number within bounds, or the fallback when not given. */
function countOption(value: string | undefined, flag: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^[0-9]{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw usage(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

function durationOption(value: string | undefined, flag: string, fallbackMs: number, minMs: number): number {
  if (value === undefined || value === '') return fallbackMs;
  const ms = parseDuration(value);
  if (ms === null || ms < minMs)
    throw usage(
      `${flag} must be a duration of at least ${minMs} ms, like 15s or 500ms (got ${JSON.stringify(value.slice(0, 40))})`,
    );
  return ms;
}

/** The default and bounds of `--inventory-refresh`. */
export const INVENTORY_REFRESH = { defaultMs: 6 * 3_600_000, minMs: 1_000, maxMs: 168 * 3_600_000 } as const;

/** Parses `--inventory-refresh`: a duration from 1 s to 168 h (a week). */
function inventoryRefreshOption(value: string | undefined): number {
  const { defaultMs, minMs, maxMs } = INVENTORY_REFRESH;
  if (value === undefined || value === '') return defaultMs;
  const ms = parseDuration(value);
  if (ms === null || ms < minMs || ms > maxMs)
    throw usage(
      `--inventory-refresh must be a duration from 1s to 168h, like 6h or 30m (got ${JSON.stringify(value.slice(0, 40))})`,
    );
  return ms;
}

/** Checks a `--database` value: a PostgreSQL URL (the only server database supported). */
export function parseDatabase(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  if (!/^postgres(?:ql)?:\/\/[^\s]*$/.test(value)) {
    // Never echo the value: it may hold a password.
    throw usage('--database must be a PostgreSQL URL: postgres://USER@HOST:PORT/DATABASE');
  }
  return value;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parses options strictly (with -h/--help); a problem is a usage error. */
function parseOptions(
  args: readonly string[],
  options: OptionSpec,
): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({
      args: [...args],
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: r.values, positionals: r.positionals };
  } catch (err) {
    throw usage(argumentProblem(err));
  }
}

/** `quantix-vdc serve`'s options, from flags first, then the environment. */
function parseServe(
  args: readonly string[],
  env: Record<string, string | undefined>,
  defaults: { stateDir: string; socketPath: string },
): Command {
  const { values, positionals } = parseOptions(args, {
    'state-dir': { type: 'string' },
    database: { type: 'string' },
    'secret-file': { type: 'string' },
    lease: { type: 'string' },
    socket: { type: 'string' },
    listen: { type: 'string' },
    name: { type: 'string' },
    url: { type: 'string' },
    'poll-interval': { type: 'string' },
    'poll-concurrency': { type: 'string' },
    'poll-connections': { type: 'string' },
    'inventory-refresh': { type: 'string' },
    'trend-bucket': { type: 'string' },
    'trend-points': { type: 'string' },
    'connect-timeout': { type: 'string' },
    'response-timeout': { type: 'string' },
  });
  if (values.help) return { kind: 'help', text: SERVE_HELP };
  if (positionals.length) throw usage(`unexpected argument ${JSON.stringify(positionals[0]!.slice(0, 40))} for serve`);
  const v = (flag: string, envName: string): string | undefined => {
    const x = values[flag];
    return typeof x === 'string' ? x : env[envName] !== undefined && env[envName] !== '' ? env[envName] : undefined;
  };
  const stateDir = v('state-dir', 'QUANTIX_VDC_STATE_DIR') ?? defaults.stateDir;
  const explicitState = v('state-dir', 'QUANTIX_VDC_STATE_DIR') !== undefined;
  const socketPath =
    v('socket', 'QUANTIX_VDC_SOCKET') ?? (explicitState ? `${stateDir}/vdc.sock` : defaults.socketPath);
  const listenText = v('listen', 'QUANTIX_VDC_LISTEN') ?? VDC_DEFAULT_LISTEN;
  const listen = parseListen(listenText);
  if (listen === 'invalid')
    throw usage(
      `--listen must be HOST:PORT with a valid address or name, [IPv6]:PORT, :PORT or none (got ${JSON.stringify(listenText.slice(0, 60))})`,
    );
  const name = v('name', 'QUANTIX_VDC_NAME') ?? null;
  if (name !== null && !/^[A-Za-z0-9._-]{1,63}$/.test(name))
    throw usage('--name may only hold letters, digits, "-", "_" and "." (1-63)');
  const url = v('url', 'QUANTIX_VDC_URL') ?? null;
  if (url !== null && !/^https:\/\/[^\s/]+(?:\/[^\s]*)?$/.test(url)) throw usage('--url must be an https:// URL');
  const pollConcurrency = countOption(
    v('poll-concurrency', 'QUANTIX_VDC_POLL_CONCURRENCY'),
    '--poll-concurrency',
    32,
    1,
    1024,
  );
  const pollConnections = countOption(
    v('poll-connections', 'QUANTIX_VDC_POLL_CONNECTIONS'),
    '--poll-connections',
    256,
    0,
    100_000,
  );
  const trendPoints = countOption(v('trend-points', 'QUANTIX_VDC_TREND_POINTS'), '--trend-points', 60, 2, 1440);
  const trendBucketMs = durationOption(v('trend-bucket', 'QUANTIX_VDC_TREND_BUCKET'), '--trend-bucket', 60_000, 100);
  if (trendBucketMs > 3_600_000) throw usage('--trend-bucket must be at most 1h');
  return {
    kind: 'serve',
    config: {
      stateDir,
      database: parseDatabase(v('database', 'QUANTIX_VDC_DATABASE')),
      secretFile: v('secret-file', 'QUANTIX_VDC_SECRET_FILE') ?? `${stateDir}/vdc-secret.key`,
      leaseMs: durationOption(v('lease', 'QUANTIX_VDC_LEASE'), '--lease', 15_000, 300),
      socketPath,
      listen,
      name,
      url,
      pollIntervalMs: durationOption(v('poll-interval', 'QUANTIX_VDC_POLL_INTERVAL'), '--poll-interval', 15_000, 100),
      pollConcurrency,
      pollConnections,
      trends: { bucketMs: trendBucketMs, points: trendPoints },
      inventoryRefreshMs: inventoryRefreshOption(v('inventory-refresh', 'QUANTIX_VDC_INVENTORY_REFRESH')),
      connectTimeoutMs: durationOption(
        v('connect-timeout', 'QUANTIX_VDC_CONNECT_TIMEOUT'),
        '--connect-timeout',
        5_000,
        50,
      ),
      responseTimeoutMs: durationOption(
        v('response-timeout', 'QUANTIX_VDC_RESPONSE_TIMEOUT'),
        '--response-timeout',
        20_000,
        50,
      ),
    },
  };
}

/** Parses the command line. */
export function parseCommandLine(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  uid: number,
  home: string,
): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help')
    return { kind: 'help', text: MAIN_HELP };
  if (command === '--version' || command === '-V' || command === 'version') return { kind: 'version' };
  const defaults = defaultVdcPaths(env, uid, home);

  if (command === 'serve') return parseServe(rest, env, defaults);

  if (command === 'api-token') {
    const [sub, ...args] = rest;
    if (sub === undefined || sub === '-h' || sub === '--help') return { kind: 'help', text: TOKEN_HELP };
    const { values, positionals } = parseOptions(args, {
      'state-dir': { type: 'string' },
      database: { type: 'string' },
      json: { type: 'boolean' },
      name: { type: 'string' },
      role: { type: 'string' },
    });
    if (values.help) return { kind: 'help', text: TOKEN_HELP };
    const role = values.role as string | undefined;
    if (role !== undefined && sub !== 'create') throw usage(`api-token ${sub} takes no --role`);
    const stateDir = (values['state-dir'] as string | undefined) ?? (env.QUANTIX_VDC_STATE_DIR || defaults.stateDir);
    const database = parseDatabase((values.database as string | undefined) ?? env.QUANTIX_VDC_DATABASE);
    const json = values.json === true;
    const one = (what: string): string => {
      const given = [...positionals, ...(typeof values.name === 'string' ? [values.name] : [])];
      if (given.length !== 1) throw usage(`api-token ${sub} needs exactly one ${what}`);
      return given[0]!;
    };
    switch (sub) {
      case 'create':
        return { kind: 'api-token-create', stateDir, database, name: one('NAME'), role: parseRole(role), json };
      case 'list':
        if (positionals.length) throw usage('api-token list takes no arguments');
        return { kind: 'api-token-list', stateDir, database, json };
      case 'revoke':
        return { kind: 'api-token-revoke', stateDir, database, idOrName: one('ID or NAME'), json };
      default:
        throw usage(`unknown api-token command ${JSON.stringify(sub.slice(0, 40))} (create, list or revoke)`);
    }
  }
  throw usage(`unknown command ${JSON.stringify(command.slice(0, 40))}`);
}

/** The one-line text of an error for the terminal: `quantix-vdc: CODE: message next step`. */
export function errorLine(err: unknown): string {
  return formatErrorLine('quantix-vdc', err);
}
