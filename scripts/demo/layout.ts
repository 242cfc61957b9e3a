/**
 * How the demo shows both consoles: one tmux session with the host console
 * on the left and the vDC console on the right, or, in a terminal too narrow
 * for two 80-column panes, one tmux window each. Pure: it returns the tmux
 * invocations, the caller runs them.
 */

/** The session every demo run attaches to. */
export const SESSION = 'quantix-demo';

/** Columns two side-by-side 80-column consoles need, with tmux's divider. */
export const SIDE_BY_SIDE_COLUMNS = 161;

/** Quotes one word for a POSIX shell (tmux runs pane commands through sh). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line for a shell. */
export function shellLine(argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** The tmux invocations creating the demo session for a terminal of `columns` × `rows`. */
export function tmuxSession(host: string[], vdc: string[], columns: number, rows: number): { commands: string[][]; sideBySide: boolean } {
  const sideBySide = columns >= SIDE_BY_SIDE_COLUMNS;
  const size = ['-x', String(Math.max(columns, 80)), '-y', String(Math.max(rows, 25))];
  const hint = sideBySide
    ? ' left: F4 then G | right: a adds a host | Ctrl-b d detach '
    : ' Ctrl-b n: other console | F4 then G | a adds a host | Ctrl-b d detach ';
  const commands: string[][] = [
    ['new-session', '-d', '-s', SESSION, ...size, '-n', sideBySide ? 'quantix' : 'host', shellLine(host)],
    ['set-option', '-t', SESSION, 'status-right', hint],
    ['set-option', '-t', SESSION, 'status-right-length', '80'],
  ];
  if (sideBySide) {
    commands.push(['split-window', '-h', '-t', `${SESSION}:quantix`, shellLine(vdc)]);
    commands.push(['select-pane', '-t', `${SESSION}:quantix.0`]);
  } else {
    commands.push(['new-window', '-t', SESSION, '-n', 'vdc', shellLine(vdc)]);
    commands.push(['select-window', '-t', `${SESSION}:host`]);
  }
  return { commands, sideBySide };
}
