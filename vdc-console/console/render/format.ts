/**
 * Percentages, counts and moments in the few characters a table cell has.
 * Bytes, durations, ages and fingerprints are formatted in common/format,
 * the same for every screen and CLI.
 */

/** A percentage without decimals: `37%`; `-` when unknown. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '-';
  return `${Math.round(Math.min(100, Math.max(0, p)))}%`;
}

/** `1 disk`, `2 disks`: a count with its noun, plural unless it is one. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** A moment as `2026-11-25 14:07 UTC`; `-` when unknown. */
export function formatTimestamp(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '-';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '-';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
