/**
 * Screen bootstrap shared by both consoles: capabilities, a blessed screen
 * fed by the escape-reassembling input, one full-screen canvas painted from
 * render lines, the minimum-size guard, Ctrl-L (clear and repaint the
 * whole screen, as in curses programs: kernel messages on a server's
 * console write straight over it), and terminal restoration on every way
 * out (exit, uncaught error, SIGTERM, SIGHUP, SIGINT).
 *
 * While the screen lives, nothing written to stderr reaches the terminal:
 * blessed's terminfo complaints ("Error on xterm-256color.Setulc") and any
 * library warning go to a log file, or nowhere.
 */
import { errorLine } from '../cli/error-line.js';
import { QuantixError } from '../protocol/errors.js';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type blessed from 'blessed';
import { detectCapabilities, type TerminalCaps } from './caps.js';
import { glyphsFor, themeFor, type Glyphs, type Theme } from './glyphs.js';
import { installOutputEconomy } from './economy.js';
import { createKeyInput } from './input.js';
import { busyTrackerFor, type BusyTracker } from './idle.js';
import { keyTranslations, missingFunctionKeys } from './keymap.js';
import type { KeyBinding } from './keys.js';
import { toTagged, truncate, type Line } from './text.js';

// Only the three parts of blessed the consoles use: its index loads every one of its 40 widgets at start.
const requireBlessed = createRequire(import.meta.url);
const blessedScreen = requireBlessed('blessed/lib/widgets/screen') as (
  opts: blessed.Widgets.IScreenOptions,
) => blessed.Widgets.Screen;
const blessedBox = requireBlessed('blessed/lib/widgets/box') as (
  opts: blessed.Widgets.BoxOptions,
) => blessed.Widgets.BoxElement;
type CapabilityFunction = (this: unknown, ...args: unknown[]) => unknown;
type CapabilityCompiler = (this: unknown, info: unknown, key: string, str: unknown) => unknown;
// blessed compiles every string capability of the terminal (about 400, with `new Function`) when the screen starts,
// and the consoles use a few dozen: each is compiled on its first use instead, by blessed's own compiler.
const tput = (requireBlessed('blessed/lib/tput') as { prototype: Record<'_compile', unknown> }).prototype;
const compileNow = tput._compile as CapabilityCompiler;
tput._compile = function (this: unknown, info: unknown, key: string, str: unknown): unknown {
  if (typeof str !== 'string' || str === '' || key === 'init_file' || key === 'reset_file')
    return compileNow.call(this, info, key, str);
  let compiled: CapabilityFunction | undefined;
  // An arrow keeps blessed's Tput as `this` for the compiler; the capability itself is called with its caller's.
  const compileOnce = (): CapabilityFunction =>
    (compiled ??= compileNow.call(this, info, key, str) as CapabilityFunction);
  return function (this: unknown, ...args: unknown[]): unknown {
    return compileOnce().apply(this, args);
  };
};

const blessedHelpers = requireBlessed('blessed/lib/helpers') as { escape: unknown };
const blessedEscape = blessedHelpers.escape as (text: string) => string;

/** Smallest usable terminal. */
export const MIN_COLS = 80;
/** Smallest usable terminal. */
export const MIN_ROWS = 24;

/** Options for createScreen. */
export interface CreateScreenOptions {
  /** Window title, set only on xterm-like terminals. */
  title?: string;
  /** The program's name, which starts the error line printed when it stops on an unexpected error. */
  program?: string;
  env?: NodeJS.ProcessEnv;
  input?: NodeJS.ReadStream;
  output?: NodeJS.WriteStream;
  /**
   * File that receives everything written to stderr while the screen lives;
   * null drops it. Only applies when stderr is the terminal itself: a
   * stderr redirected elsewhere (a journal, a file) is left alone.
   */
  stderrLog?: string | null;
  minCols?: number;
  minRows?: number;
  /** Hold time for incomplete escape sequences (ms). */
  escapeHoldMs?: number;
  /** Called once with the error when the process dies of an uncaught error, just before the terminal is restored. */
  onFatal?: (err: unknown) => void;
}

