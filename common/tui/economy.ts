/**
 * Fewer bytes per repaint, for 9600-baud serial lines. blessed skips every
 * unchanged cell with a cursor movement, even a single space between two
 * words (`ESC [ 1 C`, four bytes, to save one), and repeats the cursor
 * position at the start of each redrawn line. Before each draw this marks
 * short unchanged gaps between changed cells for rewriting when rewriting
 * them is cheaper than jumping over them; during the draw it drops the
 * doubled cursor positions. What appears on the terminal is the same.
 */
import type blessed from 'blessed';

type Cell = [number, string];
type Row = Cell[] & { dirty?: boolean };

/** Attribute value no real cell has: forces blessed to write the cell again. */
const NEVER = -1;

function asciiPrintable(ch: string): boolean {
  return ch.length === 1 && ch >= ' ' && ch <= '~';
}

/**
 * Marks, in one row, the runs of unchanged cells that are cheaper to write
 * than to skip: between two changed cells, plain ASCII, and in the attribute
 * of the changed cell before them (so no colour change is needed).
 */
export function markCheapGaps(line: Row, old: Row): void {
  let x = 0;
  while (x < line.length) {
    const same = (i: number) => line[i]![0] === old[i]![0] && line[i]![1] === old[i]![1];
    if (!same(x)) {
      x++;
      continue;
    }
    let end = x;
    while (end < line.length && same(end)) end++;
    const n = end - x;
    // A skip costs ESC [ n C: 3 bytes plus the digits of n.
    const skipCost = 3 + String(n).length;
    if (x > 0 && end < line.length && n <= skipCost) {
      const attr = line[x - 1]![0];
      let cheap = true;
      for (let i = x; i < end && cheap; i++) cheap = line[i]![0] === attr && asciiPrintable(line[i]![1]);
      if (cheap) for (let i = x; i < end; i++) old[i]![0] = NEVER;
    }
    x = end;
  }
}

/** Removes a cursor position repeated back to back (`ESC[y;xH ESC[y;xH`). */
export function dropRepeatedCursorMoves(text: string): string {
  return text.replace(/(\x1b\[\d+;\d+H)\1+/g, '$1');
}

/** Installs both savings on a blessed screen. */
export function installOutputEconomy(screen: blessed.Widgets.Screen): void {
  const s = screen as unknown as {
    lines: Row[];
    olines: Row[];
    draw: (start: number, end: number) => void;
    program: { _write: (text: string) => unknown };
  };
  const draw = s.draw.bind(screen);
  s.draw = (start: number, end: number) => {
    for (let y = start; y <= end; y++) {
      const line = s.lines[y];
      const old = s.olines[y];
      if (line && old && line.dirty) markCheapGaps(line, old);
    }
    const program = s.program;
    const write = program._write;
    program._write = (text: string) => write.call(program, dropRepeatedCursorMoves(text));
    try {
      draw(start, end);
    } finally {
      program._write = write;
    }
  };
}
