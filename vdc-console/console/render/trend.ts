/**
 * A host's or a cluster's trend (the vDC's short history of CPU and memory
 * use) as sparklines with the current value and the lowest and highest of
 * the window: rows for the host details, one line for the dashboard's
 * cluster, lines of text for the CLI. The slots follow the vDC's clock (the
 * answer's `to`), one per bucket, so a bucket without a sample is a gap.
 * Pure, unit-tested without a terminal.
 */
import type { NodeSummary, TrendResponse } from '../../../common/protocol/vdc-api.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { seriesStats, sparkline } from '../../../common/tui/sparkline.js';
import { plain, seg, type Line } from '../../../common/tui/text.js';

/** The two series a trend holds. */
export type TrendMetric = 'cpuPercent' | 'memoryPercent';

/** Values per slot of the window, oldest first (null: no sample in that bucket). */
export function trendSlots(t: TrendResponse, metric: TrendMetric): (number | null)[] {
  const step = t.bucketSeconds * 1000;
  const first = Date.parse(t.to) - t.points * step;
  const out: (number | null)[] = new Array<number | null>(t.points).fill(null);
  for (const s of t.samples) {
    const i = Math.round((Date.parse(s.at) - first) / step);
    if (i >= 0 && i < t.points) out[i] = s[metric];
  }
  return out;
}

/** A span in its largest whole unit: `1 h`, `90 min`, `30 s`, `1.5 s`. */
export function spanText(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${Math.round(seconds * 10) / 10} s`;
}

/** `last 1 h` for the window. */
export function windowLabel(t: Pick<TrendResponse, 'bucketSeconds' | 'points'>): string {
  return `last ${spanText(t.bucketSeconds * t.points)}`;
}

/**
 * A width for `points` slots in at most `room` characters: all of them when they fit, else an even share
 * (each character the mean of the same number of buckets).
 */
export function sparkWidth(points: number, room: number): number {
  if (room < 1) return 0;
  if (points <= room) return points;
  return Math.ceil(points / Math.ceil(points / room));
}

const pct = (v: number) => `${Math.round(Math.min(100, Math.max(0, v)))}%`;

/** `34% min 12% max 56%` (compact: `34% (12-56%)`), or `no samples yet`. */
function statsText(values: readonly (number | null)[], current: number | null | undefined, compact: boolean): string {
  const s = seriesStats(values, current);
  if (!s) return 'no samples yet';
  const { min, max } = s;
  return compact
    ? `${pct(s.current)} (${Math.round(min)}-${pct(max)})`
    : `${pct(s.current)} min ${pct(min)} max ${pct(max)}`;
}

/** Width of the longest stats text: `100% min 100% max 100%`, compact `100% (100-100%)`. */
const STATS_WIDTH = { full: 22, compact: 15 } as const;

/** The live values that stand for "now" (a connected host's last check), when there are any. */
export interface TrendNow {
  cpuPercent: number | null;
  memoryPercent: number | null;
}

/** A connected host's last check, which stands for "now" in its trend; null for a host not connected. */
export function liveNow(n: Pick<NodeSummary, 'state' | 'usage'>): TrendNow | null {
  const u = n.usage;
  if (n.state !== 'connected' || !u) return null;
  const mem =
    u.memoryUsedBytes !== null && u.memoryTotalBytes !== null && u.memoryTotalBytes > 0
      ? (u.memoryUsedBytes / u.memoryTotalBytes) * 100
      : null;
  return { cpuPercent: u.cpuPercent, memoryPercent: mem };
}

/**
 * One series as a line: the sparkline in `width` characters (or fewer), then the current value, min and max.
 * With no sample at all the sparkline is left out.
 */
export function seriesLine(
  t: TrendResponse,
  metric: TrendMetric,
  width: number,
  g: Pick<Glyphs, 'spark'>,
  now?: TrendNow | null,
  compact = false,
): Line {
  const values = trendSlots(t, metric);
  const current = now?.[metric];
  const stats = statsText(values, current, compact);
  if (!values.some((v) => v !== null)) return [seg(stats, 'dim')];
  const w = sparkWidth(t.points, Math.max(1, width - STATS_WIDTH[compact ? 'compact' : 'full'] - 1));
  return [seg(sparkline(values, w, g.spark), 'accent'), seg(` ${stats}`)];
}

/** Host details: two key-value rows (`CPU trend`, `Memory trend`) for a value column `width` wide. */
export function trendRows(
  t: TrendResponse,
  width: number,
  g: Pick<Glyphs, 'spark'>,
  now?: TrendNow | null,
): [string, Line][] {
  return [
    ['CPU trend', seriesLine(t, 'cpuPercent', width, g, now)],
    ['Memory trend', seriesLine(t, 'memoryPercent', width, g, now)],
  ];
}

/**
 * The dashboard's line for the selected cluster, compact so the sparklines keep some room at 80 columns:
 * `1 h: CPU ▂▃▅▇▅▃ 34% (12-56%)  Mem ▄▄▅▅▅▅ 40% (38-41%)` (current, then min-max).
 */
export function clusterTrendLine(t: TrendResponse, width: number, g: Pick<Glyphs, 'spark'>): Line {
  const label = `${spanText(t.bucketSeconds * t.points)}: `;
  const half = Math.floor((width - label.length - 2) / 2);
  return [
    seg(label, 'dim'),
    seg('CPU ', 'label'),
    ...seriesLine(t, 'cpuPercent', half - 4, g, null, true),
    seg('  '),
    seg('Mem ', 'label'),
    ...seriesLine(t, 'memoryPercent', half - 4, g, null, true),
  ];
}

/** The CLI's text: a title line, then one line per series. */
export function trendText(t: TrendResponse, g: Pick<Glyphs, 'spark'>, width = 80, now?: TrendNow | null): string[] {
  const title = `${t.kind === 'host' ? 'Host' : 'Cluster'} ${plain(t.name)}: CPU and memory use, ${windowLabel(t)} (one sample per ${spanText(t.bucketSeconds)})`;
  const row = (label: string, line: Line) => `  ${label.padEnd(8)}${line.map((s) => s.text).join('')}`;
  return [
    title,
    row('CPU', seriesLine(t, 'cpuPercent', width - 10, g, now)),
    row('Memory', seriesLine(t, 'memoryPercent', width - 10, g, now)),
  ];
}
