import { describe, expect, it } from 'vitest';
import { createBusyTracker, idleMarker } from '../../common/tui/idle.js';

const nextTurns = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));

describe('the busy tracker', () => {
  it('announces idle once all work is over, with the input bytes read', async () => {
    const written: string[] = [];
    const busy = createBusyTracker({ enabled: true, write: (t) => written.push(t) });
    const a = busy.begin();
    let release!: () => void;
    void busy.track(new Promise<void>((resolve) => (release = resolve)));
    busy.consumed(3);
    a();
    a(); // a second call of the same end is ignored
    await nextTurns();
    expect(busy.busy).toBe(true);
    expect(written).toEqual([]);
    release();
    await nextTurns();
    expect(busy.busy).toBe(false);
    expect(written).toEqual([idleMarker(3)]);
  });

  it('writes nothing when the signal is off', async () => {
    const written: string[] = [];
    const busy = createBusyTracker({ enabled: false, write: (t) => written.push(t) });
    busy.begin()();
    await nextTurns();
    expect(written).toEqual([]);
  });
});
