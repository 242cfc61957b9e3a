/**
 * What a screen is given: the state to read, actions to send, the
 * dashboard model, the status line, and the console's operations, which
 * the controllers carry out. Screens never see the vDC; they ask for an
 * operation by name. Also the key bindings several screens share.
 */
import type { DiscoverResponse, NodeDetail, NodeSummary } from '../../../common/protocol/vdc-api.js';
import type { FlashModel } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import type { BulkController } from '../controllers/bulk.js';
import type { DashboardModel } from '../model.js';
import type { AppAction, AppState } from '../state.js';
import type { WizardAction } from '../wizard.js';

/** The console's operations, carried out by the controllers (requests to the vDC, exit). */
export interface ConsoleOps {
  /** Quits, asking first while a host is being added. */
  quit(): void;
  openWizard(): void;
  /** Sends an action to the wizard and starts or stops what the new state asks for. */
  wizard(a: WizardAction<DiscoverResponse, NodeDetail>): void;
  /** Asks whether to remove a host, then removes it. */
  askRemove(n: NodeSummary): void;
  openDetails(n: NodeSummary): void;
  /** Loads the host on the details screen again. */
  reloadDetails(): Promise<void>;
  /** Creates a cluster by name and selects it. */
  createCluster(name: string): Promise<void>;
  /** Refreshes the dashboard now. */
  refresh(): Promise<void>;
  /** Clears the terminal and paints it all again (Ctrl-L). */
  repaint(): void;
}

/** A screen's view of the console. */
export interface ScreenContext {
  readonly glyphs: Glyphs;
  state(): AppState;
  /** Applies an action and draws. */
  dispatch(a: AppAction): void;
  /** Applies an action without drawing: what a renderer settled on while drawing (a clamped scroll). */
  settle(a: AppAction): void;
  readonly model: DashboardModel;
  readonly flash: FlashModel;
  readonly ops: ConsoleOps;
  /** The bulk add from a file: its hosts as the bulk screen shows them, and its steps. */
  readonly bulk: BulkController;
  /** The key being handled (one binding serves ← and →). */
  pressedKey(): string | undefined;
  /** Rows PgUp and PgDn move. */
  page(): number;
}

/** A titled group of keys on the help screen. */
export interface HelpSection {
  title: string;
  bindings: KeyBinding[];
}

/** Up, down, page, first and last, each moving by a number of rows (±Infinity: to the end). */
export function moveKeys(
  ctx: Pick<ScreenContext, 'page'>,
  move: (delta: number) => void,
  visible = false,
): KeyBinding[] {
  return [
    { keys: ['up', 'k'], label: 'Up', help: 'Move up', visible, handler: () => move(-1) },
    { keys: ['down', 'j'], label: 'Down', help: 'Move down', visible, handler: () => move(1) },
    { keys: ['pageup'], label: 'Page up', visible: false, handler: () => move(-ctx.page()) },
    { keys: ['pagedown'], label: 'Page down', visible: false, handler: () => move(ctx.page()) },
    { keys: ['home', 'g'], label: 'First', help: 'First row', visible: false, handler: () => move(-Infinity) },
    { keys: ['end', 'S-g'], label: 'Last', help: 'Last row', visible: false, handler: () => move(Infinity) },
  ];
}

/** Moving keys that scroll the screen on top. */
export function scrollKeys(ctx: Pick<ScreenContext, 'page' | 'dispatch'>): KeyBinding[] {
  return moveKeys(ctx, (delta) => ctx.dispatch({ type: 'scroll', delta }));
}

/** ← and → in one binding, so footer and help name them once: `←→ Tab`. */
export function tabKeys(ctx: Pick<ScreenContext, 'glyphs' | 'pressedKey'>, move: (delta: number) => void): KeyBinding {
  return {
    keys: ['left', 'right'],
    display: ctx.glyphs.enter === '⏎' ? '←→' : 'Left/Right',
    label: 'Tab',
    help: 'Previous or next inventory tab',
    handler: () => move(ctx.pressedKey() === 'left' ? -1 : 1),
  };
}

/** `?`: the help screen. */
export function helpKey(ctx: Pick<ScreenContext, 'dispatch'>): KeyBinding {
  return {
    keys: ['?'],
    label: 'Help',
    side: 'right',
    help: 'Every key of every screen',
    handler: () => ctx.dispatch({ type: 'openHelp' }),
  };
}

/** `q` and Ctrl-C at the footer's right. */
export function quitKey(ctx: Pick<ScreenContext, 'ops'>): KeyBinding {
  return {
    keys: ['q', 'C-c'],
    label: '',
    help: 'Quit (asks while a host is being added)',
    side: 'right',
    handler: () => ctx.ops.quit(),
  };
}

/** Ctrl-C alone, where `q` is typed text or means Back. */
export function ctrlCKey(ctx: Pick<ScreenContext, 'ops'>, help?: string): KeyBinding {
  return { keys: ['C-c'], label: 'Quit', ...(help ? { help } : {}), visible: false, handler: () => ctx.ops.quit() };
}
