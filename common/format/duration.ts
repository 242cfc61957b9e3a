/**
 * Spans of time as people read them. The clock is always a parameter.
 *
 * - `formatDuration`: how long something lasts or has left, in its two
 *   largest units with the second padded (`2d 04h`, `1h 02m`, `4m 05s`,
 *   `12s`): precise near the end of a token's hour, short for an uptime.
 * - `formatAge`: how long ago, in the largest whole unit (`2s`, `3m`, `5h`,
 *   `2d`), for table cells and `… ago`.
 * - `formatWait`: when to try again, rounded up so it is never too early
 *   (`42 s`, `10 min`).
 */

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** `2d 04h`, `1h 02m`, `4m 05s`, `12s`; a negative span is `0s`; `unknown` (default `-`) for null or not a number. */
export function formatDuration(seconds: number | null | undefined, unknown = '-'): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return unknown;
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  if (d > 0) return `${d}d ${pad2(h)}h`;
  if (h > 0) return `${h}h ${pad2(m)}m`;
  if (m > 0) return `${m}m ${pad2(r)}s`;
  return `${r}s`;
}

/** How long before now `at` was (both in ms), in the largest whole unit: `2s`, `3m`, `5h`, `2d`; `-` when never. */
export function formatAge(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '-';
  const s = Math.max(0, Math.floor((now - at) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `42 s`, `10 min`: a wait rounded up to a whole second, and to whole minutes from two minutes on. */
export function formatWait(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  return s < 120 ? `${s} s` : `${Math.ceil(s / 60)} min`;
}
