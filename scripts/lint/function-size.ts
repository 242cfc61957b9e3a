/**
 * Function size check, run by `npm run lint` after ESLint: no production
 * function (common/, host-console/, vdc-console/) has more than 120 lines of
 * its own or more than 250 lines in all.
 *
 * Every line of a function belongs to exactly one function: the innermost
 * one holding the line's first character (a function's first line belongs
 * to it even when the line starts with `export const name =`). A function's
 * own lines are those that belong to it; its total is its whole span, nested
 * functions included, so a factory or a closure is measured whole. Blank and
 * comment lines inside a function count like code.
 *
 * Functions that are too big today and are being split elsewhere are listed
 * in function-size-allow.txt with their current size: a listed function may
 * shrink but not grow, and an entry whose function is within the limits (or
 * gone) is refused until it is removed, so the list only gets shorter.
 *
 *   node dist/scripts/lint/function-size.js   (exits 1 on a violation)
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Most lines a function may have that are not inside a nested function. */
export const MAX_OWN_LINES = 120;
/** Most lines a function may span, nested functions included. */
export const MAX_TOTAL_LINES = 250;
/** The production folders, relative to the repository root. */
export const PRODUCTION_DIRS = ['common', 'host-console', 'vdc-console'];
/** The allow list, relative to the repository root. */
export const ALLOW_LIST = 'scripts/lint/function-size-allow.txt';

/** One function's size. */
export interface FunctionSize {
  /** Dotted path of the named functions and classes around it, e.g. `createCore.handle`. */
  name: string;
  /** 1-based line of its first character. */
  line: number;
  own: number;
  total: number;
}

/** An allowed violator: the file, the function's name and its size when listed. */
export interface AllowEntry {
  file: string;
  name: string;
  own: number;
  total: number;
  /** Line of the entry in the allow list, for messages. */
  listLine: number;
}

interface Span {
  name: string;
  start: number;
  end: number;
  startLine: number;
  endLine: number;
  depth: number;
}

/** The name a function is known by in its source, or `<anonymous>`. */
function nameOf(node: ts.SignatureDeclaration, sf: ts.SourceFile): string {
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  if (node.name !== undefined) return node.name.getText(sf);
  const parent = node.parent;
  if (
    (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) &&
    parent.initializer === node
  ) {
    return parent.name.getText(sf);
  }
  return '<anonymous>';
}

/** Whether a node is a function with a body (declarations without one are overloads or abstract). */
function isFunctionWithBody(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    (ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)) &&
    node.body !== undefined
  );
}

/** Every function with a body in a source text, outermost first, with its own and total lines. */
export function measureFunctions(fileName: string, text: string): FunctionSize[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const spans: Span[] = [];
  const visit = (node: ts.Node, scope: string[], depth: number): void => {
    let inner = scope;
    let innerDepth = depth;
    if (isFunctionWithBody(node)) {
      const start = node.getStart(sf);
      const name = [...scope, nameOf(node, sf)].join('.');
      spans.push({
        name,
        start,
        end: node.getEnd(),
        startLine: sf.getLineAndCharacterOfPosition(start).line,
        endLine: sf.getLineAndCharacterOfPosition(node.getEnd()).line,
        depth,
      });
      inner = [...scope, nameOf(node, sf)];
      innerDepth = depth + 1;
    } else if (ts.isClassLike(node) && node.name !== undefined) {
      inner = [...scope, node.name.text];
    }
    ts.forEachChild(node, (child) => visit(child, inner, innerDepth));
  };
  visit(sf, [], 0);

  const own = new Array<number>(spans.length).fill(0);
  const lineStarts = sf.getLineStarts();
  for (let line = 0; line < lineStarts.length; line++) {
    const lineStart = lineStarts[line]!;
    const lineEnd = lineStarts[line + 1] ?? text.length;
    let first = lineStart;
    while (first < lineEnd && /\s/.test(text.charAt(first))) first++;
    // The innermost function holding the line's first character, or starting on this line.
    let owner = -1;
    spans.forEach((s, i) => {
      if (line < s.startLine || line > s.endLine) return;
      const holds = line === s.startLine || (first >= s.start && first < s.end);
      if (holds && (owner === -1 || s.depth >= spans[owner]!.depth)) owner = i;
    });
    if (owner !== -1) own[owner]!++;
  }
  return spans.map((s, i) => ({
    name: s.name,
    line: s.startLine + 1,
    own: own[i]!,
    total: s.endLine - s.startLine + 1,
  }));
}

