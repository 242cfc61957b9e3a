/**
 * The dashboard: clusters on top, the selected cluster's hosts below, and
 * the host filter typed after `/`. Its key tables, its render (pure) and
 * how it is drawn from the console's state.
 */
import { describeError } from '../../../common/cli/error-line.js';
import type { ApiRole, Cluster, NodeSummary } from '../../../common/protocol/vdc-api.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { redrawBinding } from '../../../common/tui/screen.js';
import { renderTableWindow } from '../../../common/tui/table.js';
import { fitLine, lineText, plain, seg, textWidth, type Line, type Segment } from '../../../common/tui/text.js';
import { clusterTotals } from '../fleet.js';
import type { DashboardModel } from '../model.js';
import { PRODUCT } from '../product.js';
import { contentRows, filterTitle, framed, statusLines, type Frame } from '../render/frame.js';
import { CLUSTER_COLUMNS, HOST_COLUMNS, renderClusterRow, renderHostRow } from '../render/rows.js';
import { describeSort, sortedColumns } from '../sort.js';
import { clusterTrendLine } from '../render/trend.js';
import { openAuditKey } from './audit.js';
import { changeKey, ctrlCKey, helpKey, moveKeys, quitKey, type HelpSection, type ScreenContext } from './context.js';

/** Why Remove and Details cannot act, or null when a host is selected. */
function noHost(m: DashboardModel): string | null {
  if (m.selectedHost()) return null;
  return m.clusters.length === 0
    ? 'There are no hosts yet: press a to add one.'
    : 'No host selected: press Tab, then choose one.';
}

/** The dashboard's keys. */
export function dashboardKeys(ctx: ScreenContext): KeyBinding[] {
  const m = ctx.model;
  return [
    changeKey(ctx, {
      keys: ['a'],
      label: 'Add host',
      help: 'Add a host: address, token from its console, cluster',
      handler: () => ctx.ops.openWizard(),
    }),
    changeKey(ctx, {
      keys: ['b'],
      label: 'Bulk add',
      help: 'Add many hosts from a file (CSV or JSON lines: address, token, cluster): review, confirm once',
      visible: false,
      handler: () => ctx.dispatch({ type: 'openPrompt', kind: 'bulkFile' }),
    }),
    changeKey(ctx, {
      keys: ['c'],
      label: 'Cluster',
      help: 'Create a cluster',
      handler: () => ctx.dispatch({ type: 'openPrompt', kind: 'createCluster' }),
    }),
    changeKey(ctx, {
      keys: ['n', 'f2'],
      label: 'Rename',
      help: 'Rename the selected cluster; its hosts are told the new name',
      visible: false,
      disabledReason: () => (m.selectedCluster() ? null : 'There is no cluster to rename: press c to create one.'),
      handler: () => {
        const c = m.selectedCluster()!;
        ctx.dispatch({ type: 'openPrompt', kind: 'renameCluster', targetId: c.id, value: c.name });
      },
    }),
    changeKey(ctx, {
      keys: ['d', 'delete'],
      label: 'Remove',
      help: 'Remove the selected host from its cluster',
      dangerous: true,
      disabledReason: () => noHost(m),
      handler: () => ctx.ops.askRemove(m.selectedHost()!),
    }),
    {
      keys: ['enter'],
      label: 'Details',
      help: 'Details of the selected host: inventory, state, last error',
      disabledReason: () => noHost(m),
      handler: () => ctx.ops.openDetails(m.selectedHost()!),
    },
    {
      keys: ['/'],
      label: 'Filter',
      help: 'Filter hosts by name, address, state or id (Enter keeps it, Esc clears it)',
      handler: () => {
        m.pane = 'hosts';
        ctx.dispatch({ type: 'filterEditing', on: true });
      },
    },
    {
      keys: ['tab', 'S-tab'],
      label: 'Pane',
      help: 'Switch between the clusters and hosts tables',
      handler: () => m.togglePane(),
    },
    { keys: ['r', 'f5'], label: 'Refresh', help: 'Refresh now', visible: false, handler: () => ctx.ops.refresh() },
    openAuditKey(ctx),
    redrawBinding(ctx.ops),
    {
      keys: ['s'],
      label: 'Sort',
      help: 'Sort the focused table by its next column: name, state, CPU, memory, last seen',
      visible: false,
      handler: () => ctx.flash.show('info', describeSort(m.cycleSort())),
    },
    {
      keys: ['S-s'],
      label: 'Reverse',
      help: "Reverse the focused table's order",
      visible: false,
      handler: () => ctx.flash.show('info', describeSort(m.reverseSort())),
    },
    ...moveKeys(ctx, (d) => m.move(d)),
    helpKey(ctx),
    quitKey(ctx),
  ];
}

