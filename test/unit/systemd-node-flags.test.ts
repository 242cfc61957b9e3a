import { describe, expect, it } from 'vitest';
import { unitNodeFlags } from '../../scripts/bench/lib.js';
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
