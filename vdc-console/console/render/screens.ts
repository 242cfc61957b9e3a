/**
 * Whole screens as lines: the dashboard, the host details, the add-host
 * wizard's pages and the help, each framed the same way (title, body,
 * status line, footer generated from the key table). Pure functions of
 * their inputs and the clock; the screen module only paints what they
 * return.
 */
import { describeError } from '../../../common/cli/error-line.js';
import type { Cluster, DiscoverResponse, NodeDetail, NodeSummary } from '../../../common/protocol/vdc-api.js';
import type { FlashMessage } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { renderFooterLines, renderHelp, type KeyBinding } from '../../../common/tui/keys.js';
import { cellText, renderDataTable, renderTableWindow, scrollWindow, type Cell } from '../../../common/tui/table.js';
import { composeFrame, fitLine, lineText, plain, seg, textWidth, wrapText, type FrameSection, type Line, type Segment } from '../../../common/tui/text.js';
import type { DashboardModel } from '../model.js';
import { PRODUCT } from '../product.js';
import {
  checkAddress,
  checkNewClusterName,
  checkToken,
  choosingNewCluster,
  clusterTarget,
  tokenDisplay,
  type WizardField,
  type WizardState,
} from '../wizard.js';
import { counted } from './format.js';
import { discoveryWarnings, renderDiscoveryTables, renderHostDetails, type InventoryTab } from './inventory.js';
import { sortedColumns } from '../sort.js';
import { CLUSTER_COLUMNS, HOST_COLUMNS, renderClusterRow, renderHostRow } from './rows.js';
import { formatHostPort } from '../../../common/protocol/host-port.js';

/** What every screen is drawn with. */
export interface Frame {
  cols: number;
  rows: number;
  glyphs: Glyphs;
  now: number;
  bindings: readonly KeyBinding[];
  flash: FlashMessage | null;
}

/**
 * The status line: the flash message, else a standing problem, else
 * nothing. A message too long for one row takes as many as it needs (up to
 * four, which no message fills), so its code and next step are never cut off.
 */
export function statusLines(flash: FlashMessage | null, problem: string | null, g: Glyphs, width: number): Line[] {
  let text: string;
  let style: 'error' | 'warn' | 'ok' | undefined;
  if (flash) {
    style = flash.kind === 'error' ? 'error' : flash.kind === 'warn' ? 'warn' : flash.kind === 'ok' ? 'ok' : undefined;
    const mark = flash.kind === 'error' ? `${g.fail} ` : flash.kind === 'ok' ? `${g.ok} ` : '';
    text = `${mark}${plain(flash.text)}`;
  } else if (problem) {
    style = 'error';
    text = `${g.fail} ${plain(problem)}`;
  } else return [[]];
  const rows = wrapText(text, width - 2);
  const shown = rows.length > 4 ? [...rows.slice(0, 3), rows.slice(3).join(' ')] : rows;
  return shown.map((r) => [seg(' '), seg(r, style)]);
}

function framed(f: Frame, title: Line, right: Line, body: FrameSection[], status: Line[]): Line[] {
  const first = body[0]!;
  return composeFrame(f.cols, f.rows, f.glyphs, [
    { ...first, title, right },
    ...body.slice(1),
    { lines: status, height: status.length },
    { lines: footerOf(f), height: footerOf(f).length },
  ]);
}

/** The footer rows of a frame (two when its keys do not fit in one). */
function footerOf(f: Frame): Line[] {
  return renderFooterLines(f.bindings, f.cols - 2, f.glyphs);
}

/** Rows the frame leaves for content sections (borders, status and footer taken out). */
function contentRows(f: Frame, sections: number, statusHeight: number): number {
  return f.rows - (sections + 3) - statusHeight - footerOf(f).length;
}

