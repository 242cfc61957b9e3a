import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../vdc-console/server/sqlite-store.js';

/** The page cache's bound in KiB, from PRAGMA cache_size (negative: KiB; positive: pages of page_size bytes). */
function cacheKib(db: Database.Database): number {
  const size = db.pragma('cache_size', { simple: true }) as number;
  return size < 0 ? -size : (size * (db.pragma('page_size', { simple: true }) as number)) / 1024;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qx-vdc-sqlite-mem-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("the vDC's SQLite connection", () => {
  it('bounds its page cache to 2 MiB, where the driver would keep up to 16 MiB', () => {
    // For contrast: the driver's own default, which a fleet's stored inventories fill.
    const plain = new Database(join(dir, 'plain.db'));
    expect(cacheKib(plain)).toBeGreaterThan(8 * 1024);
    plain.close();

    const db = openDatabase(join(dir, 'vdc.db'));
    expect(cacheKib(db)).toBeLessThanOrEqual(2048);
    db.close();
  });
});
