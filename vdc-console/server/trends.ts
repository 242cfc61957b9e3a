/**
 * Trends: a short history of each host's CPU and memory use, fed by the
 * health poller. The poller averages a host's checks over one time bucket
 * (a minute by default) in memory and writes one row per host and bucket
 * when the bucket is over, with the round's health results, so a host polled
 * every few seconds still costs one row a minute. Each write prunes that
 * host's rows outside its window (the last `points` buckets, an hour by
 * default), so a host never holds more than `points` rows; removing a host
 * removes its rows (foreign key, cascade). A cluster's history is derived
 * when read: per bucket, the sum of CPU used over the sum of CPUs, and the
 * sum of memory used over the sum installed, of the hosts that reported.
 */
import type { LiveUsage } from '../../common/protocol/inventory.js';
import type { TrendPoint, TrendResponse } from '../../common/protocol/vdc-api.js';
import type { HealthObservation, NodeRecord, TrendRow, TrendSample } from './store.js';

/** Width of a bucket and how many a host keeps. */
export interface TrendSettings {
  bucketMs: number;
  points: number;
}

/** One sample a minute for the last hour. */
export const TREND_DEFAULTS: TrendSettings = { bucketMs: 60_000, points: 60 };

/** The bucket a time falls in. */
export function bucketOf(ms: number, bucketMs: number): number {
  return Math.floor(ms / bucketMs);
}

/**
 * The first bucket of the window at `nowMs`: the last `points` buckets that are over (the one under way is
 * written once it is over).
 */
export function windowStart(nowMs: number, s: TrendSettings): number {
  return bucketOf(nowMs, s.bucketMs) - s.points;
}

/** The host's logical CPUs, which weigh its CPU use in its cluster's. */
export function cpusOf(node: Pick<NodeRecord, 'capacity'>): number {
  const n = node.capacity.cpuThreads ?? node.capacity.cpuCores ?? 1;
  return Number.isFinite(n) && n >= 1 ? Math.round(n) : 1;
}

interface Accumulating {
  bucket: number;
  cpus: number;
  cpuSum: number;
  cpuN: number;
  memUsedSum: number;
  memTotalSum: number;
  memN: number;
  polls: number;
}

function sampleOf(nodeId: string, a: Accumulating): TrendSample {
  return {
    nodeId,
    bucket: a.bucket,
    cpuPercent: a.cpuN ? Math.round((a.cpuSum / a.cpuN) * 10) / 10 : null,
    cpus: a.cpus,
    memoryUsedBytes: a.memN ? Math.round(a.memUsedSum / a.memN) : null,
    memoryTotalBytes: a.memN ? Math.round(a.memTotalSum / a.memN) : null,
    polls: a.polls,
  };
}

function finite(v: number | null): v is number {
  return v !== null && Number.isFinite(v);
}

/**
 * Averages each host's checks over its current bucket; a bucket is handed out, once, at the host's first
 * check after it ended. Holds one entry per host this replica polls.
 */
export class TrendAccumulator {
  private readonly bucketMs: number;
  private readonly open = new Map<string, Accumulating>();

  constructor(bucketMs: number) {
    this.bucketMs = bucketMs;
  }

  /** Adds one check (only a connected host's counts); returns the host's previous bucket when it just ended. */
  observe(node: Pick<NodeRecord, 'id' | 'capacity'>, obs: HealthObservation): TrendSample | null {
    const bucket = bucketOf(Date.parse(obs.at), this.bucketMs);
    let a = this.open.get(node.id);
    let done: TrendSample | null = null;
    if (a && a.bucket !== bucket) {
      if (a.bucket < bucket) done = sampleOf(node.id, a);
      this.open.delete(node.id);
      a = undefined;
    }
    if (obs.state !== 'connected') return done;
    if (!a) {
      a = { bucket, cpus: cpusOf(node), cpuSum: 0, cpuN: 0, memUsedSum: 0, memTotalSum: 0, memN: 0, polls: 0 };
      this.open.set(node.id, a);
    }
    add(a, obs.usage);
    return done;
  }

