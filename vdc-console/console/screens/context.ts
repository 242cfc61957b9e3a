/**
 * What a screen is given: the state to read, actions to send, the
 * dashboard model, the status line, and the console's operations, which
 * the controllers carry out. Screens never see the vDC; they ask for an
 * operation by name. Also the key bindings several screens share.
 */
import type { DiscoverResponse, NodeDetail, NodeSummary, SessionResponse } from '../../../common/protocol/vdc-api.js';
import type { FlashModel } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import type { AuditBrowser } from '../controllers/audit.js';
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
  /** Reads the details screen's host's inventory again through the vDC. */
  refreshInventory(): Promise<void>;
  /** True while such a refresh is under way. */
  inventoryRefreshing(): boolean;
  /** Creates a cluster by name and selects it. */
  createCluster(name: string): Promise<void>;
  /** Renames a cluster (its hosts are told by the vDC). */
  renameCluster(id: string, name: string): Promise<void>;
  /** Asks whether to put a host in maintenance (or take it out), then does it. */
  askMaintenance(n: NodeSummary): void;
  /** Lets the operator pick another cluster for a host, then moves it. */
  askMove(n: NodeSummary): void;
  /** Refreshes the dashboard now. */
  refresh(): Promise<void>;
  /** Clears the terminal and paints it all again (Ctrl-L). */
  repaint(): void;
  /** Opens the audit view and reads its newest page. */
  openAudit(): void;
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
  /** The audit view's records, filter and selection. */
  readonly audit: AuditBrowser;
  readonly flash: FlashModel;
  readonly ops: ConsoleOps;
  /** The bulk add from a file: its hosts as the bulk screen shows them, and its steps. */
  readonly bulk: BulkController;
  /** The key being handled (one binding serves ← and →). */
  pressedKey(): string | undefined;
  /** Rows PgUp and PgDn move. */
  page(): number;
  /** Who the vDC takes the console for (the role decides which keys act); null when not known. */
  readonly session: SessionResponse | null;
}

/** Why no change key acts for a viewer token (the footer dims them, help and the status line say this). */
export const VIEWER_READ_ONLY = 'Viewer token: read-only; ask the vDC administrator for an admin API token.';

/** Why the session may not change anything, or null when it may. */
export function roleReason(ctx: Pick<ScreenContext, 'session'>): string | null {
  return ctx.session?.role === 'viewer' ? VIEWER_READ_ONLY : null;
}

/**
 * A key that changes the vDC (adds, removes, creates, moves): disabled with
 * the role's reason for a viewer token, else as the binding says. Every
 * change key of every screen goes through here.
 */
export function changeKey(ctx: Pick<ScreenContext, 'session'>, b: KeyBinding): KeyBinding {
  const own = b.disabledReason;
  return { ...b, disabledReason: () => roleReason(ctx) ?? own?.() ?? null };
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
