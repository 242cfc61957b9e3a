/**
 * A keyboard input stream for blessed that reassembles escape sequences
 * split across reads. On serial lines, terminal servers and IPMI
 * serial-over-LAN the bytes of one key (`ESC [ 2 1 ~` for F10) often arrive
 * in separate reads, with 60-80 ms or more between them, and blessed parses
 * each read on its own: F10 becomes `2`, `1`, `~`. This stream holds an
 * incomplete sequence until it is complete, or until no byte has come for
 * the escape delay (200 ms by default; `--escape-delay`, or the
 * QUANTIX_ESCAPE_DELAY environment variable). Then a lone Esc is passed on
 * as Escape, a cut sequence is dropped, and its tail, if it turns up later,
 * is dropped too: the rest of a key never acts as keys of its own.
 */
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { BusyTracker } from './idle.js';
import { keyPattern, translateKeys } from './keymap.js';

/** Default escape delay: how long an incomplete escape sequence waits for its next byte, in milliseconds. */
export const ESCAPE_HOLD_MS = 200;

/** Smallest and largest escape delay accepted (ms). */
export const ESCAPE_DELAY_MIN_MS = 10;
/** Largest escape delay accepted (ms). */
export const ESCAPE_DELAY_MAX_MS = 5_000;

/** The environment variable that sets the escape delay when the option is absent. */
export const ESCAPE_DELAY_ENV = 'QUANTIX_ESCAPE_DELAY';

/** After a sequence was given up, how long its tail is still recognised and dropped (ms). */
export const LATE_TAIL_MS = 1_000;

/** Longest incomplete sequence held; longer input is no key and is dropped. */
export const MAX_HELD_CHARS = 32;

/**
 * The escape delay from `--escape-delay` (value) or the environment:
 * milliseconds, or an error message for a usage error.
 */
export function parseEscapeDelay(
  value: string | undefined,
  env: Record<string, string | undefined>,
): { ok: true; ms: number } | { ok: false; error: string } {
  const fromEnv = value === undefined;
  const raw = fromEnv ? env[ESCAPE_DELAY_ENV] : value;
  if (raw === undefined || (fromEnv && raw.trim() === '')) return { ok: true, ms: ESCAPE_HOLD_MS };
  const ms = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(ms) || ms < ESCAPE_DELAY_MIN_MS || ms > ESCAPE_DELAY_MAX_MS) {
    const shown = JSON.stringify(raw.slice(0, 20));
    return {
      ok: false,
      error: `${fromEnv ? ESCAPE_DELAY_ENV : '--escape-delay'} takes milliseconds from ${ESCAPE_DELAY_MIN_MS} to ${ESCAPE_DELAY_MAX_MS} (got ${shown})`,
    };
  }
  return { ok: true, ms };
}

/**
 * Length of the incomplete escape sequence at the end of s (0 when s ends
 * with complete input). Recognised shapes: `ESC`, `ESC ESC`, `ESC O`,
 * `ESC [` + parameters, `ESC [ [` (Linux console F1–F5), `ESC ]`/`ESC P`
 * strings are not expected from a keyboard and pass through.
 */
export function incompleteEscapeTail(s: string): number {
  const at = s.lastIndexOf('\x1b');
  if (at < 0) return 0;
  let tail = s.slice(at);
  // An Esc typed before an escape sequence (Alt+F4 style) belongs to it.
  if (at > 0 && s[at - 1] === '\x1b') tail = s.slice(at - 1);
  const body = tail.replace(/^\x1b+/, '');
  if (body === '') return tail.length;
  if (body === 'O' || body === '[' || body === '[[') return tail.length;
  if (body[0] === '[') {
    // CSI: parameters and intermediates until a final byte 0x40–0x7E.
    const rest = body[1] === '[' ? body.slice(2) : body.slice(1);
    if (/^[0-9;:<=>?]*$/.test(rest) && body[1] !== '[') return tail.length;
  }
  return 0;
}

/**
 * How many characters at the start of text complete prefix (a sequence
 * given up on: `ESC`, `ESC O`, `ESC [ 2`) into one whole `ESC O x`,
 * `ESC [ [ x` or CSI sequence: 0 when text does not continue it, -1 when
 * text continues it but the sequence is still incomplete.
 */
