/**
 * Memory summary from /proc/meminfo. MemAvailable is the kernel's own
 * estimate of what new workloads can use; kernels older than 3.14 lack it,
 * and free + buffers + cached stands in.
 */
import type { MemoryInfo } from '../../common/protocol/inventory.js';
import type { HostSource } from './source.js';

/** Parses /proc/meminfo into field → bytes (values given in kB are converted). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
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

/** Reads the memory section; a meminfo without MemTotal is garbage and warned. */
export async function readMemory(src: HostSource): Promise<MemoryInfo> {
  const text = await src.text('/proc/meminfo', { required: true });
  const fields = text === null ? new Map<string, number>() : parseMeminfo(text);
  if (text !== null && !fields.has('MemTotal')) src.warnings.warn('PARSE_FAILED', '/proc/meminfo has no MemTotal line', '/proc/meminfo');
  return memoryFromMeminfo(fields);
}
