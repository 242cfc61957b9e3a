/**
 * Styled text as plain data: a line is a list of segments, each with a
 * semantic style. Render functions build lines (testable without blessed);
 * `toTagged` turns them into blessed content at the last moment, escaping
 * every brace so no text can become a tag.
 */
import type { Glyphs, StyleName, Theme } from './glyphs.js';
import { neutralizeControls } from './sanitize.js';

/** A run of text in one style. */
export interface Segment {
  text: string;
  style?: StyleName;
}

/** One screen row. */
export type Line = Segment[];

/** A segment; text is taken as is (callers pass external strings through `plain`). */
export function seg(text: string, style?: StyleName): Segment {
  return style ? { text, style } : { text };
}

/** Control characters of an external string made visible, for use in segments. */
export function plain(s: unknown): string {
  return neutralizeControls(s);
}

/** Display width of a string: one column per code point (screens draw no wide characters). */
export function textWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Plain text of a line, as it appears on screen. */
export function lineText(line: Line): string {
  return line.map((s) => s.text).join('');
}

/** Cuts a string to at most width columns, ending with the ellipsis when cut. */
export function truncate(s: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  const chars = Array.from(s);
  if (chars.length <= width) return s;
  const e = Array.from(ellipsis);
  if (e.length >= width) return chars.slice(0, width).join('');
  return chars.slice(0, width - e.length).join('') + ellipsis;
}

/** Cuts a string to at most width columns from its start, keeping its end: text being typed stays in view. */
export function truncateStart(s: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  const chars = Array.from(s);
  if (chars.length <= width) return s;
  const e = Array.from(ellipsis);
  if (e.length >= width) return chars.slice(chars.length - width).join('');
  return ellipsis + chars.slice(chars.length - (width - e.length)).join('');
}

/** Pads (with spaces) or cuts a line to exactly width columns. */
export function fitLine(line: Line, width: number, ellipsis = '…'): Line {
  const out: Line = [];
  let used = 0;
  for (const s of line) {
    const w = textWidth(s.text);
    if (used + w <= width) {
      out.push(s);
      used += w;
      continue;
    }
    const room = width - used;
    if (room > 0) {
      out.push({ ...s, text: truncate(s.text, room, ellipsis) });
      used = width;
    }
    break;
  }
  if (used < width) out.push({ text: ' '.repeat(width - used) });
  return out;
}

/** Pads a string on the right to width columns (cutting it when longer). */
export function padEnd(s: string, width: number): string {
  const w = textWidth(s);
  return w >= width ? truncate(s, width) : s + ' '.repeat(width - w);
}

/** Pads a string on the left to width columns. */
export function padStart(s: string, width: number): string {
  const w = textWidth(s);
  return w >= width ? s : ' '.repeat(width - w) + s;
}