export function lateTailLength(prefix: string, text: string): number {
  const joined = prefix + text;
  const m = /^\x1b+(O.|\[\[.|\[[0-9;:<=>?]*[ -/]*[@-~])/.exec(joined);
  if (m) {
    const n = m[0].length - prefix.length;
    return n > 0 && !text.slice(0, n).includes('\x1b') ? n : 0;
  }
  if (!/^\x1b+[O[]/.test(joined) || text.includes('\x1b')) return 0;
  return incompleteEscapeTail(joined) === joined.length ? -1 : 0;
}

/** The input stream handed to blessed; raw mode and pause/resume reach the real terminal. */
export interface KeyInput extends PassThrough {
  isTTY: boolean;
  isRaw: boolean;
  setRawMode(mode: boolean): KeyInput;
  /** Rewrites whole sequences before blessed sees them (the terminal's keys, see keymap.ts). */
  setTranslations(map: ReadonlyMap<string, string>): void;
  /** Stops reading from the source (lets the process exit). */
  detach(): void;
}

/**
 * Wraps source (normally process.stdin) so that blessed only ever sees whole
 * escape sequences. holdMs is the escape delay: how long an incomplete
 * sequence waits for its next byte.
 */
export function createKeyInput(
  source: NodeJS.ReadStream,
  opts: { holdMs?: number; now?: () => number; busy?: BusyTracker } = {},
): KeyInput {
  const holdMs = opts.holdMs ?? ESCAPE_HOLD_MS;
  const now = opts.now ?? Date.now;
  const out = new PassThrough() as KeyInput;
  const decoder = new StringDecoder('utf8');
  let held = '';
  let timer: NodeJS.Timeout | null = null;
  // While a sequence is held the console is busy: its key is still to come.
  let holding: (() => void) | null = null;
  const setHold = (on: boolean) => {
    if (on && !holding) holding = opts.busy?.begin() ?? null;
    if (!on && holding) {
      holding();
      holding = null;
    }
  };
  // A sequence given up on, whose tail is still to be dropped until lateUntil.
  let late: string | null = null;
  let lateUntil = 0;

  let translations: ReadonlyMap<string, string> = new Map();
  let pattern: RegExp | null = null;

  const emit = (s: string) => {
    if (s) out.write(Buffer.from(translateKeys(s, translations, pattern), 'utf8'));
  };
  const giveUp = (s: string) => {
    late = s;
    lateUntil = now() + LATE_TAIL_MS;
  };
  // No byte for the escape delay: a lone Esc (or two) is a key; a cut sequence is dropped.
  const flush = () => {
    timer = null;
    const s = held;
    held = '';
    if (/^\x1b+$/.test(s)) emit(s);
    giveUp(s);
    setHold(false);
  };
  const onData = (chunk: Buffer | string) => {
    if (opts.busy) {
      // Handling this read, and drawing what it changes, is work in progress until the next turn of the loop.
      opts.busy.consumed(typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
      setImmediate(opts.busy.begin());
    }
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (late !== null && held === '') {
      const prefix = late;
      late = null;
      if (now() <= lateUntil) {
        const n = lateTailLength(prefix, text);
        if (n < 0) {
          // The tail itself arrives in pieces: keep waiting for the rest of it.
          if (prefix.length + text.length <= MAX_HELD_CHARS) {
            late = prefix + text;
            lateUntil = now() + LATE_TAIL_MS;
          }
          return;
        }
        text = text.slice(n);
      }
    }
    const s = held + text;
    const n = incompleteEscapeTail(s);
    emit(s.slice(0, s.length - n));
    held = n > 0 ? s.slice(s.length - n) : '';
    if (held.length > MAX_HELD_CHARS) {
      // No key is this long: drop it rather than hold it without end.
      giveUp(held);
      held = '';
    }
    // The delay counts from the latest byte, as curses' ESCDELAY does.
    if (timer) clearTimeout(timer);
    timer = held ? setTimeout(flush, holdMs) : null;
    setHold(held !== '');
  };
  source.on('data', onData);

  out.isTTY = source.isTTY;
  out.isRaw = false;
  out.setRawMode = (mode: boolean) => {
    if (typeof source.setRawMode === 'function' && source.isTTY) source.setRawMode(mode);
    out.isRaw = mode;
    return out;
  };
  // blessed pauses its input on destroy and resumes it on start; the real source must follow.
  const pause = out.pause.bind(out);
  const resume = out.resume.bind(out);
  out.pause = () => {
    source.pause();
    return pause();
  };
  out.resume = () => {
    source.resume();
    return resume();
  };
  out.setTranslations = (map) => {
    translations = map;
    pattern = keyPattern(map);
  };
  out.detach = () => {
    source.off('data', onData);
    if (timer) clearTimeout(timer);
    timer = null;
    setHold(false);
    source.pause();
  };
  return out;
}
