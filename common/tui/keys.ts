/**
 * Key bindings as data. Each screen declares a table of bindings; the
 * footer and the help overlay are generated from the same table, so they
 * cannot drift, and one dispatcher runs handlers, refuses disabled keys
 * with their reason, and catches every rejected promise in one place.
 *
 * Fallbacks for terminals without working F-keys (serial, IPMI, vt100):
 * Esc then a digit is F1–F10 (0 = F10) from any screen. blessed reports the
 * two keys typed together as `M-4`; typed apart they arrive as `escape`
 * then `4`, which the dispatcher also maps to `f4` within a short window.
 */
import type { Glyphs } from './glyphs.js';
import { wrapLine, type Line } from './text.js';

/** One key binding. */
export interface KeyBinding {
  /** blessed key names (`f4`, `g`, `S-g`, `escape`, `C-c`, `enter`); the first one is shown. */
  keys: string[];
  /** Short label for the footer (`Token`). */
  label: string;
  /** Longer description for the help overlay; defaults to the label. */
  help?: string;
  /** What the key shows as in the footer and help; derived from keys[0] when absent. */
  display?: string;
  handler: () => void | Promise<void>;
  /** False hides the binding from the footer (it still works and is listed in help). */
  visible?: boolean | (() => boolean);
  /**
   * Leaves the machine or the cluster changed in a way that is hard to undo;
   * always confirmed: with `confirm` the dispatcher asks yes/no first,
   * without it the handler must open its own dialog (a choice menu).
   */
  dangerous?: boolean;
  /** The yes/no question asked before a dangerous binding runs. */
  confirm?: { title: string; message: string; confirmLabel: string };
  /** Why the key cannot act now, or null when it can. */
  disabledReason?: () => string | null;
  /** Placement in the footer: left (screen actions) or right (global keys). */
  side?: 'left' | 'right';
}

const NAMED: Record<string, string> = {
  escape: 'Esc',
  enter: '⏎',
  return: '⏎',
  tab: 'Tab',
  'S-tab': 'Shift-Tab',
  space: 'Space',
  up: '↑',
  down: '↓',
  left: '←',
  right: '→',
  pageup: 'PgUp',
  pagedown: 'PgDn',
  home: 'Home',
  end: 'End',
  backspace: 'Bksp',
  delete: 'Del',
};

const ASCII_NAMED: Record<string, string> = {
  enter: 'Enter',
  return: 'Enter',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
};

/** How a key name is shown to the user (`f4` → `F4`, `S-g` → `G`, `C-c` → `Ctrl-C`). */
export function keyDisplay(key: string, g?: Pick<Glyphs, 'enter'>): string {
  const ascii = g !== undefined && g.enter !== '⏎';
  if (/^f\d+$/.test(key)) return key.toUpperCase();
  if (/^S-[a-z]$/.test(key)) return key.slice(2).toUpperCase();
  if (/^C-[a-z]$/.test(key)) return `Ctrl-${key.slice(2).toUpperCase()}`;
  if (/^M-.$/.test(key)) return `Esc ${key.slice(2)}`;
  if (ascii && ASCII_NAMED[key]) return ASCII_NAMED[key];
  if (NAMED[key]) return NAMED[key];
  return key;
}

function isVisible(b: KeyBinding): boolean {
  return typeof b.visible === 'function' ? b.visible() : b.visible !== false;
}

/** How a binding's key shows in a footer: its display, or its first key, with the digit beside an F-key the terminal lacks (`5/F5`). */
export function footerKey(b: KeyBinding, g?: Pick<Glyphs, 'enter'>, missing?: ReadonlySet<string>): string {
  if (b.display) return b.display;
  const first = b.keys[0] ?? '';
  const shown = keyDisplay(first, g);
  const digit = missing?.has(first) ? b.keys.find((k) => /^\d$/.test(k)) : undefined;
  return digit ? `${digit}/${shown}` : shown;
}

const lineWidth = (l: Line) => l.reduce((n, s) => n + Array.from(s.text).length, 0);

