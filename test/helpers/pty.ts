/**
 * Runs a compiled console from dist/ in a real pseudo-terminal and reads
 * the screen back through a headless terminal emulator, the way a person
 * at a serial console or SSH session would see it. Keys go in as the bytes
 * the chosen TERM sends (or as raw, optionally split, sequences); screen
 * text, output byte counts and the terminal's state on exit come out.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { IDLE_OSC, IDLE_SIGNAL_ENV } from '../../common/tui/idle.js';

const { Terminal } = xterm;
type HeadlessTerminal = InstanceType<typeof Terminal>;

/** Repository root (where dist/ lives). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The TERM values the consoles must work under. */
export const TERMS = ['linux', 'vt100', 'vt220', 'xterm', 'xterm-256color', 'screen', 'tmux-256color'] as const;

/** Function-key sequences by TERM family (terminfo kf1–kf12; see the terminal notes). */
const FKEYS: Record<'linux' | 'vt100' | 'vt220' | 'xterm', Record<string, string>> = {
  linux: {
    F1: '\x1b[[A',
    F2: '\x1b[[B',
    F3: '\x1b[[C',
    F4: '\x1b[[D',
    F5: '\x1b[[E',
    F6: '\x1b[17~',
    F7: '\x1b[18~',
    F8: '\x1b[19~',
    F9: '\x1b[20~',
    F10: '\x1b[21~',
    F11: '\x1b[23~',
    F12: '\x1b[24~',
  },
  vt100: {
    F1: '\x1bOP',
    F2: '\x1bOQ',
    F3: '\x1bOR',
    F4: '\x1bOS',
    F5: '\x1bOt',
    F6: '\x1bOu',
    F7: '\x1bOv',
    F8: '\x1bOl',
    F9: '\x1bOw',
    F10: '\x1bOx',
  },
  vt220: {
    F1: '\x1bOP',
    F2: '\x1bOQ',
    F3: '\x1bOR',
    F4: '\x1bOS',
    F6: '\x1b[17~',
    F7: '\x1b[18~',
    F8: '\x1b[19~',
    F9: '\x1b[20~',
    F10: '\x1b[21~',
    F11: '\x1b[23~',
    F12: '\x1b[24~',
  },
  xterm: {
    F1: '\x1bOP',
    F2: '\x1bOQ',
    F3: '\x1bOR',
    F4: '\x1bOS',
    F5: '\x1b[15~',
    F6: '\x1b[17~',
    F7: '\x1b[18~',
    F8: '\x1b[19~',
    F9: '\x1b[20~',
    F10: '\x1b[21~',
    F11: '\x1b[23~',
    F12: '\x1b[24~',
  },
};

const NAMED: Record<string, string> = {
  Enter: '\r',
  Esc: '\x1b',
  Tab: '\t',
  Backspace: '\x7f',
  Up: '\x1b[A',
  Down: '\x1b[B',
  Right: '\x1b[C',
  Left: '\x1b[D',
  'C-c': '\x03',
};

/** The family whose F-key sequences a TERM uses. */
export function termFamily(term: string): keyof typeof FKEYS {
  if (term === 'linux') return 'linux';
  if (term === 'vt100') return 'vt100';
  if (term === 'vt220') return 'vt220';
  return 'xterm';
}

/** The bytes TERM sends for a named key (`F4`, `Enter`, `Esc`, `Up`, `C-c`); null when it has no such key. */
export function keySequence(term: string, key: string): string | null {
  if (/^F\d+$/.test(key)) return FKEYS[termFamily(term)][key] ?? null;
  return NAMED[key] ?? null;
}

/** How to start a program in the pseudo-terminal. */
export interface PtySpawnOptions {
  /** Script path relative to the repository root (e.g. `dist/host-console/console/main.js`). */
  script: string;
  args?: string[];
  cols?: number;
  rows?: number;
  term?: string;
  /** Locale; `C` for ASCII-only, default `C.UTF-8`. */
  lang?: string;
  noColor?: boolean;
  /** Extra environment (undefined removes a variable). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Run as this user and group (needs root), as another user of the machine would. */
  uid?: number;
  gid?: number;
}