function escapeBraces(s: string): string {
  return s.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** blessed content for a line: braces escaped, styles opened and closed per segment. */
export function toTagged(line: Line, theme: Theme): string {
  let out = '';
  for (const s of line) {
    const tags = s.style ? theme[s.style] : [];
    const text = escapeBraces(s.text);
    if (tags.length === 0 || (s.text.trim() === '' && !tags.includes('inverse'))) {
      out += text;
      continue;
    }
    out +=
      tags.map((t) => `{${t}}`).join('') +
      text +
      [...tags]
        .reverse()
        .map((t) => `{/${t}}`)
        .join('');
  }
  return out;
}

/** One section of a framed screen. */
export interface FrameSection {
  /** Shown in the border above the section (the top border for the first). */
  title?: Line;
  /** Shown right-aligned in the same border. */
  right?: Line;
  lines: Line[];
  /** Fixed number of rows; a section without one takes the rows left over. */
  height?: number;
}

function borderLine(width: number, g: Glyphs, left: string, right: string, title?: Line, rightTitle?: Line): Line {
  const inner = width - 2;
  const parts: Line = [{ text: left, style: 'frame' }];
  let used = 0;
  if (title && title.length > 0) {
    const t = fitLine(
      [{ text: ' ' }, ...title, { text: ' ' }],
      Math.min(inner, textWidth(lineText(title)) + 2),
      g.ellipsis,
    );
    parts.push(...t);
    used += textWidth(lineText(t));
  }
  let rightPart: Line = [];
  if (rightTitle && rightTitle.length > 0) {
    const room = inner - used - 2;
    if (room > 4)
      rightPart = fitLine(
        [{ text: ' ' }, ...rightTitle, { text: ' ' }],
        Math.min(room, textWidth(lineText(rightTitle)) + 2),
        g.ellipsis,
      );
  }
  const rw = textWidth(lineText(rightPart));
  parts.push({ text: g.horizontal.repeat(Math.max(0, inner - used - rw)), style: 'frame' });
  parts.push(...rightPart);
  parts.push({ text: right, style: 'frame' });
  return parts;
}

/**
 * Lays sections out in a bordered frame of exactly cols × rows: titles in
 * the borders, one separator between sections, each content line padded or
 * cut to the inner width. Sections with a height keep it; the others share
 * what is left (the first flexible one takes it all).
 */
export function composeFrame(cols: number, rows: number, g: Glyphs, sections: FrameSection[]): Line[] {
  const inner = cols - 2;
  const borders = sections.length + 1;
  const fixed = sections.reduce((n, s) => n + (s.height ?? 0), 0);
  let flexLeft = Math.max(0, rows - borders - fixed);
  const out: Line[] = [];
  sections.forEach((s, i) => {
    out.push(
      i === 0
        ? borderLine(cols, g, g.topLeft, g.topRight, s.title, s.right)
        : borderLine(cols, g, g.teeLeft, g.teeRight, s.title, s.right),
    );
    let h = s.height;
    if (h === undefined) {
      h = flexLeft;
      flexLeft = 0;
    }
    for (let r = 0; r < h; r++) {
      const content = s.lines[r] ?? [];
      out.push([
        { text: g.vertical, style: 'frame' },
        ...fitLine(content, inner, g.ellipsis),
        { text: g.vertical, style: 'frame' },
      ]);
    }
  });
  out.push(borderLine(cols, g, g.bottomLeft, g.bottomRight));
  return out.slice(0, rows);
}

/** A progress bar of width cells, filled in proportion to fraction (0…1). */
export function progressBar(fraction: number, width: number, g: Glyphs): Line {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return [
    { text: g.barFull.repeat(full), style: 'accent' },
    { text: g.barEmpty.repeat(width - full), style: 'dim' },
  ];
}

/** Wraps text at spaces into lines of at most width columns (long words are cut). */
export function wrapText(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/ +/)) {
    let w = word;
    while (textWidth(w) > width) {
      if (current) {
        lines.push(current);
        current = '';
      }
      const chars = Array.from(w);
      lines.push(chars.slice(0, width).join(''));
      w = chars.slice(width).join('');
    }
    if (!current) current = w;
    else if (textWidth(current) + 1 + textWidth(w) <= width) current += ` ${w}`;
    else {
      lines.push(current);
      current = w;
    }
  }
  if (current || lines.length === 0) lines.push(current);
  return lines;
}

/**
 * Wraps a styled line at spaces into lines of at most width columns, each
 * character keeping its style (long words are cut). For messages that must
 * be read whole: help lines, dialog text.
 */
export function wrapLine(line: Line, width: number): Line[] {
  const chars = line.flatMap((s) => Array.from(s.text).map((c) => ({ c, style: s.style })));
  if (width <= 0 || chars.length <= width) return [line];
  const ranges: Array<[number, number]> = [];
  let start = 0;
  while (start < chars.length) {
    while (start < chars.length && chars[start]!.c === ' ' && ranges.length > 0) start++;
    if (start >= chars.length) break;
    let end = Math.min(chars.length, start + width);
    if (end < chars.length) {
      // Break after the last space that fits; a word longer than the line is cut.
      let space = -1;
      for (let i = end; i > start; i--)
        if (chars[i]?.c === ' ') {
          space = i;
          break;
        }
      if (space > start) end = space;
    }
    ranges.push([start, end]);
    start = end;
  }
  return ranges.map(([a, b]) => {
    const out: Line = [];
    for (const { c, style } of chars.slice(a, b)) {
      const last = out[out.length - 1];
      if (last && last.style === style) last.text += c;
      else out.push(style ? { text: c, style } : { text: c });
    }
    return out;
  });
}