/** Bindings laid out in one row: screen actions from the left, global keys at the right edge; null when they do not fit in width. */
function footerRow(
  left: readonly KeyBinding[],
  right: readonly KeyBinding[],
  width: number,
  gap: number,
  g?: Pick<Glyphs, 'enter'>,
  missing?: ReadonlySet<string>,
): Line | null {
  const part = (bs: readonly KeyBinding[]): Line => {
    const out: Line = [];
    bs.forEach((b, i) => {
      if (i > 0) out.push({ text: ' '.repeat(gap) });
      const disabled = b.disabledReason?.() ?? null;
      out.push({ text: footerKey(b, g, missing), style: disabled ? 'disabled' : 'key' });
      out.push({ text: ` ${b.label}`, ...(disabled ? { style: 'disabled' as const } : {}) });
    });
    return out;
  };
  const l = part(left);
  const r = part(right);
  const lw = lineWidth(l);
  const rw = lineWidth(r);
  const line: Line = [{ text: ' ' }, ...l];
  // One space of margin at each end.
  const used = 1 + lw + (rw > 0 ? (lw > 0 ? gap : 0) + rw : 0) + 1;
  if (used > width) return null;
  if (rw > 0) line.push({ text: ' '.repeat(Math.max(lw > 0 ? gap : 0, width - 2 - lw - rw)) }, ...r);
  return line;
}

/**
 * The footer for a table in as few rows as it takes, never cut: one row
 * with two spaces between keys, else one space, else two rows (screen
 * actions on the first, the rest and the global keys on the second).
 */
export function renderFooterLines(
  bindings: readonly KeyBinding[],
  width: number,
  g?: Pick<Glyphs, 'enter'>,
  missing?: ReadonlySet<string>,
): Line[] {
  const shown = bindings.filter(isVisible);
  const left = shown.filter((b) => b.side !== 'right');
  const right = shown.filter((b) => b.side === 'right');
  for (const gap of [2, 1]) {
    const one = footerRow(left, right, width, gap, g, missing);
    if (one) return [one];
  }
  // Two rows: as many screen actions as fit on the first.
  let n = left.length;
  while (n > 0 && !footerRow(left.slice(0, n), [], width, 2, g, missing)) n--;
  const first = footerRow(left.slice(0, n), [], width, 2, g, missing) ?? [];
  const rest = left.slice(n);
  const second =
    footerRow(rest, right, width, 2, g, missing) ??
    footerRow(rest, right, width, 1, g, missing) ??
    footerRow(rest, right, Infinity, 1, g, missing)!;
  return [first, second];
}

/** Footer line for a table: `F1 Help  F2 System …`, keys bold, disabled ones dimmed, global keys on the right (the first row of renderFooterLines). */
export function renderFooter(
  bindings: readonly KeyBinding[],
  width: number,
  g?: Pick<Glyphs, 'enter'>,
  missing?: ReadonlySet<string>,
): Line {
  return renderFooterLines(bindings, width, g, missing)[0]!;
}

/** Columns before a help text: four, then the key names in eighteen. */
const HELP_INDENT = 22;

/** A disabled reason as a clause after the help text: `Not now: the host is still loading.` */
function notNow(reason: string): string {
  const r = reason.trim().replace(/\.$/, '');
  // Lower-case a leading capital word (`The host`), never an acronym or key name (`F4`, `DNS`).
  const first = /^[A-Z][a-z]/.test(r) ? r[0]!.toLowerCase() + r.slice(1) : r;
  return `Not now: ${first}.`;
}

