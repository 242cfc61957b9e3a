/**
 * Modal dialogs as data: a title, some lines, and choices bound to keys.
 * A dialog is drawn by overlaying its box on the screen's lines (pure), and
 * while it is open its choices are the only active key table, so a
 * dangerous action cannot run without an explicit answer.
 */
import type { Glyphs } from './glyphs.js';
import { keyDisplay, type KeyBinding } from './keys.js';
import { fitLine, lineText, textWidth, wrapLine, type Line, type Segment } from './text.js';

/** One answer of a dialog. */
export interface DialogChoice {
  keys: string[];
  label: string;
  action: () => void | Promise<void>;
  dangerous?: boolean;
}

/** A modal dialog. */
export interface Dialog {
  title: string;
  lines: Line[];
  choices: DialogChoice[];
}

/** A yes/no dialog: y or Enter confirms, n or Esc cancels. */
export function confirmDialog(opts: {
  title: string;
  message: string | Line[];
  confirmLabel: string;
  cancelLabel?: string;
  onConfirm: () => void | Promise<void>;
  onCancel?: () => void;
  dangerous?: boolean;
}): Dialog {
  const lines =
    typeof opts.message === 'string' ? opts.message.split('\n').map((t): Line => [{ text: t }]) : opts.message;
  return {
    title: opts.title,
    lines,
    choices: [
      {
        keys: ['y', 'S-y', 'enter'],
        label: opts.confirmLabel,
        action: opts.onConfirm,
        ...(opts.dangerous ? { dangerous: true } : {}),
      },
      { keys: ['n', 'S-n', 'escape'], label: opts.cancelLabel ?? 'Cancel', action: opts.onCancel ?? (() => {}) },
    ],
  };
}

/**
 * The key table of an open dialog: each choice closes the dialog and then
 * acts. Escape always closes, even when no choice lists it.
 */
export function dialogBindings(dialog: Dialog, close: () => void, g?: Pick<Glyphs, 'enter'>): KeyBinding[] {
  const bindings: KeyBinding[] = dialog.choices.map((c) => ({
    keys: c.keys,
    display: choiceKey(c, g),
    label: c.label,
    handler: () => {
      close();
      return c.action();
    },
  }));
  if (!dialog.choices.some((c) => c.keys.includes('escape'))) {
    bindings.push({ keys: ['escape'], label: 'Cancel', handler: close });
  }
  return bindings;
}

/** A choice's key as the footer names keys (`Y`, `Esc`, `⏎` or `Enter` by locale). */
function choiceKey(c: DialogChoice, g?: Pick<Glyphs, 'enter'>): string {
  const k = c.keys[0] ?? '';
  // Single letters are answers (y/n): upper case reads as a button.
  if (/^[a-z]$/.test(k)) return k.toUpperCase();
  return keyDisplay(k, g);
}

/** The dialog's box as lines of the given width (borders included). */
export function renderDialog(dialog: Dialog, width: number, g: Glyphs): Line[] {
  const inner = width - 2;
  const v: Segment = { text: g.vertical, style: 'accent' };
  const title = ` ${dialog.title} `;
  const top: Line = [
    { text: g.topLeft + g.horizontal, style: 'accent' },
    { text: title, style: 'title' },
    { text: g.horizontal.repeat(Math.max(0, inner - 1 - textWidth(title))) + g.topRight, style: 'accent' },
  ];
  const body = (l: Line): Line => [v, ...fitLine([{ text: ' ' }, ...l], inner, g.ellipsis), v];
  const choices: Line = [];
  dialog.choices.forEach((c, i) => {
    if (i > 0) choices.push({ text: '   ' });
    choices.push({ text: choiceKey(c, g), style: c.dangerous ? 'error' : 'key' }, { text: ` ${c.label}` });
  });
  return [
    top,
    body([]),
    // Text wider than the box wraps: a question or an error in a dialog is read whole.
    ...dialog.lines.flatMap((l) => wrapLine(l, inner - 1)).map(body),
    body([]),
    body(choices),
    [{ text: g.bottomLeft + g.horizontal.repeat(inner) + g.bottomRight, style: 'accent' }],
  ];
}

/** The part of a line between columns start (inclusive) and end (exclusive). */
export function sliceLine(line: Line, start: number, end: number): Line {
  const out: Line = [];
  let col = 0;
  for (const s of line) {
    const chars = [...s.text];
    const from = Math.max(start - col, 0);
    const to = Math.min(end - col, chars.length);
    if (to > from) out.push({ ...s, text: chars.slice(from, to).join('') });
    col += chars.length;
    if (col >= end) break;
  }
  return out;
}

/** Places box over base with its top-left corner at (top, left). */
export function overlay(base: Line[], box: Line[], top: number, left: number): Line[] {
  return base.map((line, y) => {
    const b = box[y - top];
    if (!b) return line;
    const w = textWidth(lineText(b));
    const full = fitLine(line, Math.max(textWidth(lineText(line)), left + w));
    return [...sliceLine(full, 0, left), ...b, ...sliceLine(full, left + w, Infinity)];
  });
}

/** Overlays a dialog centred on screen lines of cols × rows. */
export function overlayDialog(base: Line[], dialog: Dialog, cols: number, rows: number, g: Glyphs): Line[] {
  const longest = Math.max(
    textWidth(dialog.title) + 6,
    ...dialog.lines.map((l) => textWidth(lineText(l)) + 4),
    dialog.choices.reduce((n, c) => n + textWidth(c.label) + 8, 0),
  );
  const width = Math.min(cols - 4, Math.max(40, longest));
  const box = renderDialog(dialog, width, g);
  const top = Math.max(1, Math.floor((rows - box.length) / 2));
  const left = Math.floor((cols - width) / 2);
  return overlay(base, box, top, left);
}
