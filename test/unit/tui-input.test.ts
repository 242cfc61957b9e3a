import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createKeyInput,
  ESCAPE_HOLD_MS,
  incompleteEscapeTail,
  LATE_TAIL_MS,
  lateTailLength,
  MAX_HELD_CHARS,
  parseEscapeDelay,
} from '../../common/tui/input.js';

describe('incompleteEscapeTail', () => {
  it.each([
    // input, length of the held tail
    ['\x1b', 1], // lone Esc: may be the start of a sequence
    ['\x1bO', 2], // vt100/xterm F1–F4 prefix
    ['\x1b[', 2],
    ['\x1b[[', 3], // Linux console F1–F5 prefix
    ['\x1b[2', 3], // F10 = ESC [21~ cut after the 2
    ['\x1b[21', 4],
    ['\x1b\x1b', 2], // Esc before a sequence stays with it
    ['\x1bOS', 0], // complete F4
    ['\x1b[[D', 0], // complete Linux F4
    ['\x1b[21~', 0], // complete F10
    ['\x1b4', 0], // Esc-4 fallback, complete
    ['ab\x1b', 1], // only the tail is held
    ['abc', 0],
  ])('%j holds %i', (s, n) => {
    expect(incompleteEscapeTail(s)).toBe(n);
  });
});

/** Collects what the wrapped stream emits, as separate chunks. */
function harness(holdMs = 30) {
  const source = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
  const input = createKeyInput(source, { holdMs });
  const chunks: string[] = [];
  input.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
  const until = async (pred: () => boolean, what: string) => {
    const deadline = Date.now() + 2_000;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(chunks)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { source, input, chunks, until };
}

describe('createKeyInput', () => {
  it('joins an escape sequence split across reads into one chunk', async () => {
    const h = harness();
    h.source.write('\x1b');
    h.source.write('OS');
    await h.until(() => h.chunks.length > 0, 'the joined sequence');
    expect(h.chunks).toEqual(['\x1bOS']);
    h.input.detach();
  });

  it('joins a sequence split in three reads', async () => {
    const h = harness();
    h.source.write('\x1b[');
    h.source.write('2');
    h.source.write('1~');
    await h.until(() => h.chunks.length > 0, 'the joined F10 sequence');
    expect(h.chunks).toEqual(['\x1b[21~']);
    h.input.detach();
  });

  it('passes a lone Esc on after the hold', async () => {
    const h = harness();
    h.source.write('\x1b');
    await h.until(() => h.chunks.length > 0, 'the lone Esc');
    expect(h.chunks).toEqual(['\x1b']);
    h.input.detach();
  });

  it('passes ordinary keys through at once and keeps UTF-8 intact across reads', async () => {
    const h = harness();
    h.source.write('g');
    const euro = Buffer.from('€', 'utf8');
    h.source.write(euro.subarray(0, 1));
    h.source.write(euro.subarray(1));
    await h.until(() => h.chunks.join('') === 'g€', 'g and the euro sign');
    h.input.detach();
  });

  it('forwards raw mode to the source only when it is a terminal', () => {
    const h = harness();
    let calls = 0;
    Object.assign(h.source, { isTTY: true, setRawMode: () => calls++ });
    h.input.setRawMode(true);
    expect(calls).toBe(1);
    expect(h.input.isRaw).toBe(true);
    h.input.detach();
  });
});

describe('lateTailLength', () => {
  it.each([
    // prefix given up on, what arrives next, characters that complete it (-1: still incomplete, 0: not a tail)
    ['\x1b', 'OS', 2],
    ['\x1b', 'OSg', 2],
    ['\x1b', '[[D', 3],
    ['\x1b', '[21~', 4],
    ['\x1b', '[2', -1],
    ['\x1b[2', '1~', 2],
    ['\x1bO', 'x', 1],
    ['\x1b', '4', 0], // Esc then a digit is the F-key fallback, not a tail
    ['\x1b', 'g', 0],
    ['\x1b', '\x1bOS', 0], // a new key of its own
    ['\x1b[2', 'q', 1], // any CSI final byte ends the cut sequence
  ])('%j then %j: %i', (prefix, text, n) => {
    expect(lateTailLength(prefix, text)).toBe(n);
  });
});

describe('parseEscapeDelay', () => {
  it('takes the option, then the environment, then the default', () => {
    expect(parseEscapeDelay('500', { QUANTIX_ESCAPE_DELAY: '900' })).toEqual({ ok: true, ms: 500 });
    expect(parseEscapeDelay(undefined, { QUANTIX_ESCAPE_DELAY: '900' })).toEqual({ ok: true, ms: 900 });
    expect(parseEscapeDelay(undefined, {})).toEqual({ ok: true, ms: ESCAPE_HOLD_MS });
    expect(ESCAPE_HOLD_MS).toBeGreaterThan(80);
  });

  it.each(['', 'abc', '5', '5001', '1.5', '-3'])('refuses %j with the range', (v) => {
    const r = parseEscapeDelay(v, {});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/--escape-delay takes milliseconds from 10 to 5000/);
    expect(parseEscapeDelay(undefined, { QUANTIX_ESCAPE_DELAY: v === '' ? 'x' : v }).ok).toBe(false);
  });
});

