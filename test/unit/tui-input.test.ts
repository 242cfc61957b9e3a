import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createKeyInput, incompleteEscapeTail } from '../../common/tui/index.js';

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
