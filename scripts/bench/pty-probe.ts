/**
 * A compiled console in a real pseudo-terminal, read back through a headless
 * terminal emulator, timed at the byte: a wait resolves with the arrival time
 * of the very chunk after which the screen first satisfied the condition, so
 * no polling interval ends up in a figure.
 */
import pty from '@lydell/node-pty';
import xterm from '@xterm/headless';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from './lib.js';

const { Terminal } = xterm;

/** Variables of the calling terminal that would change what the console draws: the probe sets the terminal itself. */
const INHERITED_TERMINAL = new Set(['LC_ALL', 'LC_CTYPE', 'NO_COLOR', 'COLORTERM', 'TMUX', 'STY']);

/** When a chunk arrived (performance.now()) and how many bytes had arrived with it. */
export interface Seen {
  at: number;
  bytes: number;
}

/** How to start a console. */
export interface ProbeOptions {
  script: string;
  args?: string[];
  term: string;
  cols?: number;
  rows?: number;
  env?: Record<string, string>;
}

/** A console under measurement. */
export class PtyProbe {
  /** performance.now() at spawn. */
  readonly startedAt: number;
  private readonly term: InstanceType<typeof Terminal>;
  private readonly proc: pty.IPty;
  private total = 0;
  /** When the first byte arrived (performance.now()), or null before any. */
  firstByteAt: number | null = null;
  private waiters = new Set<(seen: Seen) => void>();
  private exitCode: number | null = null;

  constructor(opts: ProbeOptions) {
    const cols = opts.cols ?? 80;
    const rows = opts.rows ?? 24;
    this.term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !INHERITED_TERMINAL.has(k)) env[k] = v;
    Object.assign(env, { TERM: opts.term, LANG: 'C.UTF-8' }, opts.env ?? {});
    this.startedAt = performance.now();
    this.proc = pty.spawn(process.execPath, [opts.script, ...(opts.args ?? [])], {
      name: opts.term,
      cols,
      rows,
      cwd: REPO_ROOT,
      env,
      encoding: null,
    });
    this.proc.onData((data: string | Buffer) => {
      const at = performance.now();
      this.firstByteAt ??= at;
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      this.total += buf.length;
      const seen = { at, bytes: this.total };
      this.term.write(buf, () => {
        for (const w of [...this.waiters]) w(seen);
      });
    });
    this.proc.onExit(({ exitCode }) => {
      this.exitCode = exitCode;
    });
  }

  /** Process id of the console. */
  get pid(): number {
    return this.proc.pid;
  }

  /** Bytes the console has written so far. */
  get bytes(): number {
    return this.total;
  }

  /** The visible screen as one string. */
  screen(): string {
    const b = this.term.buffer.active;
    const out: string[] = [];
    for (let i = 0; i < this.term.rows; i++)
      out.push(b.getLine(b.viewportY + i)?.translateToString(true, 0, this.term.cols) ?? '');
    return out.join('\n');
  }

  /** Resolves with the arrival time of the chunk after which pred first held, and the bytes written up to it (now, if it already holds). */
  until(pred: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<Seen> {
    if (pred(this.screen())) return Promise.resolve({ at: performance.now(), bytes: this.total });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(
          new Error(
            `no ${what} within ${timeoutMs} ms${this.exitCode !== null ? ` (exited ${this.exitCode})` : ''}. Screen:\n${this.screen()}`,
          ),
        );
      }, timeoutMs);
      const check = (seen: Seen) => {
        if (!pred(this.screen())) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(seen);
      };
      this.waiters.add(check);
    });
  }

  /** Writes raw bytes to the console's input. */
  write(data: string): void {
    this.proc.write(data);
  }

  /** Kills the console and frees the emulator. */
  dispose(): void {
    try {
      this.proc.kill('SIGKILL');
    } catch {
      // Already gone.
    }
    this.term.dispose();
  }
}
