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
import { renderFooter, renderHelp, type KeyBinding } from '../../../common/tui/keys.js';
import { cellText, renderDataTable, renderTableWindow, scrollWindow, type Cell } from '../../../common/tui/table.js';
import { composeFrame, plain, seg, textWidth, type FrameSection, type Line, type Segment } from '../../../common/tui/text.js';
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
import { renderDiscoveryTables, renderHostDetails, type InventoryTab } from './inventory.js';
import { CLUSTER_COLUMNS, HOST_COLUMNS, renderClusterRow, renderHostRow } from './rows.js';

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
 * nothing. A message too long for one row takes two, so its code and next
 * step are never cut off.
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
  const rows = wrap(text, width - 2);
  const shown = rows.length > 2 ? [rows[0]!, `${rows.slice(1).join(' ')}`] : rows;
  return shown.map((r) => [seg(' '), seg(r, style)]);
}

function framed(f: Frame, title: Line, right: Line, body: FrameSection[], status: Line[]): Line[] {
  const first = body[0]!;
  return composeFrame(f.cols, f.rows, f.glyphs, [
    { ...first, title, right },
    ...body.slice(1),
    { lines: status, height: status.length },
    { lines: [renderFooter(f.bindings, f.cols - 2, f.glyphs)], height: 1 },
  ]);
}

/** Rows the frame leaves for content sections (borders, status and footer taken out). */
function contentRows(rows: number, sections: number, statusHeight: number): number {
  return rows - (sections + 3) - statusHeight - 1;
}

/** The dashboard: clusters on top, the selected cluster's hosts below. */
export function renderDashboard(
  f: Frame,
  m: Pick<DashboardModel, 'clusters' | 'totals' | 'pane' | 'filter' | 'clusterCursor' | 'hostCursor' | 'loaded' | 'nodes' | 'problem'> & {
    visibleHosts(): readonly NodeSummary[];
    selectedCluster(): Cluster | null;
  },
  opts: { vdcName: string | null; filterEditing: boolean },
): { lines: Line[]; clusterOffset: number; hostOffset: number } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const problem = m.problem ? describeError(m.problem.error) : null;
  const status = statusLines(f.flash, problem, g, inner);
  const avail = contentRows(f.rows, 2, status.length);
  // The clusters table takes what it needs up to about a third of the screen; the hosts table the rest.
  const clusterHeight = Math.max(3, Math.min(m.clusters.length + 1, Math.floor(avail / 3)));
  const hostHeight = Math.max(2, avail - clusterHeight);

  const clusterWin = renderTableWindow({
    columns: CLUSTER_COLUMNS,
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
    columns: HOST_COLUMNS,
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

  const title: Line = [seg(PRODUCT, 'title'), ...(opts.vdcName ? [seg(` ${g.middot} ${plain(opts.vdcName)}`)] : [])];
  const right: Line = m.loaded ? [seg(`${m.clusters.length} cluster${m.clusters.length === 1 ? '' : 's'} ${g.middot} ${m.nodes.length} host${m.nodes.length === 1 ? '' : 's'}`)] : [];
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
    if (v.warnings.length) body.push([], [seg(' Warnings', 'warn')], ...v.warnings.map((w) => [seg(`  ${w}`, 'warn')]));
  }
  const status = statusLines(f.flash, null, g, inner);
  const s = scrolled(body, contentRows(f.rows, 1, status.length), d.scroll);
  const lines = framed(f, [seg(`Host ${g.middot} ${plain(d.hostname)}`, 'title')], s.more ? [seg(s.more, 'dim')] : [], [{ lines: s.lines }], status);
  return { lines, scroll: s.scroll, tabs };
}

