import { describe, expect, it } from 'vitest';
import type { TrendResponse } from '../../common/protocol/vdc-api.js';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../../common/tui/glyphs.js';
import { fitSeries, levelOf, seriesStats, sparkline } from '../../common/tui/sparkline.js';
import { lineText } from '../../common/tui/text.js';
import {
  clusterTrendLine,
  liveNow,
  sparkWidth,
  trendRows,
  trendSlots,
  trendText,
  windowLabel,
} from '../../vdc-console/console/render/trend.js';

describe('sparkline', () => {
  it('draws 0-100 % on eight Unicode levels, a missing sample as a gap', () => {
    expect(sparkline([0, 12.5, 25, 37.5, 50, 62.5, 75, 87.5, 100, null, 5], 20, UNICODE_GLYPHS.spark)).toBe(
      '▁▂▃▄▅▆▇██ ▁',
    );
  });

  it('draws the same on five ASCII levels, never a byte above 0x7F', () => {
    const s = sparkline([0, 20, 40, 60, 80, 100, null, 19.9], 20, ASCII_GLYPHS.spark);
    expect(s).toBe('_.-=## _');
    expect(/^[\x20-\x7e]*$/.test(s)).toBe(true);
  });

  it('clamps values outside 0-100 and treats NaN as a gap', () => {
    expect(sparkline([-5, 150, Number.NaN], 3, UNICODE_GLYPHS.spark)).toBe('▁█ ');
    expect(levelOf(99.9, 8)).toBe(7);
    expect(levelOf(100, 5)).toBe(4);
  });

  it('averages a longer series down to the width, each character the mean of the same number of samples', () => {
    expect(fitSeries([0, 100, 50, 50, null, null], 3)).toEqual([50, 50, null]);
    expect(sparkline([0, 100, 100, 100], 2, ASCII_GLYPHS.spark)).toBe('-#');
    expect(sparkline([1, 2, 3], 0, ASCII_GLYPHS.spark)).toBe('');
    expect(sparkWidth(60, 39)).toBe(30);
    expect(sparkWidth(60, 60)).toBe(60);
    expect(sparkWidth(60, 13)).toBe(12);
    expect(sparkWidth(60, 0)).toBe(0);
  });

  it('gives current (the last sample unless a live value is given), min and max', () => {
    expect(seriesStats([null, 30, 10, 20, null])).toEqual({ current: 20, min: 10, max: 30 });
    expect(seriesStats([30, 10], 55)).toEqual({ current: 55, min: 10, max: 30 });
    expect(seriesStats([null, null])).toBeNull();
  });
});

function trend(samples: Array<[minute: number, cpu: number | null, mem: number | null]>): TrendResponse {
  return {
    kind: 'host',
    id: 'n1',
    name: 'web\u001b[31m01',
    bucketSeconds: 60,
    points: 60,
    to: '2026-01-01T01:00:00.000Z',
    samples: samples.map(([m, cpu, mem]) => ({
      at: new Date(Date.parse('2026-01-01T00:00:00.000Z') + m * 60_000).toISOString(),
      cpuPercent: cpu,
      memoryPercent: mem,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
      hosts: 1,
    })),
  };
}

describe('trend rendering', () => {
  it('places each sample in its bucket of the window, a missing bucket as a gap', () => {
    const slots = trendSlots(
      trend([
        [0, 10, 1],
        [2, 30, 3],
        [59, 90, 9],
        [60, 1, 1],
        [-1, 1, 1],
      ]),
      'cpuPercent',
    );
    expect(slots).toHaveLength(60);
    expect(slots.slice(0, 3)).toEqual([10, null, 30]);
    expect(slots[59]).toBe(90);
    expect(windowLabel({ bucketSeconds: 60, points: 60 })).toBe('last 1 h');
    expect(windowLabel({ bucketSeconds: 0.3, points: 20 })).toBe('last 6 s');
  });

  it('shows two rows for the host details within the value column, live values as current', () => {
    const rows = trendRows(
      trend([
        [0, 10, 40],
        [59, 90, 60],
      ]),
      62,
      UNICODE_GLYPHS,
      { cpuPercent: 50, memoryPercent: null },
    );
    expect(rows.map((r) => r[0])).toEqual(['CPU trend', 'Memory trend']);
    const cpu = lineText(rows[0]![1]);
    expect(cpu).toBe(`▁${' '.repeat(28)}█ 50% min 10% max 90%`);
    expect(cpu.length).toBeLessThanOrEqual(62);
    expect(lineText(rows[1]![1])).toContain('60% min 40% max 60%');
  });

  it('says so when there is no sample yet', () => {
    const rows = trendRows(trend([]), 62, ASCII_GLYPHS);
    expect(lineText(rows[0]![1])).toBe('no samples yet');
  });

  it("fits the dashboard's cluster line in an 80-column frame", () => {
    const t = {
      ...trend([
        [0, 10, 40],
        [30, 55, 50],
        [59, 90, 60],
      ]),
      kind: 'cluster' as const,
    };
    for (const g of [UNICODE_GLYPHS, ASCII_GLYPHS]) {
      const line = lineText(clusterTrendLine(t, 77, g));
      expect(line.length).toBeLessThanOrEqual(77);
      expect(line).toMatch(/^1 h: CPU .{15} 90% \(10-90%\) {2}Mem .{15} 60% \(40-60%\)$/);
    }
  });

  it('prints the CLI text in 80 columns with the name made inert', () => {
    const lines = trendText(
      trend([
        [0, 10, 40],
        [59, 90, 60],
      ]),
      ASCII_GLYPHS,
    );
    expect(lines[0]).toBe('Host web^[[31m01: CPU and memory use, last 1 h (one sample per 1 min)');
    expect(lines[1]).toMatch(/^ {2}CPU {5}_ +# 90% min 10% max 90%$/);
    for (const l of lines.slice(1)) expect(l.length).toBeLessThanOrEqual(80);
  });

  it('takes a connected host’s last check as its current use, nothing for a host that is down', () => {
    const usage = { cpuPercent: 12, memoryUsedBytes: 1, memoryTotalBytes: 4, loadAverage: null, uptimeSeconds: 1 };
    expect(liveNow({ state: 'connected', usage })).toEqual({ cpuPercent: 12, memoryPercent: 25 });
    expect(liveNow({ state: 'disconnected', usage })).toBeNull();
  });
});