/** Whether a function is over either limit. */
export function isTooBig(f: { own: number; total: number }): boolean {
  return f.own > MAX_OWN_LINES || f.total > MAX_TOTAL_LINES;
}

/**
 * Reads the allow list: one `file name own/total` per line, `#` starts a
 * comment. A malformed line is an error naming it.
 */
export function parseAllowList(text: string): AllowEntry[] {
  const entries: AllowEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(\S+)\s+(\d+)\/(\d+)$/.exec(line);
    if (m === null) throw new Error(`${ALLOW_LIST}:${i + 1}: expected "file name own/total", got "${raw}"`);
    entries.push({ file: m[1]!, name: m[2]!, own: Number(m[3]), total: Number(m[4]), listLine: i + 1 });
  });
  return entries;
}

/** One line of the check's output. */
export interface Finding {
  /** `file:line name own/total` for a violator, `allow list:line ...` for a stale entry. */
  message: string;
}

/**
 * Checks measured files against the limits and the allow list. `files` maps
 * a path relative to the repository root to its functions.
 */
export function checkSizes(files: Map<string, FunctionSize[]>, allow: AllowEntry[]): Finding[] {
  const findings: Finding[] = [];
  const used = new Set<AllowEntry>();
  for (const [file, functions] of files) {
    for (const f of functions) {
      if (!isTooBig(f)) continue;
      const entry = allow.find((a) => a.file === file && a.name === f.name);
      const size = `${f.own}/${f.total}`;
      if (entry === undefined) {
        findings.push({
          message: `${file}:${f.line} ${f.name} ${size} (limits ${MAX_OWN_LINES} own, ${MAX_TOTAL_LINES} in all)`,
        });
        continue;
      }
      used.add(entry);
      if (f.own > entry.own || f.total > entry.total) {
        findings.push({
          message: `${file}:${f.line} ${f.name} ${size} grew past its allowed ${entry.own}/${entry.total}: split it instead`,
        });
      }
    }
  }
  for (const a of allow) {
    if (!used.has(a))
      findings.push({
        message: `${ALLOW_LIST}:${a.listLine} ${a.file} ${a.name} is within the limits or gone: remove the entry`,
      });
  }
  return findings;
}

/** Every .ts file (not .d.ts) under a folder, relative to root, sorted. */
function sourceFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(root, rel));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
  return out.sort();
}

/** Measures the production folders of a repository and checks them; the findings, in file order. */
export function checkRepository(root: string): Finding[] {
  const files = new Map<string, FunctionSize[]>();
  for (const dir of PRODUCTION_DIRS) {
    for (const file of sourceFiles(root, dir))
      files.set(file, measureFunctions(file, readFileSync(path.join(root, file), 'utf8')));
  }
  return checkSizes(files, parseAllowList(readFileSync(path.join(root, ALLOW_LIST), 'utf8')));
}

if (process.argv[1] !== undefined && path.basename(process.argv[1]) === 'function-size.js') {
  // dist/scripts/lint/function-size.js: the repository is three folders up.
  const root = path.resolve(path.dirname(process.argv[1]), '../../..');
  const findings = checkRepository(root);
  for (const f of findings) process.stdout.write(`${f.message}\n`);
  if (findings.length > 0) {
    process.stderr.write(
      `function-size: ${findings.length} finding(s); limits: ${MAX_OWN_LINES} lines of a function's own, ${MAX_TOTAL_LINES} in all.\n`,
    );
    process.exitCode = 1;
  }
}