/** The help screen: every key of every table, generated from the tables themselves. */
export function renderHelpScreen(f: Frame, groups: ReadonlyArray<{ title: string; bindings: readonly KeyBinding[] }>, scroll: number): { lines: Line[]; scroll: number } {
  const body = renderHelp(groups, f.glyphs);
  const status = statusLines(f.flash, null, f.glyphs, f.cols - 2);
  const s = scrolled(body, contentRows(f.rows, 1, status.length), scroll);
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

function inputBody(w: WizardState, f: Frame, height: number): Line[] {
  const g = f.glyphs;
  const focus: WizardField = w.focus;
  const out: Line[] = [[seg("  On the host's console press F4, then G, to show its registration token.")], []];
  const addrProblem = checkAddress(w.address);
  const addrHint: Segment[] =
    w.showProblems && addrProblem ? [seg(`${g.fail} ${addrProblem}`, 'error')] : [seg('IP or name, port 8443', 'dim')];
  out.push(field('Address', w.address, focus === 'address', addrHint));
  const tc = checkToken(w.tokenTyped);
  const tokenHint: Segment[] =
    tc.kind === 'ok'
      ? [seg(`${g.ok} well formed`, 'ok')]
      : tc.kind === 'problem'
        ? [seg(`${g.fail} ${tc.message.split(':')[0]}`, 'error')]
        : tc.kind === 'partial'
          ? [seg(tc.message, w.showProblems ? 'error' : 'dim')]
          : [seg(w.showProblems ? `${g.fail} enter the token from the host console` : 'QUANTIX-XXXX-XXXX-XXXX', w.showProblems ? 'error' : 'dim')];
  out.push(field('Token', tokenDisplay(w.tokenTyped), focus === 'token', tokenHint));
  out.push([]);

  // The cluster list, windowed around the choice so any number of clusters fits.
  const entries: Line[] = w.clusters.map((c) => [seg(plain(c.name).padEnd(20)), seg(`${c.hosts} host${c.hosts === 1 ? '' : 's'}`, 'dim')]);
  entries.push([seg(`+ New cluster${g.ellipsis}`, 'accent')]);
  const listHeight = Math.max(2, Math.min(entries.length, height - out.length - (choosingNewCluster(w) ? 4 : 2)));
  const offset = scrollWindow(w.clusterIndex, 0, listHeight, entries.length);
  for (let i = offset; i < Math.min(entries.length, offset + listHeight); i++) {
    const selected = i === w.clusterIndex;
    const lead = i === offset ? seg(`  ${focus === 'cluster' ? '>' : ' '}${'Cluster'.padEnd(9)}`, focus === 'cluster' ? 'accent' : 'label') : seg(' '.repeat(12));
    const marker = seg(selected ? `${g.pointer} ` : '  ', 'accent');
    const entry = entries[i]!.map((s) => (selected && focus === 'cluster' ? { ...s, style: 'selected' as const } : s));
    out.push([lead, marker, ...entry]);
  }
  if (entries.length > listHeight) out.push([seg(' '.repeat(14)), seg(`${w.clusterIndex + 1}/${entries.length}, ${g.enter === '⏎' ? '↑↓' : 'Up/Down'} to choose`, 'dim')]);
  if (choosingNewCluster(w)) {
    const problem = checkNewClusterName(w.newClusterName, w.clusters);
    const hint: Segment[] =
      w.showProblems && problem
        ? [seg(`${g.fail} ${problem}`, 'error')]
        : [seg(w.clusters.length === 0 ? 'no cluster yet: name the first one' : 'created when the host is added', 'dim')];
    out.push(field('Name', w.newClusterName, focus === 'newCluster', hint));
  }
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
  const warnLines: Line[] = v.warnings.length ? [[seg(` Warnings (${v.warnings.length})`, 'warn')], ...v.warnings.slice(0, 4).map((t) => [seg(`  ! ${t}`, 'warn')])] : [];
  if (v.warnings.length > 4) warnLines.push([seg(`  and ${v.warnings.length - 4} more`, 'warn')]);
  const fixed = head.length + 2 + (warnLines.length ? warnLines.length + 1 : 0);
  const s = scrolled(tabLines(v.tabs[w.tab], inner, g), Math.max(1, height - fixed), scroll);
  const lines: Line[] = [...head, tabs, [], ...s.lines];
  while (lines.length < height - (warnLines.length ? warnLines.length + 1 : 0)) lines.push([]);
  if (warnLines.length) lines.push([], ...warnLines);
  return { lines, scroll: s.scroll, more: s.more };
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
  if (d.warnings.length) out.push([], [seg(`  ${d.warnings.length} warning${d.warnings.length === 1 ? '' : 's'} on the previous page.`, 'warn')]);
  if (w.registering) out.push([], [seg(`  ${spinner(f.now, g)} `, 'accent'), seg(`adding the host${g.ellipsis}`)]);
  return out;
}

function errorBody(w: WizardState, f: Frame): Line[] {
  const g = f.glyphs;
  const e = w.error!;
  const wrapWidth = f.cols - 8;
  return [
    [],
    ...wrap(`${g.fail} ${plain(e.message)} (${plain(e.code)})`, wrapWidth).map((l) => [seg('  '), seg(l, 'error')]),
    [],
    ...wrap(`Next: ${plain(e.hint)}`, wrapWidth).map((l) => [seg(`  ${l}`)]),
    [],
    [seg('  '), seg('r', 'key'), seg(' Retry (fields kept)   '), seg('Esc', 'key'), seg(' Cancel')],
  ];
}

/** Wraps text at spaces to lines of at most width columns. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && textWidth(line) + 1 + textWidth(word) > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** The wizard's current page. */
export function renderWizard(
  f: Frame,
  w: WizardState<DiscoverResponse>,
  scroll: number,
): { lines: Line[]; scroll: number } {
  const g = f.glyphs;
  const status = statusLines(f.flash, null, g, f.cols - 2);
  const height = contentRows(f.rows, 1, status.length);
  const address = w.discovery ? displayAddress(w.discovery.host.address, w.discovery.host.port) : w.address.trim();
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

/** `host:port` with IPv6 in brackets. */
export function displayAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Text shown in a one-field prompt dialog. */
export function promptLines(label: string, value: string, hint: string, problem: string | null): Line[] {
  return [
    [seg(`${label} `), seg(`${value}_`.padEnd(30), 'selected')],
    [],
    [seg(problem ?? hint, problem ? 'error' : 'dim')],
  ];
}
