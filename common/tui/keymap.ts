/**
 * The keys a terminal type sends, from its terminfo entry, translated into
 * the sequences blessed knows. blessed's key table is built in: it does not
 * read terminfo, so vt100's F5-F10 (`ESC O t u v l w x`, its keypad keys)
 * arrive with no name, and so does every keypad key once the console has
 * switched the keypad to application mode (`ESC O p`..`ESC O y` for the
 * digits, `ESC O M` for Enter). The input stream rewrites each such
 * sequence to one blessed names: terminfo's function keys first, then the
 * keypad's digits and signs, then cursor and editing keys.
 *
 * Pure: the terminfo strings are a parameter (blessed's `tput.strings`).
 */

/** Sequences blessed parses to the key name. */
const CANONICAL: Record<string, string> = {
  f1: '\x1bOP',
  f2: '\x1bOQ',
  f3: '\x1bOR',
  f4: '\x1bOS',
  f5: '\x1b[15~',
  f6: '\x1b[17~',
  f7: '\x1b[18~',
  f8: '\x1b[19~',
  f9: '\x1b[20~',
  f10: '\x1b[21~',
  f11: '\x1b[23~',
  f12: '\x1b[24~',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  home: '\x1b[1~',
  end: '\x1b[4~',
  pageup: '\x1b[5~',
  pagedown: '\x1b[6~',
  insert: '\x1b[2~',
  delete: '\x1b[3~',
  'S-tab': '\x1b[Z',
  enter: '\r',
};

/** terminfo capability (blessed's long name) → key name, for the keys the consoles can use. */
export const TERMINFO_KEYS: Record<string, string> = {
  ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`key_f${i + 1}`, `f${i + 1}`])),
  key_up: 'up',
  key_down: 'down',
  key_right: 'right',
  key_left: 'left',
  key_home: 'home',
  key_end: 'end',
  key_ppage: 'pageup',
  key_npage: 'pagedown',
  key_ic: 'insert',
  key_dc: 'delete',
  key_btab: 'S-tab',
  key_enter: 'enter',
};

/** The keypad in application mode (DECKPAM): what each key stands for. */
export const KEYPAD_APPLICATION: Record<string, string> = {
  '\x1bOp': '0',
  '\x1bOq': '1',
  '\x1bOr': '2',
  '\x1bOs': '3',
  '\x1bOt': '4',
  '\x1bOu': '5',
  '\x1bOv': '6',
  '\x1bOw': '7',
  '\x1bOx': '8',
  '\x1bOy': '9',
  '\x1bOM': '\r',
  '\x1bOk': '+',
  '\x1bOm': '-',
  '\x1bOj': '*',
  '\x1bOo': '/',
  '\x1bOn': '.',
  '\x1bOl': ',',
  '\x1bOX': '=',
};

/**
 * Rewrites for one terminal type: sequence sent → sequence blessed names
 * the same key. terminfo's keys win over the keypad's (on vt100 `ESC O t`
 * is F5, on xterm the keypad's 4), single bytes are left alone.
 */
export function keyTranslations(strings: Readonly<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>(Object.entries(KEYPAD_APPLICATION));
  for (const [cap, name] of Object.entries(TERMINFO_KEYS)) {
    const seq = strings[cap];
    if (typeof seq !== 'string' || seq.length < 2 || seq[0] !== '\x1b') continue;
    const canonical = CANONICAL[name]!;
    if (seq === canonical) out.delete(seq);
    else out.set(seq, canonical);
  }
  return out;
}

/**
 * F-keys the terminal lacks: terminfo has no kfN for them, or kfN is a
 * keypad key (`ESC O` and a lower-case letter, as vt100's F5-F10). The
 * footer shows the digit beside these (`5/F5 Refresh`).
 */
export function missingFunctionKeys(strings: Readonly<Record<string, unknown>>, upTo = 12): Set<string> {
  const out = new Set<string>();
  for (let i = 1; i <= upTo; i++) {
    const seq = strings[`key_f${i}`];
    if (typeof seq !== 'string' || /^\x1bO[a-z]$/.test(seq)) out.add(`f${i}`);
  }
  return out;
}

/** Applies the rewrites to text that holds only whole sequences. */
export function translateKeys(
  text: string,
  map: ReadonlyMap<string, string>,
  re: RegExp | null = keyPattern(map),
): string {
  if (!re || !text.includes('\x1b')) return text;
  return text.replace(re, (s) => map.get(s) ?? s);
}

/** One regular expression matching every sequence of the map, longest first. */
export function keyPattern(map: ReadonlyMap<string, string>): RegExp | null {
  if (map.size === 0) return null;
  const alternatives = [...map.keys()]
    .sort((a, b) => b.length - a.length)
    .map((s) => s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&'));
  return new RegExp(alternatives.join('|'), 'g');
}
