/**
 * Resource tables as plain data, drawn as a window of rows: only the rows
 * that fit are ever turned into lines, so a table of thousands of hosts
 * costs what twenty rows cost. The selection and the scroll offset are
 * kept by the caller (a model), and `scrollWindow` moves the window just
 * enough to keep the selection visible, so a refresh never jumps.
 */
import type { Glyphs } from './glyphs.js';
import { textWidth, truncate, type Line, type Segment } from './text.js';

/** One column of a table. */
export interface Column {
  title: string;
  /** Minimum width in columns (the title's width when larger). */
  width: number;
  /** Share of the extra width this column takes (0: fixed). */
  grow?: number;
  align?: 'left' | 'right';
}

/** One cell: text (already made inert), or styled segments. */
export type Cell = string | Segment | Segment[];

/** A table as plain data: what render functions return and tests inspect. */
export interface DataTable {
  title: string;
  columns: Column[];
  rows: Cell[][];
  /** Shown instead of rows when there are none. */
  empty?: string;
}

/** Plain text of a cell. */
export function cellText(c: Cell): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((s) => s.text).join('');
  return c.text;
}

/** Widths of the columns for a table of the given width (one space between columns, one marker column in front). */
export function layoutColumns(columns: readonly Column[], width: number): number[] {
  const base = columns.map((c) => Math.max(c.width, textWidth(c.title)));
  const used = 1 + base.reduce((n, w) => n + w, 0) + Math.max(0, columns.length - 1);
  let extra = width - used;
  if (extra <= 0) {
    // Too narrow: shrink the growing columns first (from the right), then the others, never below 3.
    const out = [...base];
    let over = -extra;
    const order = [...columns.keys()].reverse();
    for (const i of [
      ...order.filter((j) => (columns[j]!.grow ?? 0) > 0),
      ...order.filter((j) => !((columns[j]!.grow ?? 0) > 0)),
    ]) {
      if (over <= 0) break;
      const take = Math.min(Math.max(0, out[i]! - 3), over);
      out[i] = out[i]! - take;
      over -= take;
    }
    return out;
  }
  const growTotal = columns.reduce((n, c) => n + (c.grow ?? 0), 0);
  if (growTotal === 0) return base;
  const out = [...base];
  columns.forEach((c, i) => {
    const share = Math.floor((extra * (c.grow ?? 0)) / growTotal);
    out[i] = out[i]! + share;
  });
  // Rounding leftovers go to the first growing column.
  extra -= out.reduce((n, w, i) => n + w - base[i]!, 0);
  const first = columns.findIndex((c) => (c.grow ?? 0) > 0);
  if (first >= 0) out[first] = out[first]! + extra;
  return out;
}

function fitCell(c: Cell, width: number, align: 'left' | 'right', ellipsis: string): Segment[] {
  const segs: Segment[] = typeof c === 'string' ? [{ text: c }] : Array.isArray(c) ? c : [c];
  const out: Segment[] = [];
  let used = 0;
  for (const s of segs) {
    if (used >= width) break;
    const w = textWidth(s.text);
    if (used + w <= width) {
      out.push(s);
      used += w;
    } else {
      out.push({ ...s, text: truncate(s.text, width - used, ellipsis) });
      used = width;
    }
  }
  const pad = { text: ' '.repeat(width - used) };
  return align === 'right' ? [pad, ...out] : [...out, pad];
}

/** The header line of a table. */
export function renderTableHeader(columns: readonly Column[], widths: readonly number[]): Line {
  const line: Line = [{ text: ' ' }];
  columns.forEach((c, i) => {
    if (i > 0) line.push({ text: ' ' });
    line.push(...fitCell({ text: c.title, style: 'label' }, widths[i]!, c.align ?? 'left', ''));
  });
  return line;
}

/** One body line: the selection marker, then the cells; the selected row in the selected style when the table has focus. */
export function renderTableRow(
  columns: readonly Column[],
  widths: readonly number[],
  cells: readonly Cell[],
  opts: { selected: boolean; focused: boolean; glyphs: Pick<Glyphs, 'pointer' | 'ellipsis'> },
): Line {
  const marker = opts.selected ? opts.glyphs.pointer : ' ';
  const line: Line = [{ text: marker, ...(opts.selected ? { style: 'accent' as const } : {}) }];
  columns.forEach((c, i) => {
    if (i > 0) line.push({ text: ' ' });
    line.push(...fitCell(cells[i] ?? '', widths[i]!, c.align ?? 'left', opts.glyphs.ellipsis));
  });
  if (opts.selected && opts.focused)
    return line.map((s, i) => (i === 0 ? s : { text: s.text, style: 'selected' as const }));
  return line;
}

/**
 * The scroll offset that keeps the selected row visible in a window of
 * height rows, moving the previous offset as little as possible.
 */
export function scrollWindow(selected: number, offset: number, height: number, count: number): number {
  if (count <= 0 || height <= 0) return 0;
  const maxOffset = Math.max(0, count - height);
  let o = Math.min(Math.max(0, offset), maxOffset);
  if (selected < o) o = selected;
  else if (selected >= o + height) o = selected - height + 1;
  return Math.min(Math.max(0, o), maxOffset);
}

/** A table window: header plus the visible rows; rowAt is called only for rows in the window. */
export function renderTableWindow(opts: {
  columns: readonly Column[];
  width: number;
  /** Rows available for the header and body. */
  height: number;
  count: number;
  rowAt: (index: number) => readonly Cell[];
  selected: number;
  offset: number;
  focused: boolean;
  glyphs: Pick<Glyphs, 'pointer' | 'ellipsis'>;
  empty?: string;
}): { lines: Line[]; offset: number } {
  const widths = layoutColumns(opts.columns, opts.width);
  const bodyHeight = Math.max(0, opts.height - 1);
  const offset = scrollWindow(opts.selected, opts.offset, bodyHeight, opts.count);
  const lines: Line[] = [renderTableHeader(opts.columns, widths)];
  if (opts.count === 0 && opts.empty) {
    lines.push([{ text: `  ${opts.empty}`, style: 'dim' }]);
    return { lines, offset: 0 };
  }
  const end = Math.min(opts.count, offset + bodyHeight);
  for (let i = offset; i < end; i++) {
    lines.push(
      renderTableRow(opts.columns, widths, opts.rowAt(i), {
        selected: i === opts.selected,
        focused: opts.focused,
        glyphs: opts.glyphs,
      }),
    );
  }
  return { lines, offset };
}

/** A whole data table as lines (for short tables such as inventory sections), with its title above. */
export function renderDataTable(table: DataTable, width: number, glyphs: Pick<Glyphs, 'pointer' | 'ellipsis'>): Line[] {
  const out: Line[] = [[{ text: ` ${table.title}`, style: 'title' }]];
  const widths = layoutColumns(table.columns, width);
  out.push(renderTableHeader(table.columns, widths));
  if (table.rows.length === 0) out.push([{ text: `  ${table.empty ?? 'none'}`, style: 'dim' }]);
  for (const r of table.rows)
    out.push(renderTableRow(table.columns, widths, r, { selected: false, focused: false, glyphs }));
  return out;
}
