/**
 * Adding many hosts from one file, for the command line and the console
 * alike: the file's lines (CSV with a header, or JSON lines: address,
 * token, cluster) checked before any network call, then every host
 * discovered a few at a time, reviewed together, and registered on one
 * confirmation. A host that fails does not stop the others; a host
 * already in its cluster is skipped, so the same file can be run again.
 *
 * Tokens are secrets: a token lives here only until its host's discovery
 * was sent, never in a host's record, a problem or a report, and a field
 * that looks like a token where an address or a cluster belongs (columns
 * swapped) is refused without being repeated.
 */
import type { DiscoverOptions } from '../../common/http/vdc-client.js';
import { QuantixError, type ErrorCode } from '../../common/protocol/errors.js';
import {
  parseHostAddressInput,
  type Cluster,
  type DiscoverRequest,
  type DiscoverResponse,
  type NodeDetail,
  type NodeSummary,
  type RegisterRequest,
} from '../../common/protocol/vdc-api.js';
import type { PrivateFileKind } from '../../common/cli/private-file.js';
import { describeTokenProblem, parseToken } from '../../common/token/token.js';

/**
 * Hosts discovered or registered at once. The vDC admits 8 discoveries per
 * caller (16 in all) and refuses more with TOO_MANY_DISCOVERIES, and runs
 * at most two key derivations at a time anyway: more requests in flight
 * would only be refused or wait inside the vDC, fewer leave it idle while
 * a host answers.
 */
export const BULK_CONCURRENCY = 8;

/** The host list as a private file: at most 1 MiB, which holds far more than BULK_MAX_HOSTS lines. */
export const BULK_FILE: PrivateFileKind = {
  what: 'host list',
  maxBytes: 1024 * 1024,
  tooLongHint: 'Split the list into files of at most 1,000 hosts.',
  otherWay: 'make a private copy of it',
};

/** Hosts in one file; a longer list is refused before anything is sent. */
export const BULK_MAX_HOSTS = 1000;

/** How often a discovery refused with TOO_MANY_DISCOVERIES is tried again (after the vDC's Retry-After). */
const BUSY_RETRIES = 5;

/** One host to add, from one line of the file; the token is kept apart. */
export interface BulkEntry {
  line: number;
  /** `host:port` as the address parses. */
  address: string;
  host: string;
  port: number;
  cluster: string;
}

/** A line that cannot be used, in words without its token. */
export interface BulkProblem {
  line: number;
  /** The line's address when it parsed, else null. */
  address: string | null;
  code: ErrorCode;
  message: string;
  hint: string;
}

/** A parsed file: hosts, their tokens by line, and the lines refused. */
export interface BulkFile {
  entries: BulkEntry[];
  tokens: Map<number, string>;
  problems: BulkProblem[];
}

/** Splits one CSV line into fields: commas, double quotes around a field, `""` inside quotes. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out.map((f) => f.trim());
}

type Fields = { address: unknown; token: unknown; cluster: unknown };

/** The three fields of a JSON line, or null when the line is not a JSON object (its text is never repeated). */
function jsonFields(line: string): Fields | null {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const o = v as Record<string, unknown>;
    return { address: o.address, token: o.token, cluster: o.cluster };
  } catch {
    return null;
  }
}

/** Checks one line's fields; the problem never quotes the token, nor a field that looks like one. */
function checkFields(line: number, f: Fields): { entry: BulkEntry; token: string } | BulkProblem {
  const bad = (message: string, hint: string, code: ErrorCode = 'VALIDATION_ERROR', address: string | null = null) => ({
    line,
    address,
    code,
    message: `${message.charAt(0).toUpperCase()}${message.slice(1)}.`,
    hint,
  });
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const [address, token, cluster] = [text(f.address), text(f.token), text(f.cluster)];
  const missing = (['address', 'token', 'cluster'] as const).filter((_k, i) => [address, token, cluster][i] === '');
  if (missing.length) return bad(`no ${missing.join(', ')}`, 'Give every line an address, a token and a cluster.');
  if (parseToken(address).ok || parseToken(cluster).ok)
    return bad(
      `the ${parseToken(address).ok ? 'address' : 'cluster'} field holds a token (columns swapped?)`,
      'Put the fields in the columns the header names: address, token, cluster.',
    );
  const addr = parseHostAddressInput(address);
  if (!addr.ok)
    return bad(
      `the address is not valid: ${addr.problem}`,
      'Give an IP address or host name with an optional port, e.g. 10.0.0.5 or [fd00::5]:8443.',
    );
  const shown = addr.address.display;
  const t = parseToken(token);
  if (!t.ok) {
    // Only the kind of problem, never the symbol: a bad symbol is still a piece of the secret.
    const why =
      t.problem.kind === 'symbol'
        ? `symbol ${t.problem.position} is not used in tokens`
        : describeTokenProblem(t.problem);
    return bad(
      `the token is not well formed: ${why}`,
      "Compare it with the host's console (F4); tokens look like QUANTIX-XXXX-XXXX-XXXX.",
      'TOKEN_FORMAT',
      shown,
    );
  }
  return {
    entry: { line, address: shown, host: addr.address.host, port: addr.address.port, cluster },
    token: t.canonical,
  };
}

