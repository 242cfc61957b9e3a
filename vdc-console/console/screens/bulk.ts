/**
 * The bulk add screen: the hosts of a list as they are discovered, their
 * review (name, CPU, memory, warnings, problems) with one confirmation,
 * the progress while they are added, and the report. The selected row's
 * warnings, or its error and next step, show under the table. Opened with
 * `b` on the dashboard, which first asks for the file.
 */
import path from 'node:path';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { redrawBinding } from '../../../common/tui/screen.js';
import { renderTableWindow } from '../../../common/tui/table.js';
import { plain, seg, wrapText, type Line } from '../../../common/tui/text.js';
import { progressText, type BulkHost } from '../bulk.js';
import type { BulkPhase, BulkView } from '../controllers/bulk.js';
import { contentRows, framed, statusLines, type Frame } from '../render/frame.js';
import { BULK_COLUMNS, renderBulkRow } from '../render/bulk.js';
import { ctrlCKey, helpKey, moveKeys, type HelpSection, type ScreenContext } from './context.js';

/** Rows under the table for the progress and the selected host's details, at least. */
const DETAIL_ROWS = 5;
/** Rows the table keeps when a long error takes more for the details. */
const MIN_TABLE_ROWS = 6;

/** Why Enter cannot add now, or null. */
function cannotAdd(v: BulkView | null): string | null {
  if (!v) return 'No host list is loaded.';
  if (v.phase === 'discovering') return 'The hosts are still being discovered: wait for the review.';
  if (v.phase !== 'review') return 'The hosts of this list were already added.';
  return v.run.ready().length === 0 ? 'No host of this list is ready to add: see each row.' : null;
}

/** The bulk screen's keys in its phase. */
export function bulkKeys(ctx: ScreenContext, phase: BulkPhase = ctx.bulk.view()?.phase ?? 'review'): KeyBinding[] {
  const count = ctx.bulk.view()?.run.ready().length ?? 0;
  const keys: KeyBinding[] = [];
  if (phase === 'report')
    keys.push({
      keys: ['enter', 'escape'],
      label: 'Close',
      help: 'Back to the dashboard',
      handler: () => ctx.bulk.close(),
    });
  else {
    keys.push({
      keys: ['enter'],
      label: count > 0 ? `Add ${count} host${count === 1 ? '' : 's'}` : 'Add',
      help: 'Add every ready host to its cluster (asked once for all)',
      disabledReason: () => cannotAdd(ctx.bulk.view()),
      handler: () => ctx.bulk.confirm(),
    });
    keys.push({
      keys: ['escape'],
      label: 'Cancel',
      help: 'Leave without adding (discoveries under way are abandoned)',
      disabledReason: () =>
        ctx.bulk.view()?.phase === 'registering' ? 'The hosts are being added: wait for the report.' : null,
      handler: () => ctx.bulk.close(),
    });
  }
  return [
    ...keys,
    ...moveKeys(ctx, (delta) => ctx.bulk.move(delta)),
    redrawBinding(ctx.ops),
    helpKey(ctx),
    ctrlCKey(ctx),
  ];
}

/** The bulk screen's section of the help screen. */
export function bulkHelp(ctx: ScreenContext): HelpSection[] {
  return [
    { title: 'Add hosts from a file: review', bindings: bulkKeys(ctx, 'review') },
    { title: 'Add hosts from a file: report', bindings: bulkKeys(ctx, 'report') },
  ];
}

/** What the selected host has to say: its error and next step, its warnings, or why it was skipped. */
function detailLines(h: BulkHost | undefined, width: number): Line[] {
  if (!h) return [];
  const head = `Line ${h.line}${h.hostname ? ` ${plain(h.hostname)}` : ''}${h.address ? ` (${plain(h.address)})` : ''}`;
  const wrap = (text: string, style?: 'error' | 'warn' | 'dim') =>
    wrapText(text, width - 2).map((l) => [seg(` ${l}`, style)]);
  if (h.error)
    return [
      ...wrap(`${head}: ${h.error.code}: ${plain(h.error.message)}`, 'error'),
      ...wrap(`Next: ${plain(h.error.hint)}`),
    ];
  const warnings = h.discovery?.warnings ?? [];
  if (h.state === 'skipped') return wrap(`${head}: skipped, ${plain(h.reason ?? 'already added')}.`, 'dim');
  if (warnings.length) return warnings.flatMap((w) => wrap(`${head}: ${plain(w.message)}`, 'warn'));
  return wrap(`${head}: ${h.state === 'added' ? `added, node ID ${h.nodeId ?? '-'}` : h.state}.`, 'dim');
}

/** The bulk screen for a view (pure but for the table's offset, returned). */
export function renderBulk(f: Frame, v: BulkView): { lines: Line[]; offset: number } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const c = v.run.counts();
  const status = statusLines(f.flash, null, g, inner);
  const avail = contentRows(f, 2, status.length);
  const hosts = v.run.hosts;
  const verb = { discovering: 'Discovering', review: 'Review', registering: 'Adding', report: 'Report' }[v.phase];
  const summary =
    v.phase === 'review'
      ? `${c.ready} to add, ${c.skipped} skipped, ${c.failed} failed: ${g.enter} adds them all.`
      : v.phase === 'report'
        ? `${c.added} added, ${c.skipped} skipped, ${c.failed} not added.${c.failed ? ' Fix them, then load the file again.' : ''}`
        : '';
  const detail: Line[] = [
    [seg(` ${progressText(verb, c)}`, 'title')],
    ...(summary ? wrapText(summary, inner - 2).map((l) => [seg(` ${l}`)]) : []),
    ...detailLines(hosts[v.cursor], inner),
  ];
  // A long error and its next step take the rows they need from the table, which keeps a few.
  const detailHeight = Math.max(DETAIL_ROWS, Math.min(detail.length, avail - MIN_TABLE_ROWS));
  const tableHeight = Math.max(2, avail - detailHeight);
  const win = renderTableWindow({
    columns: BULK_COLUMNS,
    width: inner,
    height: tableHeight,
    count: hosts.length,
    rowAt: (i) => renderBulkRow(hosts[i]!, g),
    selected: v.cursor,
    offset: v.offset,
    focused: true,
    glyphs: g,
  });
  const lines = framed(
    f,
    [seg('Add hosts from a file', 'title'), seg(` ${g.middot} ${plain(path.basename(v.file))}`)],
    [],
    [
      { lines: win.lines, height: tableHeight },
      { lines: detail.slice(0, detailHeight), height: detailHeight },
    ],
    status,
  );
  return { lines, offset: win.offset };
}

/** The bulk screen drawn from the controller's view. */
export function drawBulk(f: Frame, ctx: ScreenContext): Line[] {
  const v = ctx.bulk.view();
  if (!v) return framed(f, [seg('Add hosts from a file', 'title')], [], [{ lines: [] }], [[]]);
  const r = renderBulk(f, v);
  ctx.bulk.setOffset(r.offset);
  return r.lines;
}
