/**
 * A keyboard input stream for blessed that reassembles escape sequences
 * split across reads. On serial lines and IPMI serial-over-LAN the bytes of
 * one key (`ESC O S` for F4) often arrive in separate reads, and blessed
 * parses each read on its own: F4 becomes Escape, `O`, `S`. This stream
 * holds an incomplete sequence for a short while (50 ms by default) and
 * passes it on whole; a lone Esc still arrives as Escape once the hold ends.
 */
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Default time an incomplete escape sequence is held, in milliseconds. */
export const ESCAPE_HOLD_MS = 50;

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

/** The input stream handed to blessed; raw mode and pause/resume reach the real terminal. */
export interface KeyInput extends PassThrough {
  isTTY: boolean;
  isRaw: boolean;
  setRawMode(mode: boolean): KeyInput;
  /** Stops reading from the source (lets the process exit). */
  detach(): void;
}

/**
 * Wraps source (normally process.stdin) so that blessed only ever sees whole
 * escape sequences. holdMs bounds how long an incomplete one waits.
 */
export function createKeyInput(source: NodeJS.ReadStream, opts: { holdMs?: number } = {}): KeyInput {
  const holdMs = opts.holdMs ?? ESCAPE_HOLD_MS;
  const out = new PassThrough() as KeyInput;
  const decoder = new StringDecoder('utf8');
  let held = '';
  let timer: NodeJS.Timeout | null = null;

  const emit = (s: string) => {
    if (s) out.write(Buffer.from(s, 'utf8'));
  };
  const flush = () => {
    timer = null;
    const s = held;
    held = '';
    emit(s);
  };
  const onData = (chunk: Buffer | string) => {
    const s = held + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    const n = incompleteEscapeTail(s);
    held = n > 0 ? s.slice(s.length - n) : '';
    emit(s.slice(0, s.length - n));
    if (held && !timer) timer = setTimeout(flush, holdMs);
    else if (!held && timer) {
      clearTimeout(timer);
      timer = null;
    }
  };
  source.on('data', onData);

  out.isTTY = source.isTTY === true;
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
  out.detach = () => {
    source.off('data', onData);
    if (timer) clearTimeout(timer);
    timer = null;
    source.pause();
  };
  return out;
}