/** The column of each field in a CSV header, or null when the header lacks one. */
function csvHeader(fields: string[]): Record<keyof Fields, number> | null {
  const names = fields.map((f) => f.toLowerCase());
  const at = (k: keyof Fields) => names.indexOf(k);
  if (at('address') < 0 || at('token') < 0 || at('cluster') < 0) return null;
  return { address: at('address'), token: at('token'), cluster: at('cluster') };
}

/**
 * Reads a host list: JSON lines when the first line that counts starts
 * with `{`, else CSV whose first line is a header naming address, token
 * and cluster (in any order; other columns are ignored). Blank lines and
 * lines starting with `#` are skipped. A whole file that cannot be a host
 * list is a usage error; a bad line is a problem of that line alone.
 */
export function parseBulkFile(text: string): BulkFile {
  const file: BulkFile = { entries: [], tokens: new Map(), problems: [] };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const counted = lines.map((l, i) => ({ n: i + 1, l: l.trim() })).filter((x) => x.l !== '' && !x.l.startsWith('#'));
  if (counted.length === 0)
    throw new QuantixError('VALIDATION_ERROR', {
      message: 'The host list is empty.',
      hint: 'Write one host a line: CSV with the header address,token,cluster, or JSON lines.',
    });
  const json = counted[0]!.l.startsWith('{');
  const header = json ? null : csvHeader(csvFields(counted[0]!.l));
  if (!json && !header)
    throw new QuantixError('VALIDATION_ERROR', {
      message: `Line ${counted[0]!.n} is not a header naming the columns address, token and cluster.`,
      hint: 'Start a CSV list with the line address,token,cluster, or write JSON lines {"address":…,"token":…,"cluster":…}.',
    });
  const rows = json ? counted : counted.slice(1);
  if (rows.length > BULK_MAX_HOSTS)
    throw new QuantixError('VALIDATION_ERROR', {
      message: `The host list has ${rows.length} hosts; at most ${BULK_MAX_HOSTS} are added from one file.`,
      hint: BULK_FILE.tooLongHint,
    });
  const seen = new Map<string, number>();
  for (const { n, l } of rows) {
    let fields: Fields | null;
    if (json) fields = jsonFields(l);
    else {
      const f = csvFields(l);
      fields = { address: f[header!.address], token: f[header!.token], cluster: f[header!.cluster] };
    }
    const r = fields
      ? checkFields(n, fields)
      : {
          line: n,
          address: null,
          code: 'VALIDATION_ERROR' as const,
          message: 'Not a JSON object.',
          hint: 'Write each line as {"address":…,"token":…,"cluster":…}.',
        };
    if ('code' in r) {
      file.problems.push(r);
      continue;
    }
    const key = `${r.entry.host.toLowerCase()}:${r.entry.port}`;
    const first = seen.get(key);
    if (first !== undefined) {
      file.problems.push({
        line: n,
        address: r.entry.address,
        code: 'VALIDATION_ERROR',
        message: `${r.entry.address} is already on line ${first}.`,
        hint: 'List each host once.',
      });
      continue;
    }
    seen.set(key, n);
    file.entries.push(r.entry);
    file.tokens.set(n, r.token);
  }
  return file;
}

/** Finds a cluster by id, exact name, or name in any case. */
export function matchCluster(clusters: readonly Cluster[], ref: string): Cluster | null {
  return (
    clusters.find((x) => x.id === ref) ??
    clusters.find((x) => x.name === ref) ??
    clusters.find((x) => x.name.toLowerCase() === ref.toLowerCase()) ??
    null
  );
}

/** Where a host of the list stands. */
export type BulkState = 'waiting' | 'discovering' | 'ready' | 'registering' | 'added' | 'skipped' | 'failed';