/** A running full-screen terminal application. */
export interface TuiApp {
  screen: blessed.Widgets.Screen;
  caps: TerminalCaps;
  glyphs: Glyphs;
  theme: Theme;
  /** F-keys this terminal type lacks (terminfo): footers show the digit beside them. */
  missingKeys: ReadonlySet<string>;
  /** Where a logger may write without touching the screen: the stderr log, stderr itself when it is not the terminal, or null (drop). */
  logFd: number | null;
  /** Current size. */
  size(): { cols: number; rows: number };
  /** True below the minimum size: screens then show only the request to enlarge. */
  tooSmall(): boolean;
  /**
   * Paints full-screen lines. Only a changed content reaches blessed, and
   * blessed writes only the cells that differ from what is on the terminal.
   * Below the minimum size the lines are replaced by one line asking to enlarge.
   */
  paint(lines: Line[]): void;
  /**
   * Clears the terminal and paints every cell again, whatever blessed
   * believes is on it (Ctrl-L, from any screen and dialog).
   */
  repaint(): void;
  /**
   * Work in progress that will change the screen (requests, timers that
   * redraw): count it here so tests can wait for the console to be idle.
   */
  busy: BusyTracker;
  /** Subscribes to key events (blessed's `keypress`); Ctrl-L never reaches them, it repaints. */
  onKey(handler: (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => void): void;
  /** Subscribes to size changes (after blessed has resized its buffers). */
  onResize(handler: () => void): void;
  /** Restores the terminal and exits the process with code. */
  exit(code?: number): void;
  /** Restores the terminal without exiting (idempotent). */
  destroy(): void;
}

/** The one line shown when the terminal is below the minimum size. */
export function tooSmallLine(cols: number, rows: number, minCols: number, minRows: number, g: Glyphs): string {
  return truncate(
    `Enlarge the terminal to at least ${minCols}${g.times}${minRows} (now ${cols}${g.times}${rows}).`,
    cols,
    g.ellipsis,
  );
}

/** Ctrl-L for a key table, so that help lists it; the screen handles the key itself, on every screen and dialog. */
export function redrawBinding(app: Pick<TuiApp, 'repaint'>): KeyBinding {
  return {
    keys: ['C-l'],
    label: 'Redraw',
    help: 'Redraw the whole screen (after console messages)',
    visible: false,
    handler: () => app.repaint(),
  };
}

/** Redirects process.stderr writes to a file (or nowhere); returns the fd and a restore function. */
function captureStderr(logPath: string | null | undefined): { fd: number | null; restore: () => void } {
  let fd: number | null = null;
  if (logPath) {
    try {
      fs.mkdirSync(path.dirname(logPath), { recursive: true, mode: 0o700 });
      fd = fs.openSync(logPath, 'a', 0o600);
    } catch {
      fd = null;
    }
  }
  const stderr = process.stderr;
  // Kept only to be put back on stderr as it was; never called on its own.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = stderr.write;
  const replacement = function (this: unknown, chunk: unknown, enc?: unknown, cb?: unknown): boolean {
    if (fd !== null) {
      try {
        if (typeof chunk === 'string') fs.writeSync(fd, chunk);
        else fs.writeSync(fd, chunk as Uint8Array);
      } catch {
        // A full disk must not take the console down; the message is lost.
      }
    }
    const done = typeof enc === 'function' ? enc : cb;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
  stderr.write = replacement;
  return {
    fd,
    restore: () => {
      if (stderr.write === (replacement as typeof stderr.write)) stderr.write = original;
      if (fd !== null) {
        try {
          fs.closeSync(fd);
        } catch {
          // Already closed.
        }
        fd = null;
      }
    },
  };
}

/** Creates the screen, takes over the terminal, and arranges for it to be restored on every exit path. */
export function createScreen(opts: CreateScreenOptions = {}): TuiApp {
  const env = opts.env ?? process.env;
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const minCols = opts.minCols ?? MIN_COLS;
  const minRows = opts.minRows ?? MIN_ROWS;
  const caps = detectCapabilities(env);
  const glyphs = glyphsFor(caps);
  const theme = themeFor(caps);

  const stderrIsTerminal = process.stderr.isTTY;
  const captured = stderrIsTerminal ? captureStderr(opts.stderrLog) : { fd: 2, restore: () => {} };
  const busy = busyTrackerFor(env, output);
  // Starting up is work too: the console's first requests begin before this ends.
  setImmediate(busy.begin());
  const keyInput = createKeyInput(
    input,
    opts.escapeHoldMs === undefined ? { busy } : { holdMs: opts.escapeHoldMs, busy },
  );

  const screen = blessedScreen({
    input: keyInput as unknown as NodeJS.ReadableStream,
    output,
    terminal: caps.term,
    forceUnicode: caps.unicode,
    fullUnicode: false,
    smartCSR: false,
    fastCSR: false,
    useBCE: false,
    autoPadding: false,
    warnings: false,
    sendFocus: false,
    dockBorders: false,
    resizeTimeout: 100,
  } as unknown as blessed.Widgets.IScreenOptions);
  installOutputEconomy(screen);
  // The keys this terminal type sends, as terminfo says, in the names blessed gives them.
  const terminfo = (screen.program as unknown as { tput?: { strings?: Record<string, unknown> } }).tput?.strings ?? {};
  keyInput.setTranslations(keyTranslations(terminfo));
  const missingKeys = missingFunctionKeys(terminfo);
  // The title is pushed on xterm's title stack first and popped on exit, so the terminal's own title comes back.
  const program = screen.program as unknown as {
    _twrite(text: string): unknown;
    put: { sgr0(): void };
    csr(top: number, bottom: number): void;
    hideCursor(): void;
    cursorHidden: boolean;
  };
  const titled = caps.xtermLike && Boolean(opts.title);
  if (titled) {
    program._twrite('\x1b[22;0t');
    screen.title = opts.title!;
  }

  const canvas = blessedBox({
    parent: screen,
    top: 0,
    left: 0,
    width: '100%',
    height: '100%',
    tags: true,
    wrap: false,
    scrollable: false,
  });

  let lastContent: string | null = null;
  let destroyed = false;

  const size = () => ({ cols: screen.width as number, rows: screen.height as number });
  const tooSmall = () => {
    const { cols, rows } = size();
    return cols < minCols || rows < minRows;
  };

  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    try {
      if (titled) program._twrite('\x1b[23;0t');
      screen.destroy();
    } catch {
      // The terminal may be gone (SIGHUP); nothing left to restore.
    }
    keyInput.detach();
    captured.restore();
  };

  const repaint = () => {
    if (destroyed) return;
    // What a console message may have changed: attributes and the scroll region; then clear and draw every cell.
    program.put.sgr0();
    program.csr(0, (screen.height as number) - 1);
    if (program.cursorHidden) program.hideCursor();
    screen.realloc();
    screen.render();
  };
  screen.on('keypress', (_ch: unknown, key: { full?: string } | undefined) => {
    if (key?.full === 'C-l') repaint();
  });

  const exit = (code = 0) => {
    destroy();
    process.exit(code);
  };

  const fatal = (err: unknown) => {
    // Logged first: restoring the terminal closes the file that stderr and the log write to.
    try {
      opts.onFatal?.(err);
    } catch {
      // The terminal is restored and the process ends whatever the log did.
    }
    destroy();
    const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
    const stopped = new QuantixError('INTERNAL', {
      message: `Unexpected error, the console stopped: ${msg}`,
      hint: 'The details are in its log file; start it again.',
    });
    process.stderr.write(`${errorLine(opts.program ?? 'quantix-console', stopped)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
    ['SIGQUIT', 131],
  ];
  for (const [sig, code] of signals) process.on(sig, () => exit(code));
  process.on('exit', destroy);

  return {
    screen,
    caps,
    glyphs,
    theme,
    missingKeys,
    logFd: captured.fd,
    busy,
    size,
    tooSmall,
    paint(lines: Line[]) {
      if (destroyed) return;
      const { cols, rows } = size();
      const content = tooSmall()
        ? blessedEscape(tooSmallLine(cols, rows, minCols, minRows, glyphs))
        : lines
            .slice(0, rows)
            .map((l) => toTagged(l, theme))
            .join('\n');
      if (content === lastContent) return;
      lastContent = content;
      canvas.setContent(content);
      screen.render();
    },
    repaint,
    onKey(handler) {
      screen.on('keypress', (ch: string | undefined, key: blessed.Widgets.Events.IKeyEventArg | undefined) => {
        if (key?.full !== 'C-l') handler(ch, key);
      });
    },
    onResize(handler) {
      screen.on('resize', () => {
        lastContent = null;
        handler();
      });
    },
    exit,
    destroy,
  };
}