/** The keys while the host filter is typed (after `/`); other printable keys type. */
export function filterKeys(ctx: ScreenContext): KeyBinding[] {
  const m = ctx.model;
  return [
    { keys: ['enter'], label: 'Keep filter', handler: () => ctx.dispatch({ type: 'filterEditing', on: false }) },
    {
      keys: ['escape'],
      label: 'Clear',
      handler: () => {
        ctx.dispatch({ type: 'filterEditing', on: false });
        m.setFilter('');
      },
    },
    {
      keys: ['backspace'],
      label: 'Erase',
      visible: false,
      handler: () => m.setFilter(Array.from(m.filter).slice(0, -1).join('')),
    },
    { keys: ['C-u'], label: 'Clear text', visible: false, handler: () => m.setFilter('') },
    { keys: ['up'], label: 'Up', visible: false, handler: () => m.move(-1) },
    { keys: ['down'], label: 'Down', visible: false, handler: () => m.move(1) },
    ctrlCKey(ctx),
  ];
}

/** The dashboard's sections of the help screen. */
export function dashboardHelp(ctx: ScreenContext): HelpSection[] {
  return [
    { title: 'Dashboard', bindings: dashboardKeys(ctx) },
    { title: 'Filter (after /)', bindings: filterKeys(ctx) },
  ];
}

/** A character typed while the filter is open. */
export function typeFilter(ctx: ScreenContext, text: string): void {
  ctx.model.setFilter(ctx.model.filter + text);
}

/** The dashboard drawn from the model; the tables' scroll positions go back to it. */
export function drawDashboard(f: Frame, ctx: ScreenContext): Line[] {
  const r = renderDashboard(f, ctx.model, {
    filterEditing: ctx.state().filterEditing,
    ...(ctx.session?.access === 'api-token' ? { role: ctx.session.role } : {}),
  });
  ctx.model.setOffset('clusters', r.clusterOffset);
  ctx.model.setOffset('hosts', r.hostOffset);
  return r.lines;
}

