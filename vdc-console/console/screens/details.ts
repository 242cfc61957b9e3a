/**
 * The host details screen: state and last error, then the inventory in
 * tabs. Its key table, its render (pure) and how it is drawn from the
 * console's state.
 */
import type { NodeDetail, TrendResponse } from '../../../common/protocol/vdc-api.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { plain, seg, wrapText, type Line } from '../../../common/tui/text.js';
import { moreHint, scrolled } from '../../../common/tui/scroll.js';
import { contentRows, framed, statusLines, tabBar, tabLines, warningLines, type Frame } from '../render/frame.js';
import { renderHostDetails } from '../render/inventory.js';
import { renderInventoryChange } from '../render/inventory-change.js';
import { liveNow, trendRows } from '../render/trend.js';
import type { DetailsState } from '../state.js';
import { changeKey, helpKey, quitKey, scrollKeys, tabKeys, type HelpSection, type ScreenContext } from './context.js';

/** The details screen's keys. */
export function detailsKeys(ctx: ScreenContext): KeyBinding[] {
  const node = () => ctx.state().details?.node ?? null;
  return [
    tabKeys(ctx, (delta) => ctx.dispatch({ type: 'detailsTab', delta })),
    changeKey(ctx, {
      keys: ['d', 'delete'],
      label: 'Remove',
      help: 'Remove this host',
      dangerous: true,
      disabledReason: () => (node() ? null : 'The host is still loading.'),
      handler: () => ctx.ops.askRemove(node()!),
    }),
    {
      keys: ['i', 'f6'],
      display: 'i/F6',
      label: 'Rescan',
      help: "Rescan: read the host's inventory again and show what changed",
      disabledReason: () => {
        const n = node();
        if (!n) return 'The host is still loading.';
        if (n.state === 'pending') return 'The registration of this host is not settled yet.';
        return ctx.ops.inventoryRefreshing() ? 'The inventory is being read already.' : null;
      },
      handler: () => ctx.ops.refreshInventory(),
    },
    {
      keys: ['m', 'f7'],
      label: 'Maint.',
      help: 'Put the host in maintenance or take it out (asks first): polled, not in capacity totals',
      disabledReason: () => (node() ? null : 'The host is still loading.'),
      handler: () => ctx.ops.askMaintenance(node()!),
    },
    {
      keys: ['v', 'f8'],
      label: 'Move',
      help: 'Move the host to another cluster (pick it from a list); no new token needed',
      disabledReason: () => (node() ? null : 'The host is still loading.'),
      handler: () => ctx.ops.askMove(node()!),
    },
    {
      keys: ['r', 'f5'],
      label: 'Refresh',
      help: 'Load the host again',
      visible: false,
      handler: () => ctx.ops.reloadDetails(),
    },
    {
      keys: ['escape', 'backspace'],
      label: 'Back',
      help: 'Back to the dashboard',
      handler: () => ctx.dispatch({ type: 'back' }),
    },
    ...scrollKeys(ctx),
    helpKey(ctx),
    quitKey(ctx),
  ];
}

/** The details screen's section of the help screen. */
export function detailsHelp(ctx: ScreenContext): HelpSection[] {
  return [{ title: 'Host details', bindings: detailsKeys(ctx) }];
}

/** The last inventory change under the state: a title, then each change wrapped to the width. */
function changeLines(node: NodeDetail, width: number): Line[] {
  const c = renderInventoryChange(node);
  if (!c) return [];
  const lines = c.lines.flatMap((t) => wrapText(t, width - 5).map((l, i) => [seg(i === 0 ? '  - ' : '    '), seg(l)]));
  return [[], [seg(` ${c.title}`, 'title')], ...lines];
}

/** The host details screen: state and last error, then the inventory in tabs. */
export function renderDetails(
  f: Frame,
  d: {
    node: NodeDetail | null;
    loading: boolean;
    tab: number;
    scroll: number;
    hostname: string;
    trend?: TrendResponse | null;
  },
): { lines: Line[]; scroll: number } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const body: Line[] = [];
  if (!d.node) body.push([seg(d.loading ? `  Loading${g.ellipsis}` : '  The host could not be loaded.', 'dim')]);
  else {
    const v = renderHostDetails(d.node, f.now, g);
    if (d.trend) {
      // Under the usage row: the value column is the width less the label column (14) and the marker and gap.
      const at = v.status.rows.findIndex((r) => r[0] === 'Usage');
      v.status.rows.splice(
        at < 0 ? v.status.rows.length : at + 1,
        0,
        ...trendRows(d.trend, inner - 16, g, liveNow(d.node)),
      );
    }
    const state = tabLines({ title: 'State', tables: [v.status] }, inner, g);
    // The two trend rows take the places of the section's title (the frame names the host) and of the blank line
    // above the tabs, so the inventory starts where it did and its first rows stay on an 80x24 screen.
    body.push(...(d.trend ? state.slice(1) : state));
    body.push(...changeLines(d.node, inner));
    const tabs = v.tabs.length;
    if (tabs > 0) {
      body.push(
        ...(d.trend ? [] : [[]]),
        tabBar(
          v.tabs.map((t) => t.title),
          Math.min(d.tab, tabs - 1),
          g,
        ),
        [],
      );
      body.push(...tabLines(v.tabs[Math.min(d.tab, tabs - 1)], inner, g));
    } else body.push([], [seg('  No inventory has been collected from this host yet.', 'dim')]);
    if (v.warnings.length)
      body.push([], [seg(` Warnings (${v.warnings.length})`, 'warn')], ...warningLines(v.warnings, inner));
  }
  const status = statusLines(f.flash, null, g, inner);
  const s = scrolled(body, contentRows(f, 1, status.length), d.scroll);
  const lines = framed(
    f,
    [seg(`Host ${g.middot} ${plain(d.hostname)}`, 'title')],
    moreHint(s.more),
    [{ lines: s.lines }],
    status,
  );
  return { lines, scroll: s.scroll };
}

const NOTHING: DetailsState = { id: '', node: null, loading: false, tab: 0, scroll: 0, hostname: '' };

/** The details screen drawn from the state; the clamped scroll goes back to it. */
export function drawDetails(f: Frame, ctx: ScreenContext): Line[] {
  const d = ctx.state().details;
  const r = renderDetails(f, d ?? NOTHING);
  if (d && r.scroll !== d.scroll) ctx.settle({ type: 'scrolled', screen: 'details', scroll: r.scroll });
  return r.lines;
}
