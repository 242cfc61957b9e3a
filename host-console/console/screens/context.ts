/**
 * What a screen sees: the state to draw, the clock, the operator's actions
 * (performed by the controller, which alone talks to the agent) and the
 * app's navigation. A screen file exports its key table and its body
 * render in these terms, and nothing else.
 */
import type { KeyBinding } from '../../../common/tui/keys.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { Line } from '../../../common/tui/text.js';
import type { AppAction } from '../app-state.js';
import type { ConsoleState } from '../types.js';

/** Reboot or power off. */
export type PowerAction = 'reboot' | 'poweroff';

/** The operator's actions; each reports its outcome on the status line and rejects on failure. */
export interface ConsoleActions {
  /** Asks the agent again now, inventory included. */
  refresh(): Promise<void>;
  /** Leaves the cluster. */
  leave(): Promise<void>;
  /** Generates a new token (replacing any current one) with the chosen lifetime. */
  generateToken(): Promise<void>;
  /** Chooses the lifetime of the next token, seconds. */
  chooseTokenTtl(seconds: number): void;
  /** Revokes the current token. */
  revokeToken(): Promise<void>;
  /** Reboots or shuts down the host (simulated without --allow-power). */
  power(action: PowerAction): void;
}

/** What key handlers may read and do. */
export interface ScreenContext {
  /** What the agent last reported. */
  readonly state: ConsoleState;
  now(): number;
  /** True while the current token is still valid. */
  tokenActive(): boolean;
  /** Started with --allow-power. */
  allowPower: boolean;
  /** Started with --exitable. */
  exitable: boolean;
  actions: ConsoleActions;
  /** Changes the app state (screen, dialog). */
  dispatch(action: AppAction): void;
  /** Ctrl-L: repaint every cell. */
  redraw: KeyBinding;
  /** Quits the console (only offered with --exitable). */
  exit(): void;
  /** Lines PgUp and PgDn scroll a body by (about a window). */
  page(): number;
}

/** What a screen's body is drawn from. */
export interface BodyInput {
  state: ConsoleState;
  now: number;
  glyphs: Glyphs;
  /** Columns inside the frame. */
  width: number;
  /** Key tables listed on the help screen. */
  helpGroups: ReadonlyArray<{ title: string; bindings: readonly KeyBinding[] }>;
}

/** One screen: its title in the header, its key table (footer and help come from it) and its body. */
export interface Screen {
  title: string;
  /** Its body may be taller than the window and it has the scroll keys (menu.ts, scrollKeys): the frame scrolls it. */
  scrolls?: boolean;
  keys(ctx: ScreenContext): KeyBinding[];
  body(input: BodyInput): Line[];
}
