/**
 * The audit view (F3 or `l` on the dashboard): the vDC's audit newest
 * first, one record a row, filtered after `/` and scrolled with the
 * usual keys; nearing the end of what is loaded reads the next older
 * page. Enter shows one record whole. Its key tables, its render (pure)
 * and how it is drawn from the console's state.
 */
import type { Dialog } from '../../../common/tui/dialog.js';
import type { AuditEvent } from '../../../common/protocol/vdc-api.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { redrawBinding } from '../../../common/tui/screen.js';
import { renderTableWindow, type Cell, type Column } from '../../../common/tui/table.js';
import { plain, seg, wrapText, type Line } from '../../../common/tui/text.js';
import type { AuditBrowser } from '../controllers/audit.js';
import { contentRows, filterTitle, framed, statusLines, type Frame } from '../render/frame.js';
import { ctrlCKey, helpKey, moveKeys, quitKey, type HelpSection, type ScreenContext } from './context.js';

/** The dashboard's key to the audit view (F3, or `l` for "log" where F-keys do not arrive). */
export function openAuditKey(ctx: Pick<ScreenContext, 'ops'>): KeyBinding {
  return {
    keys: ['f3', 'l'],
    label: 'Audit',
    help: 'The audit: who did what, when, to which host',
    handler: () => ctx.ops.openAudit(),
  };
}

/** One record whole, in a dialog: every field, long values wrapped. */
export function auditRecordDialog(e: AuditEvent, width: number): Dialog {
  const fields: Array<[string, string | number | null]> = [
    ['Time', e.at],
    ['Action', e.action],
    ['Outcome', e.outcome],
    ['Source', e.source],
    ['Actor', e.actor],
    ['Address', e.address],
    ['Host ID', e.hostId],
    ['Node ID', e.nodeId],
    ['Cluster', e.clusterId],
    ['Code', e.code],
    ['Detail', e.detail],
    ['Record', e.id],
  ];
  const room = Math.max(20, width - 22);
  const lines: Line[] = [];
  for (const [name, value] of fields) {
    if (value === null) continue;
    wrapText(plain(value), room).forEach((part, i) => {
      lines.push([seg(i === 0 ? name.padEnd(9) : ' '.repeat(9), 'dim'), seg(part)]);
    });
  }
  return {
    title: `Audit record ${e.id}`,
    lines,
    choices: [{ keys: ['escape', 'enter'], label: 'Close', action: () => {} }],
  };
}

/** The audit view's keys. */
export function auditKeys(ctx: ScreenContext): KeyBinding[] {
  const a = ctx.audit;
  return [
    {
      keys: ['/'],
      label: 'Filter',
      help: 'Filter: host, action (node.register), ok|error, a span (2h), or since= until= host= action= outcome=',
      handler: () => a.editFilter(),
    },
    {
      keys: ['enter'],
      label: 'Record',
      help: 'The selected record, every field',
      disabledReason: () => (a.selected() ? null : 'No record selected.'),
      handler: () => ctx.dispatch({ type: 'dialog', dialog: auditRecordDialog(a.selected()!, 76) }),
    },
    {
      keys: ['r', 'f5'],
      label: 'Refresh',
      help: 'Read the newest records again',
      visible: false,
      handler: () => a.reload(),
    },
    redrawBinding(ctx.ops),
    {
      keys: ['escape', 'backspace'],
      label: 'Back',
      help: 'Back to the dashboard',
      handler: () => ctx.dispatch({ type: 'back' }),
    },
    // A page of rows stays loaded below the selection: the older page is read before it is reached.
    ...moveKeys(ctx, (d) => a.move(d, ctx.page())),
    helpKey(ctx),
    quitKey(ctx),
  ];
}

