/**
 * The console's header on a vDC with two replicas on one embedded
 * PostgreSQL: "replicas 2/2" while both answer; after one is killed with
 * SIGKILL, "replicas 1/2 !" once its heartbeat is older than one lease,
 * readable without colour on a VT100.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PtyProgram } from '../helpers/pty.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { startConsole } from './vdc-console-support.js';

const LEASE_MS = 1_000;
/** The console refreshes every 0.5 s; a missed heartbeat shows after one lease and one refresh, with room for a loaded machine. */
const NOTICE_MS = LEASE_MS + 500 + 8_000;

let postgres: TestPostgres;
let keyDir: string;
let a: VdcProcess;
let b: VdcProcess;
let prog: PtyProgram | null = null;

beforeAll(async () => {
  keyDir = mkdtempSync(path.join(os.tmpdir(), 'qx-vdc-key-'));
  postgres = await startPostgres();
  const database = await postgres.createDatabase('console');
  const replica = () =>
    startVdc({
      name: 'vdc-ha',
      database,
      secretFile: path.join(keyDir, 'vdc-secret.key'),
      lease: `${LEASE_MS}ms`,
      pollInterval: '300ms',
    });
  [a, b] = await Promise.all([replica(), replica()]);
});

afterAll(async () => {
  await prog?.dispose();
  await stopAll(a, b);
  await stopAll(postgres);
  rmSync(keyDir, { recursive: true, force: true });
});

describe('vDC console header with replicas', () => {
  it('shows replicas 2/2, then 1/2 flagged in text once a replica is killed', async () => {
    const p = (prog = startConsole(b, { term: 'vt100', lang: 'C', noColor: true }));
    const header = () => p.screenText()[0]!;
    await p.waitFor(() => /replicas 2\/2 - 0 clusters - 0 hosts \+$/.test(header()), 'replicas 2/2 in the header');
    expect(header()).toMatch(/^\+ Quantix vDC - vdc-ha -+ replicas 2\/2 - 0 clusters - 0 hosts \+$/);
    expect(header()).toHaveLength(80);

    await a.kill();
    await p.waitFor(() => /replicas 1\/2 ! - 0 clusters/.test(header()), 'replicas 1/2 ! in the header', {
      timeoutMs: NOTICE_MS,
    });
    expect(header()).toHaveLength(80);
    expect(p.screen()).not.toContain('2/2');
  });
});