describe('createKeyInput on a slow link (escape delay)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A harness on a fake clock: pieces arrive exactly gapMs apart. */
  function slow(holdMs = ESCAPE_HOLD_MS) {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const source = new PassThrough() as unknown as NodeJS.ReadStream & PassThrough;
    const input = createKeyInput(source, { holdMs });
    const chunks: string[] = [];
    input.on('data', (b: Buffer) => chunks.push(b.toString('utf8')));
    // Streams deliver on the next tick; that is not faked.
    const settle = () => new Promise((r) => setImmediate(r));
    const send = async (s: string, afterMs = 0) => {
      vi.advanceTimersByTime(afterMs);
      source.write(s);
      await settle();
    };
    const wait = async (ms: number) => {
      vi.advanceTimersByTime(ms);
      await settle();
    };
    return { input, chunks, send, wait };
  }

  it('joins F10 sent in three pieces 80 ms apart into one key', async () => {
    const h = slow();
    await h.send('\x1b');
    await h.send('[2', 80);
    await h.send('1~', 80);
    expect(h.chunks).toEqual(['\x1b[21~']);
    h.input.detach();
  });

  it('counts the delay from the latest byte, so a sequence may take longer than the delay in all', async () => {
    const h = slow(100);
    await h.send('\x1b');
    await h.send('[', 90);
    await h.send('2', 90);
    await h.send('1~', 90);
    expect(h.chunks).toEqual(['\x1b[21~']);
    h.input.detach();
  });

  it('passes a lone Esc on once the delay is over, not before', async () => {
    const h = slow();
    await h.send('\x1b');
    await h.wait(ESCAPE_HOLD_MS - 1);
    expect(h.chunks).toEqual([]);
    await h.wait(1);
    expect(h.chunks).toEqual(['\x1b']);
    h.input.detach();
  });

  it('drops the tail of a sequence that arrives after the delay: it never acts as keys', async () => {
    const h = slow();
    await h.send('\x1b');
    await h.wait(ESCAPE_HOLD_MS);
    await h.send('OS', 300);
    await h.send('g', 10);
    expect(h.chunks).toEqual(['\x1b', 'g']);
    h.input.detach();
  });

  it('drops a cut sequence and its late tail, even when the tail comes in pieces', async () => {
    const h = slow();
    await h.send('\x1b[2');
    await h.wait(ESCAPE_HOLD_MS);
    await h.send('1', 300);
    await h.send('~', 300);
    await h.send('x', 10);
    expect(h.chunks).toEqual(['x']);
    h.input.detach();
  });

  it('keeps Esc then a digit (the F-key fallback) as two keys', async () => {
    const h = slow();
    await h.send('\x1b');
    await h.send('4', ESCAPE_HOLD_MS + 50);
    expect(h.chunks).toEqual(['\x1b', '4']);
    h.input.detach();
  });

  it('treats what comes long after a lone Esc as keys again', async () => {
    const h = slow();
    await h.send('\x1b');
    await h.wait(ESCAPE_HOLD_MS);
    await h.send('[', LATE_TAIL_MS + 10);
    expect(h.chunks).toEqual(['\x1b', '[']);
    h.input.detach();
  });

  it('holds no more than a key can be long', async () => {
    const h = slow();
    await h.send('\x1b[' + '1'.repeat(MAX_HELD_CHARS));
    // The final byte of the overlong sequence is dropped with it; what follows is keys again.
    await h.send('~', 10);
    await h.send('g', 10);
    expect(h.chunks).toEqual(['g']);
    h.input.detach();
  });
});