/** Help lines for one or more titled tables: every key, its alternatives, and what it does now. */
export function renderHelp(
  groups: ReadonlyArray<{ title: string; bindings: readonly KeyBinding[] }>,
  g?: Pick<Glyphs, 'enter'>,
  width = Infinity,
): Line[] {
  const out: Line[] = [];
  for (const group of groups) {
    if (out.length > 0) out.push([]);
    out.push([{ text: `  ${group.title}`, style: 'title' }]);
    for (const b of group.bindings) {
      const shown = b.display ?? keyDisplay(b.keys[0] ?? '', g);
      // A display that already names several keys (`←→` for left and right) is not followed by one of them again.
      const others = b.keys
        .slice(1)
        .map((k) => keyDisplay(k, g))
        .filter((n) => !(b.display && n.length < shown.length && shown.includes(n)));
      const unique = [...new Set([shown, ...others])].join(', ');
      const disabled = b.disabledReason?.() ?? null;
      const text: Line = [{ text: b.help ?? b.label }];
      if (b.dangerous) text.push({ text: ' (asks first)', style: 'warn' });
      if (disabled) text.push({ text: `. ${notNow(disabled)}`, style: 'disabled' });
      // A line longer than the screen continues under its own text instead of being cut.
      wrapLine(text, width - HELP_INDENT).forEach((part, i) => {
        out.push([{ text: '    ' }, { text: i === 0 ? unique.padEnd(18) : ' '.repeat(18), style: 'key' }, ...part]);
      });
    }
  }
  return out;
}

/** Maps a key event to the names a binding may use, fallbacks included. */
export function keyNames(ch: string | undefined, full: string | undefined): string[] {
  const names: string[] = [];
  if (full) names.push(full);
  const meta = full ? /^M-(\d)$/.exec(full) : null;
  if (meta) names.push(digitToFKey(meta[1]!));
  if (ch && ch.length === 1 && ch >= ' ' && !names.includes(ch)) names.push(ch);
  return names;
}

/** F-key for a fallback digit: 1–9 → f1–f9, 0 → f10. */
export function digitToFKey(d: string): string {
  return d === '0' ? 'f10' : `f${d}`;
}

/** Finds the binding for a key event. */
export function findBinding(bindings: readonly KeyBinding[], names: readonly string[]): KeyBinding | undefined {
  for (const n of names) {
    const b = bindings.find((x) => x.keys.includes(n));
    if (b) return b;
  }
  return undefined;
}

/** What the dispatcher reports back to the screen. */
export interface DispatchHooks {
  /** The active bindings, asked at every key (screens and dialogs change them). */
  bindings: () => readonly KeyBinding[];
  /** A key was refused: show why. */
  onDisabled: (binding: KeyBinding, reason: string) => void;
  /** A handler threw or its promise rejected: the one place errors from keys land. */
  onError: (err: unknown, binding: KeyBinding) => void;
  /** A dangerous binding needs confirming before its handler runs. */
  confirm?: (binding: KeyBinding, run: () => void) => void;
  /** Keys that do nothing (for a hint such as "press F1 for help"). */
  onUnbound?: (names: string[]) => void;
}

/** Milliseconds after Escape during which a digit is read as an F-key. */
export const ESCAPE_DIGIT_WINDOW_MS = 1_500;

/**
 * Creates the key dispatcher: feed it blessed keypress events; it finds the
 * binding (with fallbacks), checks it can act, asks for confirmation when
 * it is dangerous, and runs it with every failure routed to onError.
 */
export function createKeyDispatcher(hooks: DispatchHooks, now: () => number = Date.now) {
  let escapeAt = -Infinity;

  const run = (b: KeyBinding) => {
    try {
      Promise.resolve(b.handler()).catch((err: unknown) => hooks.onError(err, b));
    } catch (err) {
      hooks.onError(err, b);
    }
  };

  const dispatch = (b: KeyBinding) => {
    const reason = b.disabledReason?.() ?? null;
    if (reason) {
      hooks.onDisabled(b, reason);
      return;
    }
    if (b.dangerous && b.confirm && hooks.confirm) hooks.confirm(b, () => run(b));
    else run(b);
  };

  return {
    /** Handles one blessed keypress event; returns true when a binding ran or was refused. */
    handleKey(ch: string | undefined, key: { full?: string; name?: string } | undefined): boolean {
      const full = key?.full ?? key?.name;
      const names = keyNames(ch, full);
      const t = now();
      if (full && /^\d$/.test(full) && t - escapeAt <= ESCAPE_DIGIT_WINDOW_MS) names.unshift(digitToFKey(full));
      escapeAt = full === 'escape' ? t : -Infinity;
      const b = findBinding(hooks.bindings(), names);
      if (!b) {
        hooks.onUnbound?.(names);
        return false;
      }
      dispatch(b);
      return true;
    },
  };
}