/** A failure as the report shows it: code, words, next step. */
export interface BulkError {
  code: string;
  message: string;
  hint: string;
}

/** One host of the list, as the review and the report show it. */
export interface BulkHost {
  line: number;
  /** `host:port`, or null for a line whose address did not parse. */
  address: string | null;
  cluster: string;
  state: BulkState;
  /** The host's name once known: from its discovery, or the vDC's record when skipped. */
  hostname: string | null;
  /** The host as discovered (name, hardware, warnings), once it answered. */
  discovery: DiscoverResponse | null;
  /** The node ID it has in the vDC: new when added, the existing one when skipped. */
  nodeId: string | null;
  /** Why it was skipped. */
  reason: string | null;
  error: BulkError | null;
}

/** Counts for the progress line and the report. */
export interface BulkCounts {
  total: number;
  added: number;
  skipped: number;
  failed: number;
  /** Discovered and waiting for the confirmation. */
  ready: number;
  /** Not finished with the step under way. */
  remaining: number;
}

/** What the bulk add needs from the vDC; VdcClient (or the console's counted API) provides it. */
export interface BulkApi {
  listClusters(): Promise<Cluster[]>;
  listNodes(): Promise<NodeSummary[]>;
  discover(req: DiscoverRequest, o?: DiscoverOptions): Promise<DiscoverResponse>;
  register(req: RegisterRequest): Promise<NodeDetail>;
}

/** A failure in the report's terms. */
export function bulkError(err: unknown): BulkError {
  if (err instanceof QuantixError) return { code: err.code, message: err.message, hint: err.hint };
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return { code: 'INTERNAL', message: `Unexpected error: ${msg}`, hint: 'Try again; if it persists, report it.' };
}

/** Counts the hosts in each state. */
export function bulkCounts(hosts: readonly BulkHost[]): BulkCounts {
  const n = (s: BulkState) => hosts.filter((h) => h.state === s).length;
  return {
    total: hosts.length,
    added: n('added'),
    skipped: n('skipped'),
    failed: n('failed'),
    ready: n('ready'),
    remaining: n('waiting') + n('discovering') + n('registering'),
  };
}

/** The progress line, `Discovering: 12 done, 1 failed, 37 remaining` (done: discovered, skipped or added). */
export function progressText(verb: string, c: BulkCounts): string {
  return `${verb}: ${c.added + c.skipped + c.ready} done, ${c.failed} failed, ${c.remaining} remaining`;
}

/** Resolves after ms, or at once when the signal aborts. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Runs work over items at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * One bulk add: the hosts of a file, discovered together (`discoverAll`),
 * then the ready ones registered together (`registerAll`). `onChange` is
 * called after every host's step, for the progress line or the screen.
 */
export class BulkRun {
  readonly hosts: BulkHost[];
  private readonly tokens: Map<number, string>;
  private readonly entries = new Map<number, BulkEntry>();
  private readonly clusterIds = new Map<number, string>();

  constructor(
    private readonly api: BulkApi,
    file: BulkFile,
    private readonly opts: { concurrency?: number; onChange?: () => void } = {},
  ) {
    this.tokens = new Map(file.tokens);
    const fromEntry = (e: BulkEntry): BulkHost => ({
      line: e.line,
      address: e.address,
      cluster: e.cluster,
      state: 'waiting',
      hostname: null,
      discovery: null,
      nodeId: null,
      reason: null,
      error: null,
    });
    const fromProblem = (p: BulkProblem): BulkHost => ({
      line: p.line,
      address: p.address,
      cluster: '',
      state: 'failed',
      hostname: null,
      discovery: null,
      nodeId: null,
      reason: null,
      error: { code: p.code, message: p.message, hint: p.hint },
    });
    for (const e of file.entries) this.entries.set(e.line, e);
    this.hosts = [...file.entries.map(fromEntry), ...file.problems.map(fromProblem)].sort((a, b) => a.line - b.line);
  }

  /** Counts now. */
  counts(): BulkCounts {
    return bulkCounts(this.hosts);
  }

  /** Hosts that a confirmation would register. */
  ready(): BulkHost[] {
    return this.hosts.filter((h) => h.state === 'ready');
  }

  private set(h: BulkHost, change: Partial<BulkHost>): void {
    Object.assign(h, change);
    this.opts.onChange?.();
  }