/** The keys while the audit filter is typed (after `/`); other printable keys type. */
export function auditFilterKeys(ctx: ScreenContext): KeyBinding[] {
  const a = ctx.audit;
  return [
    { keys: ['enter'], label: 'Apply', handler: () => a.applyFilter() },
    { keys: ['escape'], label: 'Clear', handler: () => a.clearFilter() },
    { keys: ['backspace'], label: 'Erase', visible: false, handler: () => a.erase() },
    { keys: ['C-u'], label: 'Clear text', visible: false, handler: () => a.erase(true) },
    ctrlCKey(ctx),
  ];
}

/** The audit view's sections of the help screen. */
export function auditHelp(ctx: ScreenContext): HelpSection[] {
  return [
    { title: 'Audit', bindings: auditKeys(ctx) },
    { title: 'Audit filter (after /)', bindings: auditFilterKeys(ctx) },
  ];
}

const COLUMNS: Column[] = [
  { title: 'TIME (UTC)', width: 14 },
  { title: 'ACTION', width: 16 },
  { title: 'RESULT', width: 6 },
  { title: 'HOST', width: 14, grow: 1 },
  { title: 'DETAIL', width: 12, grow: 4 },
];

/** One record as a table row, every value inert. */
export function auditRow(e: AuditEvent): Cell[] {
  const detail = [e.code, e.detail].filter((v) => v !== null).join(': ');
  return [
    e.at.slice(5, 19).replace('T', ' '),
    plain(e.action),
    e.outcome === 'error' ? seg('error', 'error') : 'ok',
    plain(e.address ?? e.hostId ?? e.nodeId ?? '-'),
    plain(detail || e.source),
  ];
}

/** What the view draws from (the browser's fields). */
export type AuditViewModel = Pick<
  AuditBrowser,
  'events' | 'next' | 'loading' | 'loaded' | 'filter' | 'draft' | 'cursor' | 'full'
>;

/** The audit view: a title with the filter, the records, where the list ends. */
export function renderAudit(f: Frame, a: AuditViewModel): { lines: Line[]; offset: number } {
  const g: Glyphs = f.glyphs;
  const inner = f.cols - 2;
  const status = statusLines(f.flash, null, g, inner);
  const height = contentRows(f, 1, status.length);
  const win = renderTableWindow({
    columns: COLUMNS,
    width: inner,
    height: Math.max(2, height - 1),
    count: a.events.length,
    rowAt: (i) => auditRow(a.events[i]!),
    selected: a.cursor.index,
    offset: a.cursor.offset,
    focused: true,
    glyphs: g,
    empty: !a.loaded
      ? `Loading${g.ellipsis}`
      : a.filter
        ? `No record matches "${plain(a.filter)}". Esc on the filter clears it.`
        : 'The audit is empty.',
  });
  const end: Line =
    a.events.length === 0
      ? []
      : a.loading
        ? [seg(`  Loading older records${g.ellipsis}`, 'dim')]
        : a.next !== null && a.full()
          ? [seg(`  ${a.events.length} records loaded: narrow the filter (/) to reach older ones.`, 'warn')]
          : a.next !== null
            ? [seg('  More below: older records load as you scroll.', 'dim')]
            : [seg(`  ${g.middot} start of the audit${a.filter ? ' for this filter' : ''}`, 'dim')];
  const body = [...win.lines];
  while (body.length < height - 1) body.push([]);
  body.push(end);
  const count = a.events.length;
  const right: Line = count ? [seg(`${a.cursor.index + 1}/${count}${a.next !== null ? '+' : ''}`, 'dim')] : [];
  const base: Line = [seg('Audit', 'title')];
  const title =
    a.filter || a.draft !== null ? filterTitle(f, base, a.draft ?? a.filter, a.draft !== null, right) : base;
  return { lines: framed(f, title, right, [{ lines: body }], status), offset: win.offset };
}

/** The audit view drawn from the browser; the table's scroll goes back to it. */
export function drawAudit(f: Frame, ctx: ScreenContext): Line[] {
  const r = renderAudit(f, ctx.audit);
  ctx.audit.setOffset(r.offset);
  return r.lines;
}
