import { describe, expect, it } from 'vitest';
import { ASCII_GLYPHS } from '../../common/tui/glyphs.js';
import {
  createKeyDispatcher,
  keyDisplay,
  renderFooter,
  renderFooterLines,
  renderHelp,
  type KeyBinding,
} from '../../common/tui/keys.js';
import { lineText } from '../../common/tui/text.js';

function table(log: string[]): KeyBinding[] {
  return [
    { keys: ['f1', '1'], label: 'Help', handler: () => void log.push('help') },
    { keys: ['f4', '4'], label: 'Token', handler: () => void log.push('token') },
    {
      keys: ['f9', '9'],
      label: 'Leave',
      dangerous: true,
      handler: () => void log.push('leave'),
      disabledReason: () => 'not managed by a vDC',
    },
    {
      keys: ['f10', '0'],
      label: 'Power',
      dangerous: true,
      confirm: { title: 'Power', message: 'Reboot?', confirmLabel: 'Reboot' },
      handler: () => void log.push('power'),
    },
    { keys: ['g', 'S-g'], display: 'G', label: 'New token', handler: () => Promise.reject(new Error('boom')) },
    { keys: ['x'], label: 'Hidden', visible: false, handler: () => void log.push('hidden') },
    { keys: ['escape'], label: 'Back', side: 'right', handler: () => void log.push('back') },
  ];
}

describe('keyDisplay', () => {
  it.each([
    ['f4', 'F4'],
    ['S-g', 'G'],
    ['C-c', 'Ctrl-C'],
    ['escape', 'Esc'],
    ['M-4', 'Esc 4'],
    ['q', 'q'],
    ['S-tab', 'Shift-Tab'],
  ])('%s shows as %s', (k, shown) => expect(keyDisplay(k)).toBe(shown));
  it('uses words for Enter in ASCII mode', () => expect(keyDisplay('enter', ASCII_GLYPHS)).toBe('Enter'));
});

describe('footer and help come from the same table', () => {
  it('footer lists visible bindings, global ones on the right', () => {
    const text = lineText(renderFooter(table([]), 78));
    expect(text).toMatch(/^ F1 Help {2}F4 Token {2}F9 Leave {2}F10 Power {2}G New token +Esc Back$/);
    expect(text).not.toContain('Hidden');
    expect(text.length).toBe(77);
  });
  it('shows the digit beside an F-key the terminal lacks', () => {
    const text = lineText(renderFooter(table([]), 78, undefined, new Set(['f9', 'f10'])));
    expect(text).toMatch(/^ F1 Help {2}F4 Token {2}9\/F9 Leave {2}0\/F10 Power {2}G New token +Esc Back$/);
  });
  it('never cuts a footer: one space between keys, then two rows', () => {
    const many: KeyBinding[] = Array.from({ length: 8 }, (_, i) => ({
      keys: [`f${i + 1}`],
      label: `Action${i + 1}`,
      handler: () => {},
    }));
    const right: KeyBinding = { keys: ['q'], label: 'Quit', side: 'right', handler: () => {} };
    // 8 keys of 10 characters and q Quit, with margins: 104 columns with two spaces between keys, 96 with one.
    const rows = renderFooterLines([...many, right], 78).map(lineText);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.length).toBeLessThanOrEqual(77);
    expect(rows.join(' ')).toMatch(/F1 Action1 {2}F2 Action2 .*F8 Action8 +q Quit$/);
    // At 100 columns one row with single spaces is enough.
    const wide = renderFooterLines([...many, right], 100).map(lineText);
    expect(wide).toHaveLength(1);
    expect(wide[0]).toMatch(/^ F1 Action1 F2 Action2 .* F8 Action8 +q Quit$/);
  });
  it('help lists every binding with alternatives, danger and disabled reason', () => {
    const lines = renderHelp([{ title: 'Main', bindings: table([]) }]).map(lineText);
    expect(lines[0]).toContain('Main');
    expect(lines.find((l) => l.includes('F4, 4'))).toContain('Token');
    expect(lines.find((l) => l.includes('F9'))).toMatch(/Leave \(asks first\)\. Not now: not managed by a vDC\./);
    expect(lines.some((l) => l.includes('Hidden'))).toBe(true);
  });
});

