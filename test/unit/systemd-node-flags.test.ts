import { describe, expect, it } from 'vitest';
import { unitMallocEnv, unitNodeFlags } from '../../scripts/bench/lib.js';
import { runNodeProgram } from '../helpers/run.js';

/**
 * A burst like a wave of registrations or a poll round: many short-lived objects and some that survive a few
 * collections. With V8's defaults the young generation grows to two 16 MiB semi-spaces that stay resident.
 */
const BURST = `
const v8 = require('node:v8');
const ring = new Array(20000);
for (let i = 0; i < 400000; i++) ring[i % ring.length] = { i, s: 'x'.repeat(i % 64), a: [i, i + 1] };
const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
process.stdout.write(String(young.space_size));
`;

describe('the node options of the systemd units', () => {
  for (const unit of ['quantix-node.service', 'quantix-vdc.service'] as const) {
    it(`${unit} bounds V8's young generation to 4 MiB after a burst`, async () => {
      const flags = unitNodeFlags(unit);
      const r = await runNodeProgram('-e', [BURST], { timeoutMs: 60_000 });
      expect(r.code, r.stderr).toBe(0);
      // The defaults, for contrast: the burst does grow the young generation.
      expect(Number(r.stdout)).toBeGreaterThan(16 * 1024 * 1024);
      // The unit's options given as NODE_OPTIONS: node takes the V8 ones from there as from its command line.
      const bounded = await runNodeProgram('-e', [BURST], {
        env: { ...process.env, NODE_OPTIONS: [process.env.NODE_OPTIONS ?? '', ...flags].join(' ').trim() },
        timeoutMs: 60_000,
      });
      expect(bounded.code, bounded.stderr).toBe(0);
      expect(Number(bounded.stdout)).toBeLessThanOrEqual(4 * 1024 * 1024);
    });
  }
});

/**
 * Work on libuv's thread pool (key derivations, file reads) from several threads at once; then the number of
 * glibc thread arenas, the anonymous read-write mappings that start on a 64 MiB boundary.
 */
const THREADS = `
const crypto = require('node:crypto');
const fs = require('node:fs');
let left = 16;
const done = () => {
  if (--left > 0) return;
  let arenas = 0;
  for (const l of fs.readFileSync('/proc/self/maps', 'utf8').split('\\n')) {
    const m = /^([0-9a-f]+)-[0-9a-f]+ rw-p 00000000 00:00 0\\s*$/.exec(l);
    if (m && BigInt('0x' + m[1]) % (64n << 20n) === 0n && BigInt('0x' + m[1]) > 0x7f0000000000n) arenas++;
  }
  process.stdout.write(String(arenas));
};
for (let i = 0; i < 16; i++) crypto.scrypt('x' + i, 's', 32, { N: 1024, r: 8, p: 1 }, done);
`;

describe("the vDC's systemd unit", () => {
  it('keeps malloc to two arenas however many threads allocate', async () => {
    const plain = await runNodeProgram('-e', [THREADS], { timeoutMs: 60_000 });
    expect(plain.code, plain.stderr).toBe(0);
    // The default, for contrast: one arena per thread pool thread that allocated at once.
    expect(Number(plain.stdout)).toBeGreaterThan(2);
    const bounded = await runNodeProgram('-e', [THREADS], {
      env: { ...process.env, ...unitMallocEnv('quantix-vdc.service') },
      timeoutMs: 60_000,
    });
    expect(bounded.code, bounded.stderr).toBe(0);
    expect(Number(bounded.stdout)).toBeLessThanOrEqual(2);
  });
});
