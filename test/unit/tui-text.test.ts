import { describe, expect, it, vi } from 'vitest';
import { confirmDialog, dialogBindings, overlayDialog } from '../../common/tui/dialog.js';
import { FlashModel } from '../../common/tui/flash.js';
import { ASCII_GLYPHS, COLOR_THEME, UNICODE_GLYPHS } from '../../common/tui/glyphs.js';
import { tooSmallLine } from '../../common/tui/screen.js';
import { composeFrame, fitLine, lineText, progressBar, toTagged, wrapLine, textWidth } from '../../common/tui/text.js';

describe('lines and frames', () => {
  it('fitLine pads and cuts to an exact width', () => {
    expect(lineText(fitLine([{ text: 'abc' }], 5))).toBe('abc  ');
    expect(lineText(fitLine([{ text: 'abcdef' }], 4))).toBe('abc…');
  });

  it('toTagged escapes braces in every segment', () => {
    expect(toTagged([{ text: '{bold}x', style: 'key' }], COLOR_THEME)).toBe(
      '{bold}{yellow-fg}{open}bold{close}x{/yellow-fg}{/bold}',
    );
  });

  it('composeFrame fills exactly cols × rows with titles in the borders', () => {
    const lines = composeFrame(80, 24, UNICODE_GLYPHS, [
      { title: [{ text: 'Quantix-OS' }], right: [{ text: '14:05 UTC' }], lines: [[{ text: ' body' }]] },
      { lines: [[{ text: ' status' }]], height: 1 },
      { lines: [[{ text: ' F1 Help' }]], height: 1 },
    ]).map(lineText);
    expect(lines).toHaveLength(24);
    for (const l of lines) expect(textWidth(l)).toBe(80);
    expect(lines[0]).toMatch(/^┌ Quantix-OS ─+ 14:05 UTC ┐$/);
    expect(lines[1]).toMatch(/^│ body +│$/);
    expect(lines[19]).toMatch(/^├─+┤$/);
    expect(lines[20]).toMatch(/^│ status +│$/);
    expect(lines[23]).toMatch(/^└─+┘$/);
  });

  it('ASCII frames use only +-|', () => {
    const lines = composeFrame(80, 24, ASCII_GLYPHS, [{ title: [{ text: 'T' }], lines: [] }]).map(lineText);
    expect(lines.join('')).toMatch(/^[+\-| T]+$/);
  });

  it('progressBar fills in proportion', () => {
    expect(lineText(progressBar(0.5, 10, ASCII_GLYPHS))).toBe('#####.....');
    expect(lineText(progressBar(2, 4, ASCII_GLYPHS))).toBe('####');
    expect(lineText(progressBar(Number.NaN, 4, ASCII_GLYPHS))).toBe('....');
  });

  it('asks to enlarge in one line that fits the terminal', () => {
    expect(tooSmallLine(60, 20, 80, 24, ASCII_GLYPHS)).toBe('Enlarge the terminal to at least 80x24 (now 60x20).');
    expect(textWidth(tooSmallLine(20, 5, 80, 24, UNICODE_GLYPHS))).toBe(20);
  });
});

describe('wrapLine', () => {
  it.each<[string, number, string[]]>([
    // Fits: unchanged.
    ['short line', 20, ['short line']],
    // Breaks at the last space that fits; no line starts with the space.
    ['symbol 12 is not used in tokens', 12, ['symbol 12 is', 'not used in', 'tokens']],
    // A word longer than the line is cut, not lost.
    ['fd00:0000:0000:0000:0000:0000:0000:0001 ok', 16, ['fd00:0000:0000:0', '000:0000:0000:00', '00:0001 ok']],
  ])('%s at %i', (text, width, want) => expect(wrapLine([{ text }], width).map(lineText)).toEqual(want));
  it("keeps each character's style across the break", () => {
    const lines = wrapLine([{ text: 'Remove this host' }, { text: ' (asks first)', style: 'warn' }], 20);
    expect(lines).toEqual([[{ text: 'Remove this host' }], [{ text: '(asks first)', style: 'warn' }]]);
  });
});

describe('dialogs', () => {
  it('overlays a centred confirm box and binds y/Enter and n/Esc', async () => {
    let confirmed = 0;
    let closed = 0;
    const onConfirm = () => {
      confirmed++;
    };
    const d = confirmDialog({
      title: 'Leave cluster?',
      message: 'The host will stop being managed.',
      confirmLabel: 'Leave',
      dangerous: true,
      onConfirm,
    });
    const base = Array.from({ length: 24 }, () => [{ text: ' '.repeat(80) }]);
    const out = overlayDialog(base, d, 80, 24, ASCII_GLYPHS).map(lineText);
    expect(out.join('\n')).toContain('Leave cluster?');
    expect(out.join('\n')).toContain('Y Leave   N Cancel');
    for (const l of out) expect(l.length).toBe(80);
    const bindings = dialogBindings(d, () => closed++);
    await bindings.find((b) => b.keys.includes('enter'))!.handler();
    await bindings.find((b) => b.keys.includes('escape'))!.handler();
    expect([confirmed, closed]).toEqual([1, 2]);
  });
  it('wraps a long line inside the box instead of cutting it', () => {
    const why =
      'qx-node-07 could not be told to leave: connect ECONNREFUSED 127.0.0.1:8443 while the vDC was reaching the host (HOST_UNREACHABLE)';
    const d = {
      title: 'Host unreachable',
      lines: [[{ text: why }]],
      choices: [{ keys: ['escape'], label: 'Cancel', action: () => {} }],
    };
    const base = Array.from({ length: 24 }, () => [{ text: ' '.repeat(80) }]);
    const out = overlayDialog(base, d, 80, 24, UNICODE_GLYPHS).map(lineText);
    const text = out
      .map((l) => l.replace(/^[^│]*│|│[^│]*$/g, '').trim())
      .filter(Boolean)
      .join(' ');
    expect(text).toContain(why);
    expect(out.join('')).not.toContain('…');
  });
  it('names Enter and Esc as the footer does, per locale', () => {
    const d = {
      title: 'Create cluster',
      lines: [],
      choices: [
        { keys: ['enter'], label: 'Create', action: () => {} },
        { keys: ['escape'], label: 'Cancel', action: () => {} },
      ],
    };
    const base = Array.from({ length: 24 }, () => [{ text: ' '.repeat(80) }]);
    expect(overlayDialog(base, d, 80, 24, UNICODE_GLYPHS).map(lineText).join('\n')).toContain('⏎ Create   Esc Cancel');
    expect(overlayDialog(base, d, 80, 24, ASCII_GLYPHS).map(lineText).join('\n')).toContain(
      'Enter Create   Esc Cancel',
    );
    expect(dialogBindings(d, () => {}, ASCII_GLYPHS).map((b) => b.display)).toEqual(['Enter', 'Esc']);
  });
});

describe('FlashModel', () => {
  it('shows a message and clears it by itself', () => {
    vi.useFakeTimers();
    try {
      const f = new FlashModel(() => Date.now());
      let changes = 0;
      f.on('changed', () => changes++);
      f.show('ok', 'Token generated.', 1_000);
      expect(f.current()?.text).toBe('Token generated.');
      vi.advanceTimersByTime(1_001);
      expect(f.current()).toBeNull();
      expect(changes).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
