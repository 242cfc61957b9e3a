/**
 * Live usage for heartbeats: CPU busy percent from /proc/stat deltas, memory,
 * load and uptime. Each read is a handful of small files, cheap enough to
 * answer every status request.
 */
import type { LiveUsage } from '../../common/protocol/inventory.js';
import { memoryFromMeminfo, parseMeminfo } from './memory.js';
import type { HostSource } from './source.js';
import { parseUptime } from './system.js';

/** Aggregate CPU time counters (ticks) from the `cpu` line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

/** Parses the aggregate `cpu` line of /proc/stat; guest time is already inside user/nice and is not added twice. */
export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => /^cpu\s/.test(l));
  if (!line) return null;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n) || n < 0)) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: total - idle - iowait, total };
}

/** Busy percent between two samples (one decimal), or null when no time passed or counters went backwards. */
export function cpuPercentBetween(before: CpuTimes, after: CpuTimes): number | null {
  const total = after.total - before.total;
  const busy = after.busy - before.busy;
  if (total <= 0 || busy < 0) return null;
  return Math.round((busy / total) * 1000) / 10;
}

/** Parses the three load averages of /proc/loadavg. */
export function parseLoadavg(text: string): [number, number, number] | null {
  const f = text.trim().split(/\s+/).slice(0, 3);
  if (f.length !== 3 || !f.every((x) => /^\d+(\.\d+)?$/.test(x))) return null;
  return f.map(Number) as [number, number, number];
}

/** Reads /proc/stat counters (null when unreadable or garbage). */
export async function readCpuTimes(src: HostSource): Promise<CpuTimes | null> {
  const text = await src.text('/proc/stat');
  return text === null ? null : parseProcStat(text);
}

/** Reads live usage; cpuPercent compares with the previous sample the caller kept. */
export async function readUsage(
  src: HostSource,
  previous: CpuTimes | null,
): Promise<{ usage: LiveUsage; sample: CpuTimes | null }> {
  const [sample, meminfo, loadavg, uptime] = await Promise.all([
    readCpuTimes(src),
    src.text('/proc/meminfo'),
    src.text('/proc/loadavg'),
    src.text('/proc/uptime'),
  ]);
  const memory = meminfo === null ? null : memoryFromMeminfo(parseMeminfo(meminfo).fields);
  const total = memory?.totalBytes ?? null;
  const available = memory?.availableBytes ?? null;
  return {
    sample,
    usage: {
      cpuPercent: previous !== null && sample !== null ? cpuPercentBetween(previous, sample) : null,
      memoryUsedBytes: total !== null && available !== null ? total - available : null,
      memoryTotalBytes: total,
      loadAverage: loadavg === null ? null : parseLoadavg(loadavg),
      uptimeSeconds: uptime === null ? null : parseUptime(uptime),
    },
  };
}