  /** Forgets hosts this replica no longer polls (removed, or taken by another replica). */
  retain(ids: ReadonlySet<string>): void {
    for (const id of this.open.keys()) if (!ids.has(id)) this.open.delete(id);
  }

  /** Hosts with a bucket under way. */
  get size(): number {
    return this.open.size;
  }
}

function add(a: Accumulating, u: LiveUsage): void {
  a.polls++;
  if (finite(u.cpuPercent)) {
    a.cpuSum += Math.min(100, Math.max(0, u.cpuPercent));
    a.cpuN++;
  }
  if (finite(u.memoryUsedBytes) && finite(u.memoryTotalBytes) && u.memoryTotalBytes > 0) {
    a.memUsedSum += Math.max(0, u.memoryUsedBytes);
    a.memTotalSum += u.memoryTotalBytes;
    a.memN++;
  }
}

/** One sample per host and bucket, the last given winning (one statement may not write a row twice). */
export function latestSamples(samples: readonly TrendSample[]): TrendSample[] {
  const m = new Map<string, TrendSample>();
  for (const s of samples) m.set(`${s.nodeId}\u0000${s.bucket}`, s);
  return [...m.values()];
}

/** A trend row as both databases return it (PostgreSQL gives sums of big integers as text). */
export interface TrendDbRow {
  bucket: number | string;
  cpu_percent: number | string | null;
  memory_used: number | string | null;
  memory_total: number | string | null;
  hosts: number | string;
}

/** A cluster's columns per bucket, the same SQL for both databases (`t` = node_trends). */
export const TREND_CLUSTER_COLUMNS = `t.bucket,
  SUM(t.cpu_percent * t.cpus) / SUM(CASE WHEN t.cpu_percent IS NOT NULL THEN t.cpus END) AS cpu_percent,
  SUM(CASE WHEN t.memory_total IS NOT NULL THEN t.memory_used END) AS memory_used,
  SUM(CASE WHEN t.memory_used IS NOT NULL THEN t.memory_total END) AS memory_total,
  COUNT(*) AS hosts`;

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toTrendRow(r: TrendDbRow): TrendRow {
  return {
    bucket: Number(r.bucket),
    cpuPercent: num(r.cpu_percent),
    memoryUsedBytes: num(r.memory_used),
    memoryTotalBytes: num(r.memory_total),
    hosts: Number(r.hosts),
  };
}

function pointOf(r: TrendRow, bucketMs: number): TrendPoint {
  const mem =
    r.memoryUsedBytes !== null && r.memoryTotalBytes !== null && r.memoryTotalBytes > 0
      ? Math.round((r.memoryUsedBytes / r.memoryTotalBytes) * 1000) / 10
      : null;
  return {
    at: new Date(r.bucket * bucketMs).toISOString(),
    cpuPercent: r.cpuPercent === null ? null : Math.round(r.cpuPercent * 10) / 10,
    memoryPercent: mem,
    memoryUsedBytes: r.memoryUsedBytes,
    memoryTotalBytes: r.memoryTotalBytes,
    hosts: r.hosts,
  };
}

/** The API's answer from the rows of the window (a bucket under way or later, from another replica's clock, is left out). */
export function trendView(
  who: { kind: 'host' | 'cluster'; id: string; name: string },
  rows: readonly TrendRow[],
  s: TrendSettings,
  nowMs: number,
): TrendResponse {
  const last = bucketOf(nowMs, s.bucketMs);
  return {
    ...who,
    bucketSeconds: s.bucketMs / 1000,
    points: s.points,
    to: new Date(last * s.bucketMs).toISOString(),
    samples: rows.filter((r) => r.bucket < last).map((r) => pointOf(r, s.bucketMs)),
  };
}