describe('help names each key once and says why a key is off', () => {
  const two: KeyBinding = {
    keys: ['left', 'right'],
    display: '←→',
    label: 'Tab',
    help: 'Previous or next tab',
    handler: () => {},
  };
  it('a display naming both keys is not followed by one of them again', () => {
    expect(renderHelp([{ title: 'T', bindings: [two] }]).map(lineText)[1]).toMatch(/^ {4}←→ +Previous or next tab$/);
    expect(
      renderHelp([{ title: 'T', bindings: [{ ...two, display: 'Left/Right' }] }], ASCII_GLYPHS).map(lineText)[1],
    ).toMatch(/^ {4}Left\/Right +Previous/);
  });
  it('a help text wider than the screen continues under itself', () => {
    const long: KeyBinding = {
      keys: ['/'],
      label: 'Filter',
      help: 'Filter hosts by name, address, state or id (Enter keeps it, Esc clears it)',
      handler: () => {},
    };
    const lines = renderHelp([{ title: 'T', bindings: [long] }], undefined, 78).map(lineText);
    expect(lines.slice(1)).toEqual([
      '    /                 Filter hosts by name, address, state or id (Enter keeps',
      '                      it, Esc clears it)',
    ]);
  });
  it('a reason reads as a clause of the help text', () => {
    const off: KeyBinding = {
      keys: ['d'],
      label: 'Remove',
      help: 'Remove this host',
      dangerous: true,
      disabledReason: () => 'The host is still loading.',
      handler: () => {},
    };
    expect(lineText(renderHelp([{ title: 'T', bindings: [off] }])[1]!)).toMatch(
      /Remove this host \(asks first\)\. Not now: the host is still loading\.$/,
    );
  });
});

describe('createKeyDispatcher', () => {
  function setup() {
    const log: string[] = [];
    let t = 0;
    const errors: unknown[] = [];
    const refused: string[] = [];
    const confirms: string[] = [];
    const d = createKeyDispatcher(
      {
        bindings: () => table(log),
        onError: (e) => errors.push(e),
        onDisabled: (_b, why) => refused.push(why),
        confirm: (b, run) => {
          confirms.push(b.label);
          run();
        },
      },
      () => t,
    );
    return { log, errors, refused, confirms, d, advance: (ms: number) => (t += ms) };
  }

  it.each([
    // blessed event (ch, full), expected handler
    [undefined, 'f4', 'token'], // real F-key
    ['4', '4', 'token'], // bare digit
    [undefined, 'M-4', 'token'], // Esc and digit in one read
    [undefined, 'M-1', 'help'],
  ])('ch %j full %s runs %s', (ch, full, expected) => {
    const s = setup();
    s.d.handleKey(ch, { full });
    expect(s.log).toEqual([expected]);
  });

  it('Esc then a digit within the window is the F-key; after it, the plain digit', () => {
    const s = setup();
    s.d.handleKey(undefined, { full: 'escape' });
    s.d.handleKey('0', { full: '0' });
    expect(s.log).toEqual(['back', 'power']);
    expect(s.confirms).toEqual(['Power']);
  });

  it('refuses a disabled key with its reason and does not run it', () => {
    const s = setup();
    s.d.handleKey('9', { full: '9' });
    expect(s.refused).toEqual(['not managed by a vDC']);
    expect(s.log).toEqual([]);
  });

  it('catches a rejected promise from a handler in one place', async () => {
    const s = setup();
    s.d.handleKey('G', { full: 'S-g' });
    await new Promise((r) => setImmediate(r));
    expect((s.errors[0] as Error).message).toBe('boom');
  });

  it('reports unbound keys', () => {
    const s = setup();
    expect(s.d.handleKey('z', { full: 'z' })).toBe(false);
  });
});
