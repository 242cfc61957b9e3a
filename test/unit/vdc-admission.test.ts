import { describe, expect, it } from 'vitest';
import { AdmissionGate, WorkQueue } from '../../vdc-console/server/admission.js';

describe('AdmissionGate', () => {
  it('admits up to the per-caller share and the total, and takes slots back once', () => {
    const gate = new AdmissionGate(3, 2);
    const a1 = gate.tryEnter('a');
    const a2 = gate.tryEnter('a');
    // A third for the same caller: over its share.
    expect(gate.tryEnter('a')).toBeNull();
    const b1 = gate.tryEnter('b');
    // Another caller with room of its own, but the gate is full.
    expect(gate.tryEnter('c')).toBeNull();
    expect(a1 && a2 && b1).toBeTruthy();
    a1!();
    a1!();
    expect(gate.inUse).toBe(2);
    expect(gate.tryEnter('c')).not.toBeNull();
  });
});

describe('WorkQueue', () => {
  it('runs at most its limit at once, in the order asked, and goes on after a failure', async () => {
    const q = new WorkQueue(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const job = (i: number) => async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setImmediate(r));
      running--;
      order.push(i);
      if (i === 3) throw new Error('job 3 fails');
      return i;
    };
    const results = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((i) => q.run(job(i))));
    expect(most).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5, 6]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
  });
});