/** What `exit()` reports. */
export interface PtyExit {
  exitCode: number;
  signal: number | undefined;
  /** Normal screen buffer, cursor visible, keypad back in normal mode. */
  restored: boolean;
  normalBuffer: boolean;
  cursorVisible: boolean;
}

/** Options for the wait functions. */
export interface WaitOptions {
  timeoutMs?: number;
}

const POLL_MS = 20;

/** A program running in a pseudo-terminal, with its screen. */
export class PtyProgram {
  readonly term: HeadlessTerminal;
  readonly termName: string;
  /** Milliseconds from spawn to the first output byte, or null before any. */
  firstOutputMs: number | null = null;
  private readonly proc: pty.IPty;
  private readonly started = Date.now();
  private readonly chunks: Buffer[] = [];
  private total = 0;
  private markAt = 0;
  private markChunk = 0;
  private bytesSent = 0;
  /** Input bytes the console had read when it last said it was idle; null before it first did. */
  private idleInputBytes: number | null = null;
  /** Idle markers received so far. */
  private idleMarks = 0;
  private idleCarry = '';
  private cursorVisible = true;
  private exitInfo: { exitCode: number; signal: number | undefined } | null = null;
  private readonly exited: Promise<{ exitCode: number; signal: number | undefined }>;

  constructor(opts: PtySpawnOptions) {
    const cols = opts.cols ?? 80;
    const rows = opts.rows ?? 24;
    this.termName = opts.term ?? 'xterm-256color';
    // The title stack (CSI 22 t / 23 t) on, as in xterm itself, so a program's title restore can be checked.
    this.term = new Terminal({
      cols,
      rows,
      allowProposedApi: true,
      scrollback: 0,
      windowOptions: { pushTitle: true, popTitle: true },
    });
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'h' }, (params) => {
      if (params.includes(25)) this.cursorVisible = true;
      return false;
    });
    this.term.parser.registerCsiHandler({ prefix: '?', final: 'l' }, (params) => {
      if (params.includes(25)) this.cursorVisible = false;
      return false;
    });
    const dropped = new Set(['LC_ALL', 'LC_CTYPE', 'NO_COLOR', 'COLORTERM', 'TMUX', 'STY']);
    const base = new Map<string, string | undefined>(Object.entries(process.env).filter(([k]) => !dropped.has(k)));
    base.set('TERM', this.termName);
    base.set('LANG', opts.lang ?? 'C.UTF-8');
    base.set(IDLE_SIGNAL_ENV, '1');
    if (opts.noColor) base.set('NO_COLOR', '1');
    for (const [k, v] of Object.entries(opts.env ?? {})) base.set(k, v);
    const env: Record<string, string> = {};
    for (const [k, v] of base) if (v !== undefined) env[k] = v;
    this.proc = pty.spawn(process.execPath, [path.resolve(REPO_ROOT, opts.script), ...(opts.args ?? [])], {
      name: this.termName,
      cols,
      rows,
      cwd: opts.cwd ?? REPO_ROOT,
      env,
      encoding: null,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    this.proc.onData((data: string | Buffer) => {
      const buf = this.takeIdleMarkers(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      if (buf.length === 0) return;
      if (this.firstOutputMs === null) this.firstOutputMs = Date.now() - this.started;
      this.chunks.push(buf);
      this.total += buf.length;
      this.term.write(buf);
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit(({ exitCode, signal }) => {
        this.exitInfo = { exitCode, signal };
        resolve(this.exitInfo);
      });
    });
  }

  /** Process id of the program. */
  get pid(): number {
    return this.proc.pid;
  }

  /** Bytes the program wrote to the terminal in total. */
  get bytes(): number {
    return this.total;
  }

  /** Starts a new measurement window for bytesSinceMark/outputSinceMark. */
  mark(): void {
    this.markAt = this.total;
    this.markChunk = this.chunks.length;
  }

  /** Bytes written since the last mark. */
  bytesSinceMark(): number {
    return this.total - this.markAt;
  }

  /** Every byte written so far. */
  output(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** The bytes written since the last mark. */
  outputSinceMark(): Buffer {
    return Buffer.concat(this.chunks.slice(this.markChunk));
  }

  /** Resolves once the emulator has parsed everything received so far. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.term.write('', resolve));
  }

  /** The visible screen as lines (right-trimmed). */
  screenText(): string[] {
    const b = this.term.buffer.active;
    const out: string[] = [];
    // Cut at the current width: after a shrink, cells beyond it can survive in the emulator's line data.
    for (let i = 0; i < this.term.rows; i++)
      out.push(b.getLine(b.viewportY + i)?.translateToString(true, 0, this.term.cols) ?? '');
    return out;
  }

  /** The visible screen as one string. */
  screen(): string {
    return this.screenText().join('\n');
  }

  /** Waits until pred holds, polling; fails with what was awaited and the current screen. */
  async waitFor<T>(pred: () => T | null | undefined | false, what: string, opts: WaitOptions = {}): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    for (;;) {
      await this.flush();
      const v = pred();
      if (v) return v;
      if (this.exitInfo)
        throw new Error(
          `program exited (code ${this.exitInfo.exitCode}) while waiting for ${what}. Screen:\n${this.screen()}`,
        );
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${opts.timeoutMs ?? 10_000} ms waiting for ${what}. Screen:\n${this.screen()}`,
        );
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  /** Waits until the screen shows pattern; returns the regex match (or the matching string). */
  async waitForText(pattern: RegExp | string, opts: WaitOptions = {}): Promise<RegExpMatchArray> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    return this.waitFor(() => this.screen().match(re), `screen text ${re}`, opts);
  }

  /** Waits until the screen no longer shows pattern. */
  async waitForNoText(pattern: RegExp | string, opts: WaitOptions = {}): Promise<void> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    await this.waitFor(() => !re.test(this.screen()), `screen text ${re} to disappear`, opts);
  }

  /** Writes raw bytes to the program's terminal input. */
  write(data: string): void {
    this.send(data);
  }

  /**
   * Removes the console's idle markers from its output (they are test-only:
   * byte budgets and the screen never see them) and notes the latest.
   */
  private takeIdleMarkers(buf: Buffer): Buffer {
    const start = `\x1b]${IDLE_OSC};`;
    let s = this.idleCarry + buf.toString('latin1');
    this.idleCarry = '';
    let out = '';
    for (;;) {
      const i = s.indexOf(start);
      if (i < 0) {
        // A marker cut at the end of this read: keep its start for the next.
        const j = s.lastIndexOf('\x1b');
        const cut = j >= 0 && start.startsWith(s.slice(j));
        out += cut ? s.slice(0, j) : s;
        if (cut) this.idleCarry = s.slice(j);
        break;
      }
      const end = s.indexOf('\x07', i);
      if (end < 0) {
        out += s.slice(0, i);
        this.idleCarry = s.slice(i);
        break;
      }
      const m = /^idle;(\d+)$/.exec(s.slice(i + start.length, end));
      if (m) {
        this.idleInputBytes = Number(m[1]);
        this.idleMarks++;
      }
      out += s.slice(0, i);
      s = s.slice(end + 1);
    }
    return Buffer.from(out, 'latin1');
  }

  private send(data: string): void {
    this.bytesSent += Buffer.byteLength(data);
    this.proc.write(data);
  }

  /**
   * Waits until the console says it is idle (see common/tui/idle.ts) after
   * reading every byte sent to it so far: the keys were handled, requests
   * they started have answered and the screen is drawn.
   */
  async waitForSettled(opts: WaitOptions = {}): Promise<void> {
    await this.waitFor(
      () => this.idleInputBytes !== null && this.idleInputBytes >= this.bytesSent,
      `the console to be idle after ${this.bytesSent} input bytes (last idle after ${this.idleInputBytes ?? 'none'})`,
      opts,
    );
    await this.flush();
  }

  /**
   * Waits for the console's next idle marker, for a change no input caused
   * (a resize, a timer's repaint) that is already showing: the console
   * writes the marker after the bytes of that redraw, so once it arrives
   * the whole redraw has too.
   */
  async waitForNextSettled(opts: WaitOptions = {}): Promise<void> {
    const seen = this.idleMarks;
    await this.waitFor(() => this.idleMarks > seen, `the console's next idle marker (${seen} so far)`, opts);
    await this.flush();
  }

  /**
   * Presses keys: names (`F4`, `Enter`, `Esc`, `Up`, `C-c`) are sent as
   * this TERM's sequences, `{raw: '…'}` as given, anything else as typed text.
   */
  press(...keys: Array<string | { raw: string }>): void {
    for (const k of keys) {
      if (typeof k !== 'string') this.send(k.raw);
      else {
        const seq = keySequence(this.termName, k);
        this.send(seq ?? k);
      }
    }
  }

  /**
   * Sends a key sequence in pieces, gapMs apart, as a slow serial line,
   * terminal server or IPMI serial-over-LAN session does: cut before each
   * offset in `at` (one offset: two reads). The gap is the condition under
   * test, not a wait.
   */
  async pressSplit(key: string, at: number | number[], gapMs = 15): Promise<void> {
    const seq = keySequence(this.termName, key) ?? key;
    const cuts = [0, ...(Array.isArray(at) ? at : [at]), seq.length];
    for (let i = 0; i + 1 < cuts.length; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, gapMs));
      this.send(seq.slice(cuts[i], cuts[i + 1]));
    }
  }

  /** Resizes the pseudo-terminal and the emulator (the program gets SIGWINCH). */
  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
    this.proc.resize(cols, rows);
  }

  /** Sends a signal to the program. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    try {
      this.proc.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** True once the program has exited. */
  get hasExited(): boolean {
    return this.exitInfo !== null;
  }

  /**
   * Waits for the program to end (sending signal first when given) and
   * reports its exit code and whether it left the terminal as it found it.
   */
  async exit(opts: { signal?: NodeJS.Signals; timeoutMs?: number } = {}): Promise<PtyExit> {
    if (opts.signal && !this.exitInfo) this.kill(opts.signal);
    const timeoutMs = opts.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const info = await Promise.race([
      this.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`program did not exit within ${timeoutMs} ms. Screen:\n${this.screen()}`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    await this.flush();
    const normalBuffer = this.term.buffer.active.type === 'normal';
    const cursorVisible = this.cursorVisible;
    const keypadNormal = !this.term.modes.applicationKeypadMode;
    return { ...info, normalBuffer, cursorVisible, restored: normalBuffer && cursorVisible && keypadNormal };
  }

  /** Kills the program if it still runs and frees the emulator (for afterEach/afterAll). */
  async dispose(): Promise<void> {
    if (!this.exitInfo) {
      this.kill('SIGKILL');
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 2_000))]);
    }
    this.term.dispose();
  }
}

/** The footer row(s) of a console's frame: between the last separator and the bottom border, without the frame, rows joined by ` / `. */
export function footerText(screen: readonly string[]): string {
  const rows = screen.filter((l) => l !== '');
  const sep = rows
    .slice(0, -1)
    .map((l, i) => (/^[├+][─-]+[┤+]$/.test(l) ? i : -1))
    .filter((i) => i >= 0)
    .pop();
  if (sep === undefined) return '';
  return rows
    .slice(sep + 1, -1)
    .map((l) => l.slice(1, -1).trim())
    .join(' / ');
}

/** Starts a compiled program in a pseudo-terminal. */
export function spawnInPty(opts: PtySpawnOptions): PtyProgram {
  return new PtyProgram(opts);
}

/**
 * Screen lines as running text: frame borders dropped, each line trimmed,
 * lines joined by one space. A message wrapped over several rows reads
 * back as the one sentence it is.
 */
export function prose(lines: readonly string[]): string {
  return lines
    .map((l) => l.replace(/^[│|+]|[│|+]$/g, '').trim())
    .filter(Boolean)
    .join(' ')
    .replace(/ {2,}/g, ' ');
}