/** The dashboard: clusters on top, the selected cluster's hosts below. */
export function renderDashboard(
  f: Frame,
  m: Pick<DashboardModel, 'clusters' | 'totals' | 'pane' | 'filter' | 'clusterCursor' | 'hostCursor' | 'loaded' | 'nodes' | 'problem' | 'sort' | 'vdcName' | 'replicas'> & {
    visibleHosts(): readonly NodeSummary[];
    selectedCluster(): Cluster | null;
  },
  opts: { filterEditing: boolean },
): { lines: Line[]; clusterOffset: number; hostOffset: number } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const problem = m.problem ? describeError(m.problem.error) : null;
  const status = statusLines(f.flash, problem, g, inner);
  const avail = contentRows(f, 2, status.length);
  // The clusters table takes what it needs up to about a third of the screen; the hosts table the rest.
  const clusterHeight = Math.max(3, Math.min(m.clusters.length + 1, Math.floor(avail / 3)));
  const hostHeight = Math.max(2, avail - clusterHeight);

  const clusterWin = renderTableWindow({
    columns: sortedColumns(CLUSTER_COLUMNS, 'clusters', m.sort.clusters, g),
    width: inner,
    height: clusterHeight,
    count: m.clusters.length,
    rowAt: (i) => {
      const c = m.clusters[i]!;
      return renderClusterRow(c, m.totals.get(c.id) ?? { hosts: 0, connected: 0, cores: null, cpuPercent: null, memoryUsed: null, memoryTotal: null, storage: null, gpus: null }, g);
    },
    selected: m.clusterCursor.index,
    offset: m.clusterCursor.offset,
    focused: m.pane === 'clusters',
    glyphs: g,
    empty: m.loaded ? 'No clusters yet. Press c to create one, or a to add a host (a cluster can be created there).' : `Loading${g.ellipsis}`,
  });
  const hosts = m.visibleHosts();
  const cluster = m.selectedCluster();
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
    empty: !cluster ? '' : m.filter ? `No host matches "${plain(m.filter)}". Esc clears the filter.` : 'No hosts in this cluster. Press a to add one.',
  });

  const hostTitle: Line = [seg('Hosts', m.pane === 'hosts' ? 'accent' : 'title')];
  if (cluster) hostTitle.push(seg(` ${g.middot} ${plain(cluster.name)}`));
  if (m.filter || opts.filterEditing) hostTitle.push(seg(` ${g.middot} filter: `), seg(`${plain(m.filter)}${opts.filterEditing ? '_' : ''}`, 'accent'));
  const hostRight: Line = hosts.length > hostHeight - 1 ? [seg(`${m.hostCursor.index + 1}/${hosts.length}`, 'dim')] : [];

  const right: Line = m.loaded ? [...replicaSegments(m.replicas, g), seg(`${m.clusters.length} cluster${m.clusters.length === 1 ? '' : 's'} ${g.middot} ${m.nodes.length} host${m.nodes.length === 1 ? '' : 's'}`)] : [];
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
      { title: hostTitle, right: hostRight, lines: hostWin.lines },
    ],
    status,
  );
  return { lines, clusterOffset: clusterWin.offset, hostOffset: hostWin.offset };
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

/** A tab bar: the titles with the selected one inverted. */
export function tabBar(titles: readonly string[], selected: number, g: Glyphs): Line {
  const out: Line = [seg(' ')];
  titles.forEach((t, i) => {
    if (i > 0) out.push(seg(` ${g.vertical} `, 'dim'));
    out.push(seg(` ${t} `, i === selected ? 'selected' : undefined));
  });
  return out;
}

/** Lines of a tab's tables, one blank line between tables. */
function tabLines(tab: InventoryTab | undefined, width: number, g: Glyphs): Line[] {
  if (!tab) return [];
  const out: Line[] = [];
  tab.tables.forEach((t, i) => {
    if (i > 0) out.push([]);
    const lines = renderDataTable(t, width, g);
    // Key-value tables have no column titles: drop their blank header.
    out.push(...(t.columns.every((c) => c.title === '') ? lines.filter((_, j) => j !== 1) : lines));
  });
  return out;
}

/** A scrolled window of body lines with a position hint; returns the clamped scroll. */
function scrolled(lines: Line[], height: number, scroll: number): { lines: Line[]; scroll: number; more: string | null } {
  const max = Math.max(0, lines.length - height);
  const s = Math.min(Math.max(0, scroll), max);
  const more = max > 0 ? `${s + 1}-${Math.min(lines.length, s + height)}/${lines.length}` : null;
  return { lines: lines.slice(s, s + height), scroll: s, more };
}

