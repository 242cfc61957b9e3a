import { describe, expect, it } from 'vitest';
import { checkSizes, measureFunctions, parseAllowList, type FunctionSize } from '../../scripts/lint/function-size.js';

/** The sizes of the functions in a snippet, by name. */
function sizes(text: string): Record<string, { own: number; total: number; line: number }> {
  return Object.fromEntries(
    measureFunctions('snippet.ts', text).map((f) => [f.name, { own: f.own, total: f.total, line: f.line }]),
  );
}

/** A function of `body` statement lines, named `name`, as source lines. */
function fn(name: string, body: number, indent = ''): string[] {
  return [
    `${indent}function ${name}() {`,
    ...Array.from({ length: body }, (_, i) => `${indent}  const v${i} = ${i};`),
    `${indent}}`,
  ];
}

describe('measureFunctions', () => {
  it('counts a plain function from its first to its last line, its comment above excluded', () => {
    const text = ['/** Doc. */', ...fn('a', 3), ''].join('\n');
    expect(sizes(text)).toEqual({ a: { own: 5, total: 5, line: 2 } });
  });

  it('counts a nested function apart from its parent, and within the parent total', () => {
    const text = ['function outer() {', '  const x = 1;', ...fn('inner', 4, '  '), '  return x;', '}'].join('\n');
    expect(sizes(text)).toEqual({
      outer: { own: 4, total: 10, line: 1 },
      'outer.inner': { own: 6, total: 6, line: 3 },
    });
  });

  it('gives an arrow function the line it starts on, and the closing line of a callback', () => {
    const text = [
      'export const factory = (n: number) => {', // factory
      '  const items: number[] = [];', // factory
      '  items.forEach((i) => {', // <anonymous>
      '    console.log(i);', // <anonymous>
      '  });', // <anonymous>
      '  const handler = async () => {', // handler
      '', // handler: blank lines inside count
      '    await Promise.resolve(n);', // handler
      '  };', // handler
      '  return handler;', // factory
      '};', // factory
    ].join('\n');
    expect(sizes(text)).toEqual({
      factory: { own: 4, total: 11, line: 1 },
      'factory.<anonymous>': { own: 3, total: 3, line: 3 },
      'factory.handler': { own: 4, total: 4, line: 6 },
    });
  });

  it('names methods, constructors and accessors after their class, and skips overloads', () => {
    const text = [
      'class Store {',
      '  constructor(private n: number) {}',
      '  get size(): number {',
      '    return this.n;',
      '  }',
      '  find(x: string): string;',
      '  find(x: number): number;',
      '  find(x: unknown): unknown {',
      '    return x;',
      '  }',
      '}',
    ].join('\n');
    expect(sizes(text)).toEqual({
      'Store.constructor': { own: 1, total: 1, line: 2 },
      'Store.size': { own: 3, total: 3, line: 3 },
      'Store.find': { own: 3, total: 3, line: 8 },
    });
  });

  it('counts every line of a file once across the functions that hold it', () => {
    const text = [
      'export function a() {',
      '  const f = () => 1;',
      '  return [1, 2].map((x) => {',
      '    return x + f();',
      '  });',
      '}',
    ].join('\n');
    const all = measureFunctions('x.ts', text);
    expect(all.reduce((n, f) => n + f.own, 0)).toBe(all[0]!.total);
    expect(all.map((f) => f.name)).toEqual(['a', 'a.f', 'a.<anonymous>']);
  });
});

describe('checkSizes', () => {
  const at = (name: string, own: number, total: number): FunctionSize => ({ name, line: 7, own, total });

  it('passes functions within 120 own and 250 total lines, and names each violator with its size', () => {
    const files = new Map([
      ['common/a.ts', [at('fits', 120, 250), at('ownTooLong', 121, 130), at('factoryTooLong', 10, 251)]],
    ]);
    expect(checkSizes(files, []).map((f) => f.message)).toEqual([
      'common/a.ts:7 ownTooLong 121/130 (limits 120 own, 250 in all)',
      'common/a.ts:7 factoryTooLong 10/251 (limits 120 own, 250 in all)',
    ]);
  });

  it('lets a listed function shrink but not grow, and refuses an entry that is no longer needed', () => {
    const allow = parseAllowList(
      ['# comment', 'common/a.ts big 80/600', '', 'common/a.ts gone 10/300  # split'].join('\n'),
    );
    expect(allow.map((a) => [a.name, a.own, a.total, a.listLine])).toEqual([
      ['big', 80, 600, 2],
      ['gone', 10, 300, 4],
    ]);
    const shrunk = new Map([['common/a.ts', [at('big', 70, 500), at('gone', 10, 200)]]]);
    expect(checkSizes(shrunk, allow).map((f) => f.message)).toEqual([
      'scripts/lint/function-size-allow.txt:4 common/a.ts gone is within the limits or gone: remove the entry',
    ]);
    const grown = new Map([['common/a.ts', [at('big', 81, 500), at('gone', 10, 300)]]]);
    expect(checkSizes(grown, allow).map((f) => f.message)).toEqual([
      'common/a.ts:7 big 81/500 grew past its allowed 80/600: split it instead',
    ]);
  });

  it('refuses a malformed allow list line, naming it', () => {
    expect(() => parseAllowList('common/a.ts big 80')).toThrow(
      'scripts/lint/function-size-allow.txt:1: expected "file name own/total", got "common/a.ts big 80"',
    );
  });
});
