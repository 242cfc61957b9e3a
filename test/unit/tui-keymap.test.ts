import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import blessed from 'blessed';
import { describe, expect, it } from 'vitest';
import {
  KEYPAD_APPLICATION,
  keyTranslations,
  missingFunctionKeys,
  TERMINFO_KEYS,
  translateKeys,
} from '../../common/tui/keymap.js';
import { TERMS } from '../helpers/pty.js';

const require = createRequire(import.meta.url);
const keys = require('blessed/lib/keys.js') as { emitKeypressEvents(s: NodeJS.ReadableStream): void };

/** terminfo strings of a terminal type, as the consoles read them (blessed's own terminfo reader). */
function terminfo(term: string): Record<string, unknown> {
  return (blessed as unknown as { tput(o: object): { strings: Record<string, unknown> } }).tput({
    terminal: term,
    extended: true,
  }).strings;
}

/** What blessed's key parser makes of bytes: key names (`S-tab`, `f5`, `enter`) or typed characters. */
function parse(bytes: string): string[] {
  const s = new PassThrough();
  keys.emitKeypressEvents(s);
  const out: string[] = [];
  s.on('keypress', (ch: string | undefined, key: { name?: string; shift?: boolean } | undefined) => {
    const name = key?.name === 'return' ? 'enter' : key?.name;
    out.push(name ? `${key?.shift && name === 'tab' ? 'S-' : ''}${name}` : (ch ?? '?'));
  });
  s.emit('data', Buffer.from(bytes, 'latin1'));
  return out;
}

describe.each(TERMS)('TERM=%s: every key terminfo defines reaches the console by its name', (term) => {
  const strings = terminfo(term);
  const map = keyTranslations(strings);
  const defined = Object.entries(TERMINFO_KEYS).filter(
    ([cap]) => typeof strings[cap] === 'string' && strings[cap].startsWith('\x1b'),
  );

  it('defines the keys the consoles use', () => {
    expect(defined.map(([, n]) => n)).toEqual(expect.arrayContaining(['f1', 'f2', 'f3', 'f4', 'up']));
  });

  it.each(defined)('%s', (cap, name) => {
    expect(parse(translateKeys(strings[cap] as string, map))).toEqual([name]);
  });

  it('keypad keys in application mode act as what they are labelled, where terminfo gives them no other meaning', () => {
    const terminfoSeqs = new Set(Object.keys(TERMINFO_KEYS).map((c) => strings[c]));
    for (const [seq, meaning] of Object.entries(KEYPAD_APPLICATION)) {
      if (terminfoSeqs.has(seq)) continue;
      expect(parse(translateKeys(seq, map)), JSON.stringify(seq)).toEqual([meaning === '\r' ? 'enter' : meaning]);
    }
  });
});

describe('particular terminals', () => {
  it('vt100: F5, F9 and F10 are its keypad keys ESC O t/w/x; the other keypad digits stay digits', () => {
    const map = keyTranslations(terminfo('vt100'));
    expect(parse(translateKeys('\x1bOt\x1bOw\x1bOx', map))).toEqual(['f5', 'f9', 'f10']);
    expect(parse(translateKeys('\x1bOp\x1bOq\x1bOy\x1bOM', map))).toEqual(['0', '1', '9', 'enter']);
  });

  it('xterm: ESC O p..y are the keypad digits 0-9 and ESC O M is Enter', () => {
    const map = keyTranslations(terminfo('xterm'));
    expect(parse(translateKeys('\x1bOp\x1bOq\x1bOr\x1bOs\x1bOt\x1bOu\x1bOv\x1bOw\x1bOx\x1bOy', map))).toEqual(
      '0123456789'.split(''),
    );
    expect(parse(translateKeys('\x1bOM', map))).toEqual(['enter']);
  });

  it('linux: Shift-Tab (ESC Tab) is Shift-Tab', () => {
    expect(parse(translateKeys('\x1b\t', keyTranslations(terminfo('linux'))))).toEqual(['S-tab']);
  });

  it('leaves what is not a key of the map alone, in the middle of typing', () => {
    const map = keyTranslations(terminfo('vt100'));
    expect(translateKeys('ab\x1bOtc\x1b[A', map)).toBe('ab\x1b[15~c\x1b[A');
  });

  it.each([
    ['vt100', ['f11', 'f12', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10']],
    ['vt220', ['f5']],
    ['linux', []],
    ['xterm', []],
    ['xterm-256color', []],
    ['screen', []],
  ])('%s lacks %j', (term, missing) => {
    expect([...missingFunctionKeys(terminfo(term))].sort()).toEqual([...missing].sort());
  });
});