/** The host details screen: state and last error, then the inventory in tabs. */
export function renderDetails(
  f: Frame,
  d: { node: NodeDetail | null; loading: boolean; tab: number; scroll: number; hostname: string },
): { lines: Line[]; scroll: number; tabs: number } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const body: Line[] = [];
  let tabs = 0;
  if (!d.node) body.push([seg(d.loading ? `  Loading${g.ellipsis}` : '  The host could not be loaded.', 'dim')]);
  else {
    const v = renderHostDetails(d.node, f.now, g);
    body.push(...tabLines({ title: 'State', tables: [v.status] }, inner, g));
    tabs = v.tabs.length;
    if (tabs > 0) {
      body.push([], tabBar(v.tabs.map((t) => t.title), Math.min(d.tab, tabs - 1), g), []);
      body.push(...tabLines(v.tabs[Math.min(d.tab, tabs - 1)], inner, g));
    } else body.push([], [seg('  No inventory has been collected from this host yet.', 'dim')]);
    if (v.warnings.length) body.push([], [seg(` Warnings (${v.warnings.length})`, 'warn')], ...warningLines(v.warnings, inner));
  }
  const status = statusLines(f.flash, null, g, inner);
  const s = scrolled(body, contentRows(f, 1, status.length), d.scroll);
  const lines = framed(f, [seg(`Host ${g.middot} ${plain(d.hostname)}`, 'title')], s.more ? [seg(s.more, 'dim')] : [], [{ lines: s.lines }], status);
  return { lines, scroll: s.scroll, tabs };
}

/** The help screen: every key of every table, generated from the tables themselves. */
export function renderHelpScreen(f: Frame, groups: ReadonlyArray<{ title: string; bindings: readonly KeyBinding[] }>, scroll: number): { lines: Line[]; scroll: number } {
  const body = renderHelp(groups, f.glyphs, f.cols - 2);
  const status = statusLines(f.flash, null, f.glyphs, f.cols - 2);
  const s = scrolled(body, contentRows(f, 1, status.length), scroll);
  return { lines: framed(f, [seg('Help', 'title')], s.more ? [seg(s.more, 'dim')] : [], [{ lines: s.lines }], status), scroll: s.scroll };
}

// ---------------------------------------------------------------------------
// Wizard

/** Words for the vDC's stages. */
export const STAGE_LABELS = {
  connecting: 'connecting to',
  verifying: "verifying the host's identity with the token",
  collecting: 'collecting hardware',
} as const;

const SPINNER_UNICODE = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const SPINNER_ASCII = ['|', '/', '-', '\\'];

/** The spinner frame for a moment (changes every 200 ms). */
export function spinner(now: number, g: Glyphs): string {
  const frames = g.ok === '✓' ? SPINNER_UNICODE : SPINNER_ASCII;
  return frames[Math.floor(now / 200) % frames.length]!;
}

const FIELD_WIDTH = 24;

function field(label: string, value: string, focused: boolean, hint: Segment[]): Line {
  const shown = tail(value, FIELD_WIDTH - 1);
  const text = `${shown}${focused ? '_' : ''}`.padEnd(FIELD_WIDTH);
  return [
    seg(`  ${focused ? '>' : ' '}`, 'accent'),
    seg(label.padEnd(9), focused ? 'accent' : 'label'),
    seg('['),
    seg(text, focused ? 'selected' : undefined),
    seg(']  '),
    ...hint,
  ];
}

/** The last n characters of s (a long value scrolls left as it is typed). */
function tail(s: string, n: number): string {
  const chars = [...s];
  return chars.slice(Math.max(0, chars.length - n)).join('');
}

/** Wizard title: `Add host · 1/4 Connect`. */
export function wizardTitle(w: WizardState, g: Glyphs): string {
  const step = { input: '1/4 Connect', connecting: '2/4 Connecting', discovery: '3/4 Review', confirm: '4/4 Confirm', success: 'Done', error: 'Failed' }[w.step];
  return `Add host ${g.middot} ${step}`;
}

/** Columns before a field's value: where a problem under the field starts. */
const FIELD_INDENT = 13;

/**
 * A field with its short hint beside it, or its problem whole under it:
 * a problem ("symbol 12 ('U') is not used in tokens") is longer than the
 * room beside the field, and a cut one cannot be acted on.
 */
function fieldLines(label: string, value: string, focused: boolean, hint: Segment[], problem: string | null, f: Frame): Line[] {
  if (!problem) return [field(label, value, focused, hint)];
  const wrapped = wrapText(`${f.glyphs.fail} ${problem}`, f.cols - 2 - FIELD_INDENT - 1);
  return [field(label, value, focused, []), ...wrapped.map((l) => [seg(' '.repeat(FIELD_INDENT)), seg(l, 'error')])];
}

