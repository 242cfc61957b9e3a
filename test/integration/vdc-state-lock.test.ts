/**
 * One `quantix-vdc serve` per SQLite state directory: a second one is
 * refused with a coded message naming the holder, and the lock of a process
 * killed with SIGKILL does not keep the next start out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let vdc: VdcProcess;

beforeAll(async () => {
  vdc = await startVdc({ name: 'vdc-lock', listen: 'none', pollInterval: '1h' });
});

afterAll(async () => {
  await stopAll(vdc);
});

describe('single writer on a SQLite state directory', () => {
  it('refuses a second serve on the same state directory, naming the running one, and leaves it serving', async () => {
    const second = await runVdcCli([
      'serve',
      '--state-dir',
      vdc.stateDir,
      '--socket',
      path.join(vdc.tmpDir, 'second.sock'),
      '--listen',
      'none',
    ]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('STATE_DIR_IN_USE');
    expect(second.stderr).toContain(`(pid ${vdc.child.pid})`);
    expect(second.stderr).toContain(vdc.stateDir);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect((await vdc.client().health()).vdc.id).toBe(vdc.vdcId);
  });

  it('starts again after the holder was killed with SIGKILL (a stale lock does not count)', async () => {
    await vdc.kill();
    await vdc.restart();
    expect((await vdc.client().health()).vdc.id).toBe(vdc.vdcId);
    const again = await runVdcCli([
      'serve',
      '--state-dir',
      vdc.stateDir,
      '--socket',
      path.join(vdc.tmpDir, 'third.sock'),
      '--listen',
      'none',
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`(pid ${vdc.child.pid})`);
  });

  it('lets the api-token command use the state directory while serve runs', async () => {
    const r = await runVdcCli(['api-token', 'list', '--json', '--state-dir', vdc.stateDir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ tokens: [] });
  });
});
