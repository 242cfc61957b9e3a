/**
 * Faults of vDC replicas on PostgreSQL, for real: the database unreachable
 * at start; a replica killed with SIGKILL between a host's join and the
 * commit of its row (the other replica finishes the registration); the
 * database restarted under running replicas (coded 503 meanwhile, then
 * everything carries on with nothing lost).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { request } from '../../common/http/request.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { freePort, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { runVdcCli, startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let postgres: TestPostgres;
let database: string;
let tmp: string;
let host: AgentProcess;
let a: VdcProcess;
let b: VdcProcess;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'qx-vdc-dbf-'));
  // No hardware to read: the agent makes up its own host id.
  const emptyRoot = path.join(tmp, 'empty-root');
  mkdirSync(emptyRoot);
  [postgres, host] = await Promise.all([
    startPostgres(),
    startAgent({ host: '127.0.0.171', inventoryRoot: emptyRoot }),
  ]);
  database = await postgres.createDatabase('faults');
  const replica = (env: Record<string, string> = {}) =>
    startVdc({
      name: 'vdc-dbf',
      database,
      secretFile: path.join(tmp, 'vdc-secret.key'),
      lease: '1s',
      pollInterval: '300ms',
      connectTimeout: '2s',
      responseTimeout: '3s',
      env,
    });
  a = await replica({ QUANTIX_VDC_CRASH_AFTER_JOIN: '1' });
  b = await replica();
});

afterAll(async () => {
  await stopAll(a, b, host);
  await stopAll(postgres);
  rmSync(tmp, { recursive: true, force: true });
});

describe('database faults', () => {
  it('refuses a database that is not a PostgreSQL URL as a usage error, without echoing it', async () => {
    const r = await runVdcCli(['serve', '--state-dir', path.join(tmp, 'bad'), '--listen', 'none'], {
      QUANTIX_VDC_DATABASE: 'mysql://root:pa55word@db/x',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--database must be a PostgreSQL URL');
    expect(r.stderr).not.toContain('pa55word');
    const lease = await runVdcCli([
      'serve',
      '--state-dir',
      path.join(tmp, 'bad'),
      '--listen',
      'none',
      '--lease',
      '10ms',
    ]);
    expect(lease.code).toBe(2);
    expect(lease.stderr).toContain('--lease must be a duration');
  });

  it('refuses to start when the database cannot be reached: one line, exit 1, no password', async () => {
    const port = await freePort();
    const r = await runVdcCli(
      ['serve', '--state-dir', path.join(tmp, 'nodb'), '--socket', path.join(tmp, 'nodb.sock'), '--listen', 'none'],
      {
        QUANTIX_VDC_DATABASE: `postgres://quantix:hunter2-secret@127.0.0.1:${port}/quantix`,
      },
    );
    expect(r.code).toBe(1);
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('{'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DATABASE_UNAVAILABLE');
    expect(lines[0]).toContain(`127.0.0.1:${port}/quantix`);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });

  it('finishes a registration whose replica was killed between the join and the commit', async () => {
    const cluster = await b.client().createCluster({ name: 'Faults' });
    const token = (await new LocalAgentClient({ socketPath: host.socketPath }).generateToken()).token;
    const d = await b.client().discover({ address: `${host.host}:${host.port}`, token });
    // Registered through the replica that kills itself right after the host joined.
    const registering = a.client().register({ discoveryId: d.discoveryId, clusterId: cluster.id });
    await expect(registering).rejects.toBeTruthy();
    expect((await a.exited()).signal).toBe('SIGKILL');
    const joined = await new LocalAgentClient({ socketPath: host.socketPath }).status();
    expect(joined.membership).not.toBeNull();
    const node = await waitFor('the other replica to complete the pending registration', async () => {
      const n = (await b.client().listNodes()).find((x) => x.hostId === host.hostId);
      return n?.state === 'connected' ? n : null;
    });
    expect(node.id).toBe(joined.membership!.nodeId);
    const audit = await b.client().audit({ limit: 50 });
    expect(audit.find((e) => e.action === 'node.register' && e.outcome === 'ok' && e.source === 'vdc')?.detail).toMatch(
      /completed/,
    );
    await a.restart({ env: {} });
  });

  it('answers 503 DATABASE_UNAVAILABLE while the database restarts, then carries on with nothing lost', async () => {
    const nodesBefore = await b.client().listNodes();
    await postgres.stop();
    for (const v of [a, b]) {
      const r = await waitFor('a coded 503', async () => {
        const res = await request(
          { kind: 'socket', socketPath: v.socketPath },
          { method: 'GET', path: '/api/clusters' },
        );
        return res.status === 503 ? res : null;
      });
      expect(JSON.parse(r.body.toString('utf8'))).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
    }
    await postgres.start();
    for (const v of [a, b]) {
      await waitFor(
        'the replica to reach the database again',
        async () => (await v.client().listClusters()).length === 1,
      );
      expect(v.child.exitCode).toBeNull();
    }
    const created = await a.client().createCluster({ name: 'After' });
    expect((await b.client().listClusters()).map((c) => c.id)).toContain(created.id);
    const nodesAfter = await b.client().listNodes();
    expect(nodesAfter.map((n) => [n.id, n.state, n.stateSince])).toEqual(
      nodesBefore.map((n) => [n.id, n.state, n.stateSince]),
    );
    await waitFor('both replicas alive in health', async () => {
      const h = await b.client().health();
      return h.replicas?.filter((r) => r.alive).length === 2 ? h : null;
    });
  });
});
