import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sanitizeForTerminal, neutralizeControls } from '../../common/tui/sanitize.js';

describe('sanitizeForTerminal', () => {
  it.each([
    // hostile input, what the screen shows
    ['\x1b]0;pwned\x07host', '^[]0;pwned^Ghost'], // title change attempt
    ['\x1b[2J', '^[[2J'], // clear screen
    ['a\x9bb', 'a\\x9bb'], // C1 CSI
    ['del\x7f', 'del^?'],
    ['line1\nline2\r', 'line1^Jline2^M'],
    ['{red-fg}x{/red-fg}', '{open}red-fg{close}x{open}/red-fg{close}'], // blessed tags
    ['abc\u202eevil', 'abc\\u202eevil'], // bidi override
    ['qx-node-07.lab.local', 'qx-node-07.lab.local'], // ordinary text unchanged
  ])('%j → %j', (input, shown) => {
    expect(sanitizeForTerminal(input)).toBe(shown);
  });

  it('never lets a control character or a raw brace through', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = sanitizeForTerminal(s);
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(out)).toBe(false);
        expect(out.replace(/\{open\}|\{close\}/g, '').includes('{')).toBe(false);
        expect(/[\u0000-\u001f\u007f-\u009f]/.test(neutralizeControls(s))).toBe(false);
      }),
    );
  });

  it('shows non-strings as text', () => {
    expect(sanitizeForTerminal(null)).toBe('');
    expect(sanitizeForTerminal(42)).toBe('42');
  });
});