function inputBody(w: WizardState, f: Frame, height: number): Line[] {
  const g = f.glyphs;
  const focus: WizardField = w.focus;
  const out: Line[] = [[seg("  On the host's console press F4, then G, to show its registration token.")], []];
  const addrProblem = checkAddress(w.address);
  out.push(...fieldLines('Address', w.address, focus === 'address', [seg('IP or name, port 8443', 'dim')], w.showProblems ? addrProblem : null, f));
  const tc = checkToken(w.tokenTyped);
  const tokenHint: Segment[] =
    tc.kind === 'ok'
      ? [seg(`${g.ok} well formed`, 'ok')]
      : tc.kind === 'partial'
        ? [seg(tc.message, w.showProblems ? 'error' : 'dim')]
        : [seg('QUANTIX-XXXX-XXXX-XXXX', 'dim')];
  // A wrong symbol shows at once, as typed; a missing token only once Enter was refused.
  const tokenProblem = tc.kind === 'problem' ? tc.message : tc.kind === 'empty' && w.showProblems ? 'enter the token from the host console' : null;
  out.push(...fieldLines('Token', tokenDisplay(w.tokenTyped), focus === 'token', tokenHint, tokenProblem, f));
  out.push([]);

  // The cluster list, windowed around the choice so any number of clusters fits.
  const entries: Line[] = w.clusters.map((c) => [seg(plain(c.name).padEnd(20)), seg(`${c.hosts} host${c.hosts === 1 ? '' : 's'}`, 'dim')]);
  entries.push([seg(`+ New cluster${g.ellipsis}`, 'accent')]);
  let nameLines: Line[] = [];
  if (choosingNewCluster(w)) {
    const problem = checkNewClusterName(w.newClusterName, w.clusters);
    const hint = [seg(w.clusters.length === 0 ? 'no cluster yet: name the first one' : 'created when the host is added', 'dim')];
    nameLines = fieldLines('Name', w.newClusterName, focus === 'newCluster', hint, w.showProblems ? problem : null, f);
  }
  const listHeight = Math.max(2, Math.min(entries.length, height - out.length - nameLines.length - (choosingNewCluster(w) ? 3 : 2)));
  const offset = scrollWindow(w.clusterIndex, 0, listHeight, entries.length);
  for (let i = offset; i < Math.min(entries.length, offset + listHeight); i++) {
    const selected = i === w.clusterIndex;
    const lead = i === offset ? seg(`  ${focus === 'cluster' ? '>' : ' '}${'Cluster'.padEnd(9)}`, focus === 'cluster' ? 'accent' : 'label') : seg(' '.repeat(12));
    const marker = seg(selected ? `${g.pointer} ` : '  ', 'accent');
    const entry = entries[i]!.map((s) => (selected && focus === 'cluster' ? { ...s, style: 'selected' as const } : s));
    out.push([lead, marker, ...entry]);
  }
  if (entries.length > listHeight) out.push([seg(' '.repeat(14)), seg(`${w.clusterIndex + 1}/${entries.length}, ${g.enter === '⏎' ? '↑↓' : 'Up/Down'} to choose`, 'dim')]);
  out.push(...nameLines);
  return out;
}

function connectingBody(w: WizardState, f: Frame, address: string): Line[] {
  const g = f.glyphs;
  const target = clusterTarget(w);
  const out: Line[] = [
    [seg(`  Adding ${plain(address)} to ${target.kind === 'new' ? 'new cluster ' : 'cluster '}${plain(target.name)}`)],
    [],
  ];
  const order = ['connecting', 'verifying', 'collecting'] as const;
  const at = w.stage ? order.indexOf(w.stage) : 0;
  order.forEach((stage, i) => {
    const label = stage === 'connecting' ? `${STAGE_LABELS.connecting} ${plain(address)}` : STAGE_LABELS[stage];
    if (i < at) out.push([seg(`  ${g.ok} `, 'ok'), seg(label)]);
    else if (i === at) out.push([seg(`  ${spinner(f.now, g)} `, 'accent'), seg(label, 'title')]);
    else out.push([seg('    '), seg(label, 'dim')]);
  });
  out.push([], [seg('  The token is checked by the host; it never travels over the network.', 'dim')]);
  return out;
}

