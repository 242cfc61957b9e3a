import { describe, expect, it } from 'vitest';
import { dropRepeatedCursorMoves, markCheapGaps } from '../../common/tui/economy.js';

type Row = Array<[number, string]>;
const row = (s: string, attr = 0): Row => Array.from(s, (c) => [attr, c]);

describe('markCheapGaps', () => {
  it('marks a one-space gap between changed words for rewriting', () => {
    const line = row('ab cd');
    const old = row('   ');
    old.push([0, ' '], [0, ' ']);
    markCheapGaps(line, old);
    // The space at x=2 equals the old cell but sits between changed cells: rewrite it (1 byte, not ESC[1C).
    expect(old[2]![0]).toBe(-1);
  });

  it('leaves long unchanged runs to a cursor jump', () => {
    const line = row('a' + ' '.repeat(10) + 'b');
    const old = row(' '.repeat(12));
    markCheapGaps(line, old);
    expect(old.slice(1, 11).every((c) => c[0] === 0)).toBe(true);
  });

  it('does not rewrite a gap in another attribute or with non-ASCII text', () => {
    const line: Row = [
      [0, 'a'],
      [5, ' '],
      [0, 'b'],
      [0, '█'],
      [0, 'c'],
    ];
    const old: Row = [
      [0, ' '],
      [5, ' '],
      [0, ' '],
      [0, '█'],
      [0, ' '],
    ];
    markCheapGaps(line, old);
    expect(old[1]![0]).toBe(5);
    expect(old[3]![0]).toBe(0);
  });

  it('leaves trailing unchanged cells alone', () => {
    const line = row('a  ');
    const old = row('   ');
    markCheapGaps(line, old);
    expect(old[1]![0]).toBe(0);
  });
});

describe('dropRepeatedCursorMoves', () => {
  it('keeps one of two identical cursor positions in a row', () => {
    expect(dropRepeatedCursorMoves('\x1b[2;1H\x1b[2;1Hx\x1b[3;1H')).toBe('\x1b[2;1Hx\x1b[3;1H');
  });
});
