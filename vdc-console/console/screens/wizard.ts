/**
 * The add-host wizard's pages: the form, connecting, the review of what
 * was discovered, the confirmation, the error. The key table of each
 * step, the render (pure) and how it is drawn from the console's state.
 * The steps themselves are the reducer in ../wizard.ts; the network work
 * is the wizard controller's.
 */
import type { DiscoverResponse } from '../../../common/protocol/vdc-api.js';
import { formatHostPort } from '../../../common/protocol/host-port.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { moreHint, scrolled } from '../../../common/tui/scroll.js';
import { cellText, scrollWindow } from '../../../common/tui/table.js';
import { plain, seg, textWidth, wrapText, type Line, type Segment } from '../../../common/tui/text.js';
import { counted } from '../render/format.js';
import {
  cellSegments,
  contentRows,
  framed,
  statusLines,
  tabBar,
  tabLines,
  warningLines,
  type Frame,
} from '../render/frame.js';
import { discoveryWarnings, INVENTORY_TABS, renderDiscoveryTables } from '../render/inventory.js';
import {
  checkAddress,
  checkNewClusterName,
  checkToken,
  choosingNewCluster,
  clusterTarget,
  tokenDisplay,
  type WizardField,
  type WizardState,
  type WizardStep,
} from '../wizard.js';
import { ctrlCKey, scrollKeys, tabKeys, type HelpSection, type ScreenContext } from './context.js';

/** The form's keys; other printable keys type into the focused field. */
function inputKeys(ctx: ScreenContext): KeyBinding[] {
  const inList = () => ctx.state().wizard?.focus === 'cluster';
  return [
    { keys: ['tab'], label: 'Next field', handler: () => ctx.ops.wizard({ type: 'focusNext' }) },
    { keys: ['S-tab'], label: 'Previous field', visible: false, handler: () => ctx.ops.wizard({ type: 'focusPrev' }) },
    {
      keys: ['enter'],
      label: 'Connect',
      help: 'Connect to the host (from any field, once the form is valid)',
      handler: () => ctx.ops.wizard({ type: 'submit' }),
    },
    { keys: ['escape'], label: 'Cancel', handler: () => ctx.ops.wizard({ type: 'cancel' }) },
    {
      keys: ['up'],
      label: 'Up',
      help: 'Previous cluster (in the list) or previous field',
      visible: false,
      handler: () => ctx.ops.wizard(inList() ? { type: 'moveCluster', delta: -1 } : { type: 'focusPrev' }),
    },
    {
      keys: ['down'],
      label: 'Down',
      help: 'Next cluster (in the list) or next field',
      visible: false,
      handler: () => ctx.ops.wizard(inList() ? { type: 'moveCluster', delta: 1 } : { type: 'focusNext' }),
    },
    { keys: ['backspace'], label: 'Erase', visible: false, handler: () => ctx.ops.wizard({ type: 'erase' }) },
    { keys: ['C-u'], label: 'Clear field', visible: false, handler: () => ctx.ops.wizard({ type: 'clearField' }) },
  ];
}

/** The keys of a wizard step. */
export function wizardKeys(step: WizardStep, ctx: ScreenContext): KeyBinding[] {
  const send = ctx.ops.wizard.bind(ctx.ops);
  const registering = () => ctx.state().wizard?.registering === true;
  const ctrlC = ctrlCKey(ctx, 'Quit the console (asks first)');
  switch (step) {
    case 'input':
      return [...inputKeys(ctx), ctrlC];
    case 'connecting':
      return [
        {
          keys: ['escape'],
          label: 'Cancel',
          help: 'Stop connecting and go back to the form',
          handler: () => send({ type: 'cancel' }),
        },
        ctrlC,
      ];
    case 'discovery':
      return [
        tabKeys(ctx, (delta) => send({ type: 'tab', delta, count: INVENTORY_TABS.length })),
        ...scrollKeys(ctx),
        { keys: ['enter'], label: 'Continue', handler: () => send({ type: 'next' }) },
        {
          keys: ['escape'],
          label: 'Back',
          help: 'Back to the form (fields kept)',
          handler: () => send({ type: 'cancel' }),
        },
        ctrlC,
      ];
    case 'confirm':
      return [
        {
          keys: ['enter'],
          label: 'Add host',
          disabledReason: () => (registering() ? 'The host is being added.' : null),
          handler: () => send({ type: 'confirm' }),
        },
        {
          keys: ['escape'],
          label: 'Back',
          disabledReason: () => (registering() ? 'The host is being added; it cannot be stopped now.' : null),
          handler: () => send({ type: 'cancel' }),
        },
        ctrlC,
      ];
    case 'error':
      return [
        {
          keys: ['r', 'S-r'],
          label: 'Retry',
          help: 'Back to the form, fields kept (a spent token is cleared)',
          handler: () => send({ type: 'retry' }),
        },
        { keys: ['escape'], label: 'Cancel', handler: () => send({ type: 'cancel' }) },
        ctrlC,
      ];
    case 'success':
      return [ctrlC];
  }
}