function discoveryBody(d: DiscoverResponse, w: WizardState, f: Frame, height: number, scroll: number): { lines: Line[]; scroll: number; more: string | null } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const v = renderDiscoveryTables(d, null, [], g);
  const wide = textWidth(cellText(v.headline)) <= inner - 2;
  const head: Line[] = wide ? [[seg(' '), ...cellSegments(v.headline)]] : v.headlineParts.map((p) => [seg(' '), ...cellSegments(p)]);
  const tabs = tabBar(v.tabs.map((t) => t.title), w.tab, g);
  const count = `Warnings (${v.warnings.length})`;
  // The warnings open the Summary tab whole, wrapped, and scroll with it; a fixed box
  // cut them at 80 columns and hid all but four. Other tabs say where they are.
  const content = w.tab === 0 && v.warnings.length ? [[seg(` ${count}`, 'warn')], ...warningLines(v.warnings, inner), [], ...tabLines(v.tabs[0], inner, g)] : tabLines(v.tabs[w.tab], inner, g);
  const pointer: Line[] = w.tab !== 0 && v.warnings.length ? [[], [seg(` ${count} on the Summary tab`, 'warn')]] : [];
  const s = scrolled(content, Math.max(1, height - head.length - 2 - pointer.length), scroll);
  const lines: Line[] = [...head, tabs, [], ...s.lines];
  while (lines.length < height - pointer.length) lines.push([]);
  lines.push(...pointer);
  return { lines, scroll: s.scroll, more: s.more };
}

/** Warnings as `! text` lines, each wrapped whole to the width under its own first line. */
function warningLines(warnings: readonly string[], width: number): Line[] {
  return warnings.flatMap((t) => wrapText(t, width - 5).map((l, i) => [seg(i === 0 ? '  ! ' : '    ', 'warn'), seg(l, 'warn')]));
}

function cellSegments(c: Cell): Segment[] {
  return typeof c === 'string' ? [seg(c)] : Array.isArray(c) ? c : [c];
}

function confirmBody(d: DiscoverResponse, w: WizardState, f: Frame, address: string): Line[] {
  const g = f.glyphs;
  const target = clusterTarget(w);
  const out: Line[] = [
    [],
    [seg('  '), seg(`Add ${plain(d.host.hostname)} (${plain(address)}) to cluster ${plain(target.name)}?`, 'title')],
    [],
  ];
  if (target.kind === 'new') out.push([seg(`  The cluster ${plain(target.name)} is created first.`)]);
  out.push([seg(`  The host consumes its token and will be managed by this vDC.`)]);
  const warnings = discoveryWarnings(d).length;
  if (warnings) out.push([], [seg(`  ${counted(warnings, 'warning')} on the previous page.`, 'warn')]);
  if (w.registering) out.push([], [seg(`  ${spinner(f.now, g)} `, 'accent'), seg(`adding the host${g.ellipsis}`)]);
  return out;
}

function errorBody(w: WizardState, f: Frame): Line[] {
  const g = f.glyphs;
  const e = w.error!;
  const wrapWidth = f.cols - 8;
  return [
    [],
    ...wrapText(`${g.fail} ${plain(e.message)} (${plain(e.code)})`, wrapWidth).map((l) => [seg('  '), seg(l, 'error')]),
    [],
    ...wrapText(`Next: ${plain(e.hint)}`, wrapWidth).map((l) => [seg(`  ${l}`)]),
    [],
    [seg('  '), seg('r', 'key'), seg(' Retry (fields kept)   '), seg('Esc', 'key'), seg(' Cancel')],
  ];
}

/** The wizard's current page. */
export function renderWizard(
  f: Frame,
  w: WizardState<DiscoverResponse>,
  scroll: number,
): { lines: Line[]; scroll: number } {
  const g = f.glyphs;
  const status = statusLines(f.flash, null, g, f.cols - 2);
  const height = contentRows(f, 1, status.length);
  const address = w.discovery ? formatHostPort(w.discovery.host.address, w.discovery.host.port) : w.address.trim();
  let body: Line[];
  let more: string | null = null;
  let s = 0;
  switch (w.step) {
    case 'input':
      body = inputBody(w, f, height);
      break;
    case 'connecting':
      body = connectingBody(w, f, address);
      break;
    case 'discovery': {
      const r = discoveryBody(w.discovery!, w, f, height, scroll);
      body = r.lines;
      more = r.more;
      s = r.scroll;
      break;
    }
    case 'confirm':
      body = confirmBody(w.discovery!, w, f, address);
      break;
    case 'error':
      body = errorBody(w, f);
      break;
    case 'success':
      body = [[seg(`  ${g.ok} Added.`, 'ok')]];
      break;
  }
  const lines = framed(f, [seg(wizardTitle(w, g), 'title')], more ? [seg(more, 'dim')] : [], [{ lines: body }], status);
  return { lines, scroll: s };
}

/** Text shown in a one-field prompt dialog. */
export function promptLines(label: string, value: string, hint: string, problem: string | null): Line[] {
  return [
    [seg(`${label} `), seg(`${value}_`.padEnd(30), 'selected')],
    [],
    [seg(problem ?? hint, problem ? 'error' : 'dim')],
  ];
}
