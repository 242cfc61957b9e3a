import { describe, expect, it } from 'vitest';
import { UsageError } from '../../common/cli/error-line.js';
import { INVENTORY_REFRESH, parseCommandLine } from '../../vdc-console/server/options.js';

const serve = (args: string[], env: Record<string, string> = {}) => {
  const c = parseCommandLine(['serve', '--state-dir', '/tmp/qx-vdc-opts', ...args], env, 1000, '/home/u');
  if (c.kind !== 'serve') throw new Error(`not serve: ${c.kind}`);
  return c.config;
};

describe('quantix-vdc serve --inventory-refresh', () => {
  it('defaults to six hours and takes a duration from the flag or the environment', () => {
    expect(serve([]).inventoryRefreshMs).toBe(INVENTORY_REFRESH.defaultMs);
    expect(INVENTORY_REFRESH.defaultMs).toBe(6 * 3_600_000);
    expect(serve(['--inventory-refresh', '30m']).inventoryRefreshMs).toBe(30 * 60_000);
    expect(serve([], { QUANTIX_VDC_INVENTORY_REFRESH: '2h' }).inventoryRefreshMs).toBe(2 * 3_600_000);
    // The flag wins over the environment.
    expect(serve(['--inventory-refresh', '1s'], { QUANTIX_VDC_INVENTORY_REFRESH: '2h' }).inventoryRefreshMs).toBe(1000);
    expect(serve(['--inventory-refresh', '168h']).inventoryRefreshMs).toBe(168 * 3_600_000);
  });

  it('refuses a value outside 1 s to 168 h, or not a duration, naming the bounds', () => {
    for (const bad of ['500ms', '0', '169h', 'often', '-1h']) {
      let err: unknown;
      try {
        serve([`--inventory-refresh=${bad}`]);
      } catch (e) {
        err = e;
      }
      expect(err, bad).toBeInstanceOf(UsageError);
      expect((err as UsageError).message).toContain('--inventory-refresh must be a duration from 1s to 168h');
    }
  });
});