/** The wizard's sections of the help screen: the steps with keys of their own. */
export function wizardHelp(ctx: ScreenContext): HelpSection[] {
  return [
    { title: 'Add host: form', bindings: wizardKeys('input', ctx) },
    { title: 'Add host: review', bindings: wizardKeys('discovery', ctx) },
    { title: 'Add host: error', bindings: wizardKeys('error', ctx) },
  ];
}

/** The wizard drawn from the state; the clamped scroll goes back to it. */
export function drawWizard(f: Frame, ctx: ScreenContext, w: WizardState<DiscoverResponse>): Line[] {
  const scroll = ctx.state().wizardScroll;
  const r = renderWizard(f, w, scroll);
  if (r.scroll !== scroll) ctx.settle({ type: 'scrolled', screen: 'wizard', scroll: r.scroll });
  return r.lines;
}

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
  const chars = Array.from(s);
  return chars.slice(Math.max(0, chars.length - n)).join('');
}

/** Wizard title: `Add host · 1/4 Connect`. */
export function wizardTitle(w: WizardState, g: Glyphs): string {
  const step = {
    input: '1/4 Connect',
    connecting: '2/4 Connecting',
    discovery: '3/4 Review',
    confirm: '4/4 Confirm',
    success: 'Done',
    error: 'Failed',
  }[w.step];
  return `Add host ${g.middot} ${step}`;
}

/** Columns before a field's value: where a problem under the field starts. */
const FIELD_INDENT = 13;

/**
 * A field with its short hint beside it, or its problem whole under it:
 * a problem ("symbol 12 ('U') is not used in tokens") is longer than the
 * room beside the field, and a cut one cannot be acted on.
 */
function fieldLines(
  label: string,
  value: string,
  focused: boolean,
  hint: Segment[],
  problem: string | null,
  f: Frame,
): Line[] {
  if (!problem) return [field(label, value, focused, hint)];
  const wrapped = wrapText(`${f.glyphs.fail} ${problem}`, f.cols - 2 - FIELD_INDENT - 1);
  return [field(label, value, focused, []), ...wrapped.map((l) => [seg(' '.repeat(FIELD_INDENT)), seg(l, 'error')])];
}