  /**
   * Discovers every waiting host; a host already a member of its cluster
   * (the same address, or the same host ID once it answered) is skipped.
   * Aborting stops starting new ones; those not started stay waiting.
   */
  async discoverAll(signal?: AbortSignal): Promise<void> {
    const [clusters, nodes] = await Promise.all([this.api.listClusters(), this.api.listNodes()]);
    const waiting = this.hosts.filter((h) => h.state === 'waiting');
    await eachLimited(waiting, this.opts.concurrency ?? BULK_CONCURRENCY, async (h) => {
      if (signal?.aborted) return;
      await this.discoverOne(h, clusters, nodes, signal);
    });
    // Tokens of hosts never discovered (aborted) go too: nothing is sent with them any more.
    this.tokens.clear();
    this.refuseSameMachine();
  }

  /** Two lines that reached one machine (two of its addresses): only the first is added. */
  private refuseSameMachine(): void {
    const first = new Map<string, number>();
    for (const h of this.ready()) {
      const id = h.discovery!.host.hostId;
      const line = first.get(id);
      if (line === undefined) first.set(id, h.line);
      else
        this.set(h, {
          state: 'failed',
          error: {
            code: 'VALIDATION_ERROR',
            message: `This is the machine of line ${line} again (host ID ${id}).`,
            hint: 'List each host once.',
          },
        });
    }
  }

  private async discoverOne(
    h: BulkHost,
    clusters: readonly Cluster[],
    nodes: readonly NodeSummary[],
    signal?: AbortSignal,
  ): Promise<void> {
    const e = this.entries.get(h.line)!;
    const token = this.tokens.get(h.line);
    this.tokens.delete(h.line);
    const cluster = matchCluster(clusters, e.cluster);
    if (!cluster) {
      this.set(h, {
        state: 'failed',
        error: {
          code: 'CLUSTER_NOT_FOUND',
          message: `There is no cluster "${e.cluster}".`,
          hint: `Create it first (quantix-vdc-console clusters create NAME, or c on the dashboard), then run the list again.`,
        },
      });
      return;
    }
    this.clusterIds.set(h.line, cluster.id);
    const live = (n: NodeSummary) => n.clusterId === cluster.id && n.state !== 'left';
    const byAddress = nodes.find(
      (n) => live(n) && n.address.toLowerCase() === e.host.toLowerCase() && n.port === e.port,
    );
    if (byAddress) {
      this.set(h, {
        state: 'skipped',
        hostname: byAddress.hostname,
        nodeId: byAddress.id,
        reason: `already in ${cluster.name}`,
      });
      return;
    }
    this.set(h, { state: 'discovering' });
    try {
      const d = await this.discoverRetrying({ address: e.address, token: token! }, signal);
      const byHostId = nodes.find((n) => live(n) && n.hostId === d.host.hostId);
      if (byHostId)
        this.set(h, {
          state: 'skipped',
          hostname: d.host.hostname,
          discovery: d,
          nodeId: byHostId.id,
          reason: `already in ${cluster.name} (same host ID)`,
        });
      else this.set(h, { state: 'ready', hostname: d.host.hostname, discovery: d });
    } catch (err) {
      this.set(h, { state: signal?.aborted ? 'waiting' : 'failed', error: signal?.aborted ? null : bulkError(err) });
    }
  }

  /** A discovery, tried again after the vDC's Retry-After while it has no room (the console's own wizard may hold some). */
  private async discoverRetrying(req: DiscoverRequest, signal?: AbortSignal): Promise<DiscoverResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.api.discover(req, signal ? { signal } : {});
      } catch (err) {
        const busy = err instanceof QuantixError && err.code === 'TOO_MANY_DISCOVERIES';
        if (!busy || attempt >= BUSY_RETRIES || signal?.aborted) throw err;
        await pause((err.retryAfterSeconds ?? 5) * 1000, signal);
      }
    }
  }

  /** Registers every ready host into its cluster; each failure is that host's alone. */
  async registerAll(): Promise<void> {
    const queue = this.ready();
    // All of them are under way from the confirmation on, for the progress line.
    for (const h of queue) h.state = 'registering';
    this.opts.onChange?.();
    await eachLimited(queue, this.opts.concurrency ?? BULK_CONCURRENCY, async (h) => {
      try {
        const node = await this.api.register({
          discoveryId: h.discovery!.discoveryId,
          clusterId: this.clusterIds.get(h.line)!,
        });
        this.set(h, { state: 'added', nodeId: node.id });
      } catch (err) {
        this.set(h, { state: 'failed', error: bulkError(err) });
      }
    });
  }
}