/** The dashboard: clusters on top, the selected cluster's hosts below. */
export function renderDashboard(
  f: Frame,
  m: Pick<
    DashboardModel,
    | 'clusters'
    | 'totals'
    | 'pane'
    | 'filter'
    | 'clusterCursor'
    | 'hostCursor'
    | 'loaded'
    | 'nodes'
    | 'problem'
    | 'sort'
    | 'vdcName'
    | 'replicas'
  > &
    Partial<Pick<DashboardModel, 'clusterTrend'>> & {
      visibleHosts(): readonly NodeSummary[];
      selectedCluster(): Cluster | null;
    },
  /** `role`: the API token's, shown in the header (none on the local socket, which has full access). */
  opts: { filterEditing: boolean; role?: ApiRole },
): { lines: Line[]; clusterOffset: number; hostOffset: number } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const problem = m.problem ? describeError(m.problem.error) : null;
  const status = statusLines(f.flash, problem, g, inner);
  const avail = contentRows(f, 2, status.length);
  // The clusters table takes what it needs up to about a third of the screen; the hosts table the rest.
  const clusterHeight = Math.max(3, Math.min(m.clusters.length + 1, Math.floor(avail / 3)));
  const cluster = m.selectedCluster();
  // The selected cluster's history takes the hosts section's first line.
  const trend = cluster && m.clusterTrend?.id === cluster.id ? m.clusterTrend : null;
  const hostHeight = Math.max(2, avail - clusterHeight - (trend ? 1 : 0));

  const clusterWin = renderTableWindow({
    columns: sortedColumns(CLUSTER_COLUMNS, 'clusters', m.sort.clusters, g),
    width: inner,
    height: clusterHeight,
    count: m.clusters.length,
    rowAt: (i) => {
      const c = m.clusters[i]!;
      return renderClusterRow(c, m.totals.get(c.id) ?? clusterTotals([]), g);
    },
    selected: m.clusterCursor.index,
    offset: m.clusterCursor.offset,
    focused: m.pane === 'clusters',
    glyphs: g,
    empty: !m.loaded
      ? `Loading${g.ellipsis}`
      : opts.role === 'viewer'
        ? 'No clusters yet (this viewer token cannot create one).'
        : 'No clusters yet. Press c to create one, or a to add a host (a cluster can be created there).',
  });
  const hosts = m.visibleHosts();
  const hostWin = renderTableWindow({
    columns: sortedColumns(HOST_COLUMNS, 'hosts', m.sort.hosts, g),
    width: inner,
    height: hostHeight,
    count: hosts.length,
    rowAt: (i) => renderHostRow(hosts[i]!, f.now, g),
    selected: m.hostCursor.index,
    offset: m.hostCursor.offset,
    focused: m.pane === 'hosts',
    glyphs: g,
    empty: !cluster
      ? ''
      : m.filter
        ? `No host matches "${plain(m.filter)}". Esc clears the filter.`
        : opts.role === 'viewer'
          ? 'No hosts in this cluster.'
          : 'No hosts in this cluster. Press a to add one.',
  });

  const hostRight: Line =
    hosts.length > hostHeight - 1 ? [seg(`${m.hostCursor.index + 1}/${hosts.length}`, 'dim')] : [];
  const hostBase: Line = [seg('Hosts', m.pane === 'hosts' ? 'accent' : 'title')];
  if (cluster) hostBase.push(seg(` ${g.middot} ${plain(cluster.name)}`));
  const hostTitle =
    m.filter || opts.filterEditing ? filterTitle(f, hostBase, m.filter, opts.filterEditing, hostRight) : hostBase;

  const right: Line = m.loaded
    ? [
        ...roleSegments(opts.role, g),
        ...replicaSegments(m.replicas, g),
        seg(
          `${m.clusters.length} cluster${m.clusters.length === 1 ? '' : 's'} ${g.middot} ${m.nodes.length} host${m.nodes.length === 1 ? '' : 's'}`,
        ),
        ...maintenanceSegments(m.nodes, g),
      ]
    : [];
  // The counts keep their room: a long vDC name is cut instead (a space each side of both, and two rules between).
  const nameRoom = inner - textWidth(lineText(right)) - 6;
  const fullTitle: Line = [seg(PRODUCT, 'title'), ...(m.vdcName ? [seg(` ${g.middot} ${plain(m.vdcName)}`)] : [])];
  const titleRoom = Math.max(textWidth(PRODUCT), nameRoom);
  const title = textWidth(lineText(fullTitle)) > titleRoom ? fitLine(fullTitle, titleRoom, g.ellipsis) : fullTitle;
  const lines = framed(
    f,
    title,
    right,
    [
      { lines: clusterWin.lines, height: clusterHeight },
      {
        title: hostTitle,
        right: hostRight,
        lines: trend ? [[seg(' '), ...clusterTrendLine(trend, inner - 1, g)], ...hostWin.lines] : hostWin.lines,
      },
    ],
    status,
  );
  return { lines, clusterOffset: clusterWin.offset, hostOffset: hostWin.offset };
}

/** The header's role of the API token: `viewer` in the warn style, so a read-only console is plain to see. */
export function roleSegments(role: ApiRole | undefined, g: Glyphs): Segment[] {
  if (!role) return [];
  return [seg(role, role === 'viewer' ? 'warn' : undefined), seg(` ${g.middot} `)];
}

/** The header's note that hosts in maintenance are left out of the totals, when any is. */
export function maintenanceSegments(nodes: readonly NodeSummary[], g: Glyphs): Segment[] {
  let n = 0;
  for (const h of nodes) if (h.maintenance === true) n++;
  return n === 0 ? [] : [seg(` ${g.middot} `), seg(`${n} in maint., not in totals`, 'warn')];
}

/**
 * The header's replica count, alive/total, when the vDC has more than one
 * replica; a replica down adds a `!` in the warn style, so the fault reads
 * without colour too.
 */
export function replicaSegments(r: { alive: number; total: number } | null, g: Glyphs): Segment[] {
  if (!r) return [];
  const down = r.alive < r.total;
  return [seg(`replicas ${r.alive}/${r.total}${down ? ' !' : ''}`, down ? 'warn' : undefined), seg(` ${g.middot} `)];
}
