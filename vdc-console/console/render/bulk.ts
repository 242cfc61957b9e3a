/**
 * The bulk add's table as plain data, for the command line's review and
 * report and the console's bulk screen alike: one row per line of the
 * file with the host's name, CPU, memory, warnings and where it stands.
 * Everything a host sent is made inert here.
 */
import { formatBytesShort } from '../../../common/format/bytes.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { Cell, Column } from '../../../common/tui/table.js';
import { plain, type Segment } from '../../../common/tui/text.js';
import type { BulkHost } from '../bulk.js';

/** Columns of the bulk table. */
export const BULK_COLUMNS: Column[] = [
  { title: 'LINE', width: 4, align: 'right' },
  { title: 'ADDRESS', width: 15, grow: 1 },
  { title: 'NAME', width: 12, grow: 1 },
  { title: 'CPU', width: 4, align: 'right' },
  { title: 'MEMORY', width: 6, align: 'right' },
  { title: 'WARN', width: 4 },
  { title: 'STATUS', width: 16, grow: 2 },
];

/** Where the host stands, in a word or its error code. */
export function bulkStatus(h: BulkHost, g: Pick<Glyphs, 'ok' | 'fail' | 'ellipsis'>): Segment {
  switch (h.state) {
    case 'waiting':
      return { text: 'waiting', style: 'dim' };
    case 'discovering':
      return { text: `discovering${g.ellipsis}`, style: 'dim' };
    case 'ready':
      return { text: h.discovery?.warnings.length ? 'ready, see warnings' : 'ready', style: 'ok' };
    case 'registering':
      return { text: `adding${g.ellipsis}`, style: 'dim' };
    case 'added':
      return { text: `${g.ok} added`, style: 'ok' };
    case 'skipped':
      return { text: `skipped: ${plain(h.reason ?? 'already added')}`, style: 'dim' };
    case 'failed':
      return { text: `${g.fail} ${h.error?.code ?? 'failed'}`, style: 'error' };
  }
}

/** One row: line, address, name, CPU cores, memory, warning count, status. */
export function renderBulkRow(h: BulkHost, g: Pick<Glyphs, 'ok' | 'fail' | 'ellipsis'>): Cell[] {
  const d = h.discovery;
  const warnings = d?.warnings.length ?? 0;
  return [
    String(h.line),
    h.address === null ? '-' : plain(h.address),
    h.hostname === null ? '-' : plain(h.hostname),
    d?.inventory.cpu.cores ? `${d.inventory.cpu.cores}c` : '-',
    d ? formatBytesShort(d.inventory.memory.totalBytes) : '-',
    warnings > 0 ? { text: String(warnings), style: 'warn' } : '-',
    bulkStatus(h, g),
  ];
}

/** The warnings of the ready hosts, one line each, for review: `line 4 qx-07: message`. */
export function bulkWarningLines(hosts: readonly BulkHost[]): string[] {
  return hosts.flatMap((h) =>
    (h.state === 'ready' ? (h.discovery?.warnings ?? []) : []).map(
      (w) => `line ${h.line} ${plain(h.discovery!.host.hostname)}: ${plain(w.message)}`,
    ),
  );
}

/** What went wrong with each failed host and the next step: `line 7 10.0.0.7:8443: CODE: message Next step`. */
export function bulkFailureLines(hosts: readonly BulkHost[]): string[] {
  return hosts
    .filter((h) => h.state === 'failed' && h.error)
    .map((h) => {
      const e = h.error!;
      return `line ${h.line}${h.address ? ` ${plain(h.address)}` : ''}: ${e.code}: ${plain(e.message)} ${plain(e.hint)}`;
    });
}
