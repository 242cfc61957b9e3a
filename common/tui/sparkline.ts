/**
 * Sparklines: a series of percentages as one line of characters, one
 * character per time slot, its height the value. Unicode block elements
 * (▁▂▃▄▅▆▇█, eight levels) where the terminal shows UTF-8; five ASCII
 * levels (`_.-=#`) under `LANG=C` or a vt100/vt220: the glyph tables
 * (glyphs.ts) carry them, chosen like every other glyph (caps.ts). A slot with no sample is a
 * space, so a gap reads as a gap, never as zero. The scale is fixed at
 * 0-100 % so two lines (or two hosts) compare at a glance.
 * Pure: no terminal, no clock.
 */

/** Eight heights, lowest first. */
export const UNICODE_LEVELS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;

/** Five heights in ASCII, lowest first. */
export const ASCII_LEVELS = ['_', '.', '-', '=', '#'] as const;

/** The character for a slot without a sample. */
export const GAP = ' ';

/** The level of a percentage (clamped to 0-100): 0 % is the lowest level, 100 % the highest. */
export function levelOf(percent: number, levels: number): number {
  const p = Math.min(100, Math.max(0, percent));
  return Math.min(levels - 1, Math.floor((p / 100) * levels));
}

/**
 * Fits a series into `width` slots: a longer one is averaged down (each slot the mean of the samples it
 * covers, a slot without any stays empty); a shorter one is kept as it is, right-aligned by the caller.
 */
export function fitSeries(values: readonly (number | null)[], width: number): (number | null)[] {
  const w = Math.max(0, Math.floor(width));
  if (values.length <= w) return [...values];
  const out: (number | null)[] = [];
  for (let i = 0; i < w; i++) {
    const from = Math.floor((i * values.length) / w);
    const to = Math.floor(((i + 1) * values.length) / w);
    const some = values.slice(from, to).filter((v): v is number => v !== null && Number.isFinite(v));
    out.push(some.length ? some.reduce((a, b) => a + b, 0) / some.length : null);
  }
  return out;
}

/**
 * Draws percentages (null = no sample) in at most `width` characters, oldest on the left, with the levels of the
 * terminal's glyph table (`Glyphs.spark`: UNICODE_LEVELS or ASCII_LEVELS).
 */
export function sparkline(values: readonly (number | null)[], width: number, levels: readonly string[]): string {
  return fitSeries(values, width)
    .map((v) => (v === null || !Number.isFinite(v) ? GAP : levels[levelOf(v, levels.length)]!))
    .join('');
}

/** Current value (the last sample unless given), lowest and highest of a series; null when it has no sample. */
export function seriesStats(
  values: readonly (number | null)[],
  current?: number | null,
): { current: number; min: number; max: number } | null {
  const some = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (some.length === 0) return null;
  const last = current ?? some[some.length - 1]!;
  return { current: last, min: Math.min(...some), max: Math.max(...some) };
}
