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

/** Rows a terminal needs before tmux's status line can take one and leave the consoles 24. */
export const STATUS_LINE_ROWS = 25;

/** Seconds the switching hint stays on screen after each attach when there is no room for a status line. */
export const HINT_SECONDS = 20;

/** How to move between the consoles, for the status line or the message shown at attach. */
export function switchHint(sideBySide: boolean): string {
  return sideBySide
    ? 'Left host console, right vDC console: Ctrl-b o switches pane, Ctrl-b d detaches'
    : 'Ctrl-b n switches between the host and vDC consoles, Ctrl-b d detaches';
}

/**
 * The tmux invocations creating the demo session for a terminal of
 * `columns` x `rows`. Each console needs 80x24: below 25 rows tmux's status
 * line is turned off (it would leave the consoles 23 rows and they would
 * only ask to be enlarged), and the switching hint is shown as a message
 * over the bottom row for a while after each attach instead (the caller
 * shows it once the console has painted, or the paint would cover it).
 */
export function tmuxSession(
  host: string[],
  vdc: string[],
  columns: number,
  rows: number,
): { commands: string[][]; sideBySide: boolean; statusLine: boolean } {
  const sideBySide = columns >= SIDE_BY_SIDE_COLUMNS;
  const statusLine = rows >= STATUS_LINE_ROWS;
  const size = ['-x', String(Math.max(columns, 80)), '-y', String(Math.max(rows, 24))];
  const hint = switchHint(sideBySide);
  const commands: string[][] = [
    ['new-session', '-d', '-s', SESSION, ...size, '-n', sideBySide ? 'quantix' : 'host', shellLine(host)],
  ];
  if (statusLine) {
    commands.push(
      ['set-option', '-t', SESSION, 'status-right', ` ${hint} `],
      ['set-option', '-t', SESSION, 'status-right-length', '90'],
    );
  } else {
    commands.push(['set-option', '-t', SESSION, 'status', 'off']);
  }
  if (sideBySide) {
    commands.push(['split-window', '-h', '-t', `${SESSION}:quantix`, shellLine(vdc)]);
    commands.push(['select-pane', '-t', `${SESSION}:quantix.0`]);
  } else {
    commands.push(['new-window', '-t', SESSION, '-n', 'vdc', shellLine(vdc)]);
    commands.push(['select-window', '-t', `${SESSION}:host`]);
  }
  return { commands, sideBySide, statusLine };
}