function inputBody(w: WizardState, f: Frame, height: number): Line[] {
  const g = f.glyphs;
  const focus: WizardField = w.focus;
  const out: Line[] = [[seg("  On the host's console press F4, then G, to show its registration token.")], []];
  const addrProblem = checkAddress(w.address);
  out.push(
    ...fieldLines(
      'Address',
      w.address,
      focus === 'address',
      [seg('IP or name, port 8443', 'dim')],
      w.showProblems ? addrProblem : null,
      f,
    ),
  );
  const tc = checkToken(w.tokenTyped);
  const tokenHint: Segment[] =
    tc.kind === 'ok'
      ? [seg(`${g.ok} well formed`, 'ok')]
      : tc.kind === 'partial'
        ? [seg(tc.message, w.showProblems ? 'error' : 'dim')]
        : [seg('QUANTIX-XXXX-XXXX-XXXX', 'dim')];
  // A wrong symbol shows at once, as typed; a missing token only once Enter was refused.
  const tokenProblem =
    tc.kind === 'problem'
      ? tc.message
      : tc.kind === 'empty' && w.showProblems
        ? 'enter the token from the host console'
        : null;
  out.push(...fieldLines('Token', tokenDisplay(w.tokenTyped), focus === 'token', tokenHint, tokenProblem, f));
  out.push([]);

  // The cluster list, windowed around the choice so any number of clusters fits.
  const entries: Line[] = w.clusters.map((c) => [
    seg(plain(c.name).padEnd(20)),
    seg(`${c.hosts} host${c.hosts === 1 ? '' : 's'}`, 'dim'),
  ]);
  entries.push([seg(`+ New cluster${g.ellipsis}`, 'accent')]);
  let nameLines: Line[] = [];
  if (choosingNewCluster(w)) {
    const problem = checkNewClusterName(w.newClusterName, w.clusters);
    const hint = [
      seg(w.clusters.length === 0 ? 'no cluster yet: name the first one' : 'created when the host is added', 'dim'),
    ];
    nameLines = fieldLines('Name', w.newClusterName, focus === 'newCluster', hint, w.showProblems ? problem : null, f);
  }
  const listHeight = Math.max(
    2,
    Math.min(entries.length, height - out.length - nameLines.length - (choosingNewCluster(w) ? 3 : 2)),
  );
  const offset = scrollWindow(w.clusterIndex, 0, listHeight, entries.length);
  for (let i = offset; i < Math.min(entries.length, offset + listHeight); i++) {
    const selected = i === w.clusterIndex;
    const lead =
      i === offset
        ? seg(`  ${focus === 'cluster' ? '>' : ' '}${'Cluster'.padEnd(9)}`, focus === 'cluster' ? 'accent' : 'label')
        : seg(' '.repeat(12));
    const marker = seg(selected ? `${g.pointer} ` : '  ', 'accent');
    const entry = entries[i]!.map((s) => (selected && focus === 'cluster' ? { ...s, style: 'selected' as const } : s));
    out.push([lead, marker, ...entry]);
  }
  if (entries.length > listHeight)
    out.push([
      seg(' '.repeat(14)),
      seg(`${w.clusterIndex + 1}/${entries.length}, ${g.enter === '⏎' ? '↑↓' : 'Up/Down'} to choose`, 'dim'),
    ]);
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

function discoveryBody(
  d: DiscoverResponse,
  w: WizardState,
  f: Frame,
  height: number,
  scroll: number,
): { lines: Line[]; scroll: number; more: string | null } {
  const g = f.glyphs;
  const inner = f.cols - 2;
  const v = renderDiscoveryTables(d, null, [], g);
  const wide = textWidth(cellText(v.headline)) <= inner - 2;
  const head: Line[] = wide
    ? [[seg(' '), ...cellSegments(v.headline)]]
    : v.headlineParts.map((p) => [seg(' '), ...cellSegments(p)]);
  const tabs = tabBar(
    v.tabs.map((t) => t.title),
    w.tab,
    g,
  );
  const count = `Warnings (${v.warnings.length})`;
  // The warnings open the Summary tab whole, wrapped, and scroll with it; a fixed box
  // cut them at 80 columns and hid all but four. Other tabs say where they are.
  const content =
    w.tab === 0 && v.warnings.length
      ? [[seg(` ${count}`, 'warn')], ...warningLines(v.warnings, inner), [], ...tabLines(v.tabs[0], inner, g)]
      : tabLines(v.tabs[w.tab], inner, g);
  const pointer: Line[] = w.tab !== 0 && v.warnings.length ? [[], [seg(` ${count} on the Summary tab`, 'warn')]] : [];
  const s = scrolled(content, Math.max(1, height - head.length - 2 - pointer.length), scroll);
  const lines: Line[] = [...head, tabs, [], ...s.lines];
  while (lines.length < height - pointer.length) lines.push([]);
  lines.push(...pointer);
  return { lines, scroll: s.scroll, more: s.more };
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
  const lines = framed(f, [seg(wizardTitle(w, g), 'title')], moreHint(more), [{ lines: body }], status);
  return { lines, scroll: s };
}
