/**
 * The console's own state as a pure reducer, as the wizard's is: which
 * screens are open (a stack, the dashboard at the bottom, the one on top
 * shows and has the keyboard), the dialog and the prompt over them, the
 * filter being typed, the host being shown, and each screen's scroll. The
 * screens send actions; the controllers run the network work and send the
 * results as actions; nothing here does I/O or reads a clock.
 */
import type { Dialog } from '../../common/tui/dialog.js';
import type { DiscoverResponse, NodeDetail, TrendResponse } from '../../common/protocol/vdc-api.js';
import { INVENTORY_TABS } from './render/inventory.js';
import { wizardReducer, type WizardAction, type WizardState } from './wizard.js';

/** The console's screens. */
export type Screen = 'dashboard' | 'details' | 'help' | 'wizard' | 'audit' | 'bulk';

/** The add-host wizard over the vDC's discovery and node shapes. */
export type Wizard = WizardState<DiscoverResponse, NodeDetail>;

/** The host details screen: which host, what was loaded, tab and scroll. */
export interface DetailsState {
  id: string;
  hostname: string;
  node: NodeDetail | null;
  loading: boolean;
  tab: number;
  scroll: number;
  /** The host's CPU and memory history, once loaded (an older vDC without trends leaves it unset). */
  trend?: TrendResponse | null;
}

/** A one-line text prompt shown as a dialog; `kind` names what it asks for. */
export interface PromptState {
  kind: 'createCluster' | 'renameCluster' | 'bulkFile';
  /** The cluster a rename is for. */
  targetId?: string;
  value: string;
  /** The value's problem is shown once Enter was refused. */
  showProblem: boolean;
}

/** Everything the screens draw from, besides the dashboard model and the flash message. */
export interface AppState {
  /** Open screens, the dashboard first; the last one shows. */
  stack: readonly Screen[];
  dialog: Dialog | null;
  prompt: PromptState | null;
  /** `/` was pressed on the dashboard: typing goes to the host filter. */
  filterEditing: boolean;
  wizard: Wizard | null;
  wizardScroll: number;
  details: DetailsState | null;
  helpScroll: number;
}

/** Every action the console's reducer understands. */
export type AppAction =
  | { type: 'openHelp' }
  /** The audit view (its records are the audit browser's). */
  | { type: 'openAudit' }
  /** Esc on a screen: back to the one under it. */
  | { type: 'back' }
  | { type: 'openDetails'; id: string; hostname: string }
  /** A host's details answered (node) or failed (null: what was shown stays). */
  | { type: 'detailsLoaded'; id: string; node: NodeDetail | null; trend?: TrendResponse | null }
  /** ←→ on the details screen. */
  | { type: 'detailsTab'; delta: number }
  /** A host was removed: the details screen, if it shows, closes. */
  | { type: 'removed' }
  | { type: 'openWizard'; wizard: Wizard }
  | { type: 'wizard'; action: WizardAction<DiscoverResponse, NodeDetail> }
  /** The wizard closed (cancelled, or the host was added). */
  | { type: 'closeWizard' }
  /** A host list was loaded: the bulk screen shows (its hosts are the bulk controller's). */
  | { type: 'openBulk' }
  | { type: 'closeBulk' }
  | { type: 'dialog'; dialog: Dialog | null }
  | { type: 'openPrompt'; kind: PromptState['kind']; targetId?: string; value?: string }
  | { type: 'promptType'; text: string }
  | { type: 'promptErase' }
  /** Enter was refused: show the value's problem. */
  | { type: 'promptRefused' }
  | { type: 'closePrompt' }
  | { type: 'filterEditing'; on: boolean }
  /** Scrolls the screen on top by delta rows; ±Infinity goes to the end or the start. */
  | { type: 'scroll'; delta: number }
  /** The scroll a renderer clamped to what there is to show. */
  | { type: 'scrolled'; screen: Screen; scroll: number };

/** The state at start: the dashboard, nothing over it. */
export function initialAppState(): AppState {
  return {
    stack: ['dashboard'],
    dialog: null,
    prompt: null,
    filterEditing: false,
    wizard: null,
    wizardScroll: 0,
    details: null,
    helpScroll: 0,
  };
}

/** The screen that shows (the top of the stack). */
export function topScreen(s: Pick<AppState, 'stack'>): Screen {
  return s.stack[s.stack.length - 1] ?? 'dashboard';
}

/** The screen help was opened from (under it on the stack), or null when help is not open. */
export function helpOpenedFrom(s: Pick<AppState, 'stack'>): Screen | null {
  return topScreen(s) === 'help' ? (s.stack[s.stack.length - 2] ?? 'dashboard') : null;
}

/** A scroll position moved by delta; an infinite delta goes to the end (clamped when drawn) or the start. */
export function scrollBy(scroll: number, delta: number): number {
  return Number.isFinite(delta) ? scroll + delta : delta > 0 ? 1e9 : 0;
}

/** Pushes a screen, unless it already shows. */
function push(s: AppState, screen: Screen): AppState {
  return topScreen(s) === screen ? s : { ...s, stack: [...s.stack, screen] };
}

