/**
 * What every screen of the vDC console is drawn in: the frame (title,
 * body, status line, footer generated from the key table) and the parts
 * several screens share (tab bar, inventory tabs, warning lines). Pure
 * functions of their inputs.
 */
import type { FlashMessage } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { renderFooterLines, type KeyBinding } from '../../../common/tui/keys.js';
import { renderDataTable, type Cell } from '../../../common/tui/table.js';
import {
  composeFrame,
  lineText,
  plain,
  seg,
  textWidth,
  truncateStart,
  wrapText,
  type FrameSection,
  type Line,
  type Segment,
} from '../../../common/tui/text.js';
import type { InventoryTab } from './inventory.js';

/** What every screen is drawn with. */
export interface Frame {
  cols: number;
  rows: number;
  glyphs: Glyphs;
  now: number;
  bindings: readonly KeyBinding[];
  flash: FlashMessage | null;
}

/**
 * The status line: the flash message, else a standing problem, else
 * nothing. A message too long for one row takes as many as it needs (up to
 * four, which no message fills), so its code and next step are never cut off.
 */
export function statusLines(flash: FlashMessage | null, problem: string | null, g: Glyphs, width: number): Line[] {
  let text: string;
  let style: 'error' | 'warn' | 'ok' | undefined;
  if (flash) {
    style = flash.kind === 'error' ? 'error' : flash.kind === 'warn' ? 'warn' : flash.kind === 'ok' ? 'ok' : undefined;
    const mark = flash.kind === 'error' ? `${g.fail} ` : flash.kind === 'ok' ? `${g.ok} ` : '';
    text = `${mark}${plain(flash.text)}`;
  } else if (problem) {
    style = 'error';
    text = `${g.fail} ${plain(problem)}`;
  } else return [[]];
  const rows = wrapText(text, width - 2);
  const shown = rows.length > 4 ? [...rows.slice(0, 3), rows.slice(3).join(' ')] : rows;
  return shown.map((r) => [seg(' '), seg(r, style)]);
}

export function framed(f: Frame, title: Line, right: Line, body: FrameSection[], status: Line[]): Line[] {
  const first = body[0]!;
  return composeFrame(f.cols, f.rows, f.glyphs, [
    { ...first, title, right },
    ...body.slice(1),
    { lines: status, height: status.length },
    { lines: footerOf(f), height: footerOf(f).length },
  ]);
}

/**
 * A section title with its filter (`Hosts · filter: web_`), within the
 * border's width beside the right-hand title: a filter too long to show
 * whole keeps its end, where typing happens, and the right-hand title
 * (the table's position) keeps its place.
 */
export function filterTitle(f: Frame, title: Line, filter: string, editing: boolean, right: Line): Line {
  const label = ` ${f.glyphs.middot} filter: `;
  const text = `${plain(filter)}${editing ? '_' : ''}`;
  // The corners and a space each side of the title; the right-hand title with its spaces and two border cells.
  const rightWidth = right.length > 0 ? textWidth(lineText(right)) + 4 : 0;
  const room = f.cols - 2 - 2 - rightWidth - textWidth(lineText(title)) - textWidth(label);
  return [...title, seg(label), seg(truncateStart(text, Math.max(8, room), f.glyphs.ellipsis), 'accent')];
}

/** The footer rows of a frame (two when its keys do not fit in one). */
function footerOf(f: Frame): Line[] {
  return renderFooterLines(f.bindings, f.cols - 2, f.glyphs);
}

/** Rows the frame leaves for content sections (borders, status and footer taken out). */
export function contentRows(f: Frame, sections: number, statusHeight: number): number {
  return f.rows - (sections + 3) - statusHeight - footerOf(f).length;
}

/** A tab bar: the titles with the selected one inverted. */
export function tabBar(titles: readonly string[], selected: number, g: Glyphs): Line {
  const out: Line = [seg(' ')];
  titles.forEach((t, i) => {
    if (i > 0) out.push(seg(` ${g.vertical} `, 'dim'));
    out.push(seg(` ${t} `, i === selected ? 'selected' : undefined));
  });
  return out;
}

/** Lines of a tab's tables, one blank line between tables. */
export function tabLines(tab: InventoryTab | undefined, width: number, g: Glyphs): Line[] {
  if (!tab) return [];
  const out: Line[] = [];
  tab.tables.forEach((t, i) => {
    if (i > 0) out.push([]);
    const lines = renderDataTable(t, width, g);
    // Key-value tables have no column titles: drop their blank header.
    out.push(...(t.columns.every((c) => c.title === '') ? lines.filter((_, j) => j !== 1) : lines));
  });
  return out;
}

/** Warnings as `! text` lines, each wrapped whole to the width under its own first line. */
export function warningLines(warnings: readonly string[], width: number): Line[] {
  return warnings.flatMap((t) =>
    wrapText(t, width - 5).map((l, i) => [seg(i === 0 ? '  ! ' : '    ', 'warn'), seg(l, 'warn')]),
  );
}

/** A table cell as segments of a line. */
export function cellSegments(c: Cell): Segment[] {
  return typeof c === 'string' ? [seg(c)] : Array.isArray(c) ? c : [c];
}
