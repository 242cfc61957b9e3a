/**
 * Points in time as people type them on a command line: a span back from
 * now (`15m`, `2h`, `7d`) or an ISO date or time (`2026-01-31`,
 * `2026-01-31T08:00:00Z`). The clock is always a parameter.
 */

/** An ISO date, or date and time with an optional zone (a time without one is local, a date alone is UTC). */
export const ISO_TIME_PATTERN =
  /^[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

/** Milliseconds since the epoch of an ISO date or time, or null when the text is not one. */
export function parseIsoTime(input: string): number | null {
  const text = input.trim();
  if (!ISO_TIME_PATTERN.test(text)) return null;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : null;
}

/** `15m`, `2h`, `7d` back from nowMs, or an ISO time; null when it is neither. */
export function parseWhen(input: string, nowMs: number): number | null {
  const d = /^([0-9]{1,6})([smhdw])$/.exec(input.trim());
  if (d) return nowMs - Number(d[1]) * UNIT_SECONDS[d[2] as keyof typeof UNIT_SECONDS] * 1000;
  return parseIsoTime(input);
}