/** Pops the top screen (never the dashboard), forgetting what it showed. */
function back(s: AppState): AppState {
  const top = topScreen(s);
  if (s.stack.length <= 1) return s;
  const next = { ...s, stack: s.stack.slice(0, -1) };
  if (top === 'details') return { ...next, details: null };
  if (top === 'wizard') return { ...next, wizard: null };
  return next;
}

function scroll(s: AppState, screen: Screen, to: (old: number) => number): AppState {
  switch (screen) {
    case 'help':
      return { ...s, helpScroll: to(s.helpScroll) };
    case 'wizard':
      return { ...s, wizardScroll: to(s.wizardScroll) };
    case 'details':
      return s.details ? { ...s, details: { ...s.details, scroll: to(s.details.scroll) } } : s;
    case 'dashboard':
    case 'audit':
    case 'bulk':
      return s;
  }
}

function detailsAction(s: AppState, a: Extract<AppAction, { type: 'detailsLoaded' | 'detailsTab' }>): AppState {
  const d = s.details;
  if (!d) return s;
  if (a.type === 'detailsLoaded') {
    if (d.id !== a.id) return s;
    return {
      ...s,
      details: {
        ...d,
        loading: false,
        ...(a.node ? { node: a.node, hostname: a.node.hostname } : {}),
        ...(a.trend ? { trend: a.trend } : {}),
      },
    };
  }
  const count = d.node?.inventory ? INVENTORY_TABS.length : 0;
  if (count === 0) return s;
  return { ...s, details: { ...d, tab: (d.tab + a.delta + count) % count, scroll: 0 } };
}

function wizardAction(s: AppState, a: WizardAction<DiscoverResponse, NodeDetail>): AppState {
  if (!s.wizard) return s;
  const w = wizardReducer(s.wizard, a);
  if (w === s.wizard) return s;
  // A new page or tab starts at its top.
  const moved = w.step !== s.wizard.step || w.tab !== s.wizard.tab;
  return { ...s, wizard: w, wizardScroll: moved ? 0 : s.wizardScroll };
}

function promptAction(
  s: AppState,
  a: Extract<AppAction, { type: 'openPrompt' | 'promptType' | 'promptErase' | 'promptRefused' | 'closePrompt' }>,
): AppState {
  if (a.type === 'openPrompt')
    return {
      ...s,
      prompt: {
        kind: a.kind,
        ...(a.targetId !== undefined ? { targetId: a.targetId } : {}),
        value: a.value ?? '',
        showProblem: false,
      },
    };
  const p = s.prompt;
  if (!p) return s;
  switch (a.type) {
    case 'promptType':
      return { ...s, prompt: { ...p, value: p.value + a.text } };
    case 'promptErase':
      return { ...s, prompt: { ...p, value: Array.from(p.value).slice(0, -1).join('') } };
    case 'promptRefused':
      return { ...s, prompt: { ...p, showProblem: true } };
    case 'closePrompt':
      return { ...s, prompt: null };
  }
}

/** The console's reducer: the next state for an action; actions that do not apply leave the state unchanged. */
export function appReducer(s: AppState, a: AppAction): AppState {
  switch (a.type) {
    case 'openHelp':
      return { ...push(s, 'help'), helpScroll: 0 };
    case 'openAudit':
      return push(s, 'audit');
    case 'back':
      return back(s);
    case 'openDetails':
      return push(
        { ...s, details: { id: a.id, hostname: a.hostname, node: null, loading: true, tab: 0, scroll: 0 } },
        'details',
      );
    case 'detailsLoaded':
    case 'detailsTab':
      return detailsAction(s, a);
    case 'removed':
      return topScreen(s) === 'details' ? back(s) : s;
    case 'openWizard':
      return push({ ...s, wizard: a.wizard, wizardScroll: 0 }, 'wizard');
    case 'wizard':
      return wizardAction(s, a.action);
    case 'closeWizard':
      return { ...s, stack: s.stack.filter((v) => v !== 'wizard'), wizard: null };
    case 'openBulk':
      return push(s, 'bulk');
    case 'closeBulk':
      return { ...s, stack: s.stack.filter((v) => v !== 'bulk') };
    case 'dialog':
      return { ...s, dialog: a.dialog };
    case 'openPrompt':
    case 'promptType':
    case 'promptErase':
    case 'promptRefused':
    case 'closePrompt':
      return promptAction(s, a);
    case 'filterEditing':
      return { ...s, filterEditing: a.on };
    case 'scroll':
      return scroll(s, topScreen(s), (old) => scrollBy(old, a.delta));
    case 'scrolled':
      return scroll(s, a.screen, () => a.scroll);
  }
}

/** The state and the ways to change it, as the screens and controllers hold them. */
export interface Store {
  state(): AppState;
  /** Applies an action and draws. */
  dispatch(a: AppAction): void;
  /** Applies an action without drawing (a renderer's clamped scroll, a step whose effects come first). */
  settle(a: AppAction): void;
}
