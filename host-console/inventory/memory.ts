/**
 * Memory summary from /proc/meminfo. MemAvailable is the kernel's own
 * estimate of what new workloads can use; kernels older than 3.14 lack it,
 * and free + buffers + cached stands in.
 */
import type { MemoryInfo } from '../../common/protocol/inventory.js';
import type { HostSource } from './source.js';

/**
 * Parses /proc/meminfo into field → bytes. Every field is in kB except the
 * HugePages_* counts; a kB field without its unit is a truncated line and is
 * dropped rather than read as bytes.
 */
export function parseMeminfo(text: string): { fields: Map<string, number>; badLines: number } {
  const fields = new Map<string, number>();
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (m?.[3]) fields.set(m[1]!, Number(m[2]) * 1024);
    else if (m && m[1]!.startsWith('HugePages_')) fields.set(m[1]!, Number(m[2]));
    else badLines++;
  }
  return { fields, badLines };
}

/** The memory section from parsed meminfo fields. */
export function memoryFromMeminfo(fields: Map<string, number>): MemoryInfo {
  const get = (k: string) => fields.get(k) ?? null;
  const free = get('MemFree');
  const fallbackAvailable = free === null ? null : free + (get('Buffers') ?? 0) + (get('Cached') ?? 0);
  return {
    totalBytes: get('MemTotal'),
    availableBytes: get('MemAvailable') ?? fallbackAvailable,
    swapTotalBytes: get('SwapTotal'),
    swapFreeBytes: get('SwapFree'),
  };
}

/** Reads the memory section; malformed or truncated lines are warned, the rest is used. */
export async function readMemory(src: HostSource): Promise<MemoryInfo> {
  const text = await src.text('/proc/meminfo', { required: true });
  if (text === null) return memoryFromMeminfo(new Map());
  const { fields, badLines } = parseMeminfo(text);
  if (badLines > 0)
    src.warnings.warn('PARSE_FAILED', `${badLines} malformed line(s) in /proc/meminfo`, '/proc/meminfo');
  return memoryFromMeminfo(fields);
}
