/**
 * Faults around the compiled vDC: killed with SIGKILL inside a
 * registration after its pending row is written and before the host's
 * join arrives; its SQLite database locked by another connection; a host
 * whose answer stops half-way; and the vDC vanishing after a join, seen
 * from the host and its console. (The kill between the host's join and
 * the vDC's commit is test/integration/vdc-recovery.test.ts.)
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startTcpRelay, type TcpRelay } from '../helpers/attack.js';
import { type PtyProgram, spawnInPty } from '../helpers/pty.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { expectQuantixError } from '../helpers/expect-error.js';
import { stopAll } from '../helpers/teardown.js';

let vdc: VdcProcess;
let emptyRoot: string;
let clusterId: string;
const agents: AgentProcess[] = [];
const relays: TcpRelay[] = [];
let program: PtyProgram | null = null;

beforeAll(async () => {
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  // No health rounds unless a test asks: only the registration under test talks to hosts.
  vdc = await startVdc({ name: 'vdc-faults', pollInterval: '1h', connectTimeout: '2s', responseTimeout: '3s' });
  clusterId = (await vdc.client().createCluster({ name: 'Faults' })).id;
});

afterEach(async () => {
  await program?.dispose();
  program = null;
});

afterAll(async () => {
  await stopAll(vdc, ...agents, ...relays);
  rmSync(emptyRoot, { recursive: true, force: true });
});

async function agentAt(host: string): Promise<AgentProcess> {
  const a = await startAgent({ host, inventoryRoot: emptyRoot });
  agents.push(a);
  return a;
}

const local = (a: AgentProcess) => new LocalAgentClient({ socketPath: a.socketPath });

function dbRows(): Array<{ host_id: string; state: string }> {
  const db = new Database(path.join(vdc.stateDir, 'vdc.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT host_id, state FROM nodes').all() as Array<{ host_id: string; state: string }>;
  } finally {
    db.close();
  }
}

describe('kill -9 of the vDC inside register, before the host joined', () => {
  it('leaves a pending row that the restarted vDC undoes; the host stays standalone with its token, and a new registration works', async () => {
    const agent = await agentAt('127.0.0.121');
    const relay = await startTcpRelay({ host: agent.host, port: agent.port });
    relays.push(relay);
    const token = (await local(agent).generateToken()).token;
    const d = await vdc.client().discover({ address: `127.0.0.1:${relay.port}`, token });
    // Every connection toward the host once the pending row exists is held: that is the join.
    relay.setPolicy(() => (dbRows().some((r) => r.state === 'pending') ? 'hold' : 'pass'));
    const attempt = vdc
      .client()
      .register({ discoveryId: d.discoveryId, clusterId })
      .catch((e: unknown) => e);
    await waitFor('the join connection to reach the host side (held)', () => relay.held > 0);
    await vdc.kill();
    expect(await attempt).toBeInstanceOf(QuantixError);

    expect(dbRows(), 'the vDC database right after the kill').toEqual([{ host_id: agent.hostId, state: 'pending' }]);
    expect((await local(agent).status()).membership, 'the host joined although the join never reached it').toBeNull();

    relay.setPolicy(() => 'pass');
    await vdc.restart();
    await waitFor('the restarted vDC to undo the pending row', () => dbRows().length === 0);
    const audit = await vdc.client().audit({ limit: 10 });
    expect(audit.find((e) => e.action === 'node.register' && e.source === 'vdc')?.detail).toMatch(/undone/);
    const s = await local(agent).status();
    expect(s.membership).toBeNull();
    expect(s.token.state, 'the token survives a registration that never reached the host').toBe('active');

    const again = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
    const node = await vdc.client().register({ discoveryId: again.discoveryId, clusterId });
    expect(node.state).toBe('connected');
    expect(dbRows()).toEqual([{ host_id: agent.hostId, state: 'connected' }]);
    expect((await local(agent).status()).membership).toMatchObject({ nodeId: node.id, vdc: { id: vdc.vdcId } });
    await vdc.client().removeNode(node.id);
  }, 60_000);
});

describe('SQLite busy', () => {
  it('a write while another connection holds the write lock waits, then lands; nothing is lost', async () => {
    const other = new Database(path.join(vdc.stateDir, 'vdc.db'));
    let settled = false;
    try {
      other.exec('BEGIN IMMEDIATE');
      const create = vdc
        .client()
        .createCluster({ name: 'Busy-wait' })
        .finally(() => (settled = true));
      // The vDC's main thread sleeps in SQLite's busy handler (a nanosleep), not in its event loop's epoll.
      const wchan = () => readFileSync(`/proc/${vdc.child.pid}/wchan`, 'utf8');
      await waitFor('the vDC to wait on the locked database', () => wchan() === 'hrtimer_nanosleep', 10_000, 5);
      expect(settled, 'the write finished while the lock was held').toBe(false);
      other.exec('COMMIT');
      const cluster = await create;
      expect(cluster.name).toBe('Busy-wait');
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
    }
    const db = new Database(path.join(vdc.stateDir, 'vdc.db'), { readonly: true });
    try {
      expect(
        db.prepare('SELECT name FROM clusters WHERE name = ?').get('Busy-wait'),
        'the cluster row after the lock was released',
      ).toEqual({ name: 'Busy-wait' });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
    expect((await vdc.client().listClusters()).map((c) => c.name)).toContain('Busy-wait');
  }, 60_000);
});

describe('a host whose answer stops half-way', () => {
  it('is CONNECTION_TIMEOUT, while the vDC keeps answering other requests', async () => {
    const agent = await agentAt('127.0.0.122');
    const relay = await startTcpRelay({ host: agent.host, port: agent.port });
    relays.push(relay);
    // Small answers (handshake, hello) pass; the first large one (the discovery with the inventory) is cut in the middle.
    relay.setPolicy(() => 'cut-response');
    const token = (await local(agent).generateToken()).token;
    let settled = false;
    const pending = expectQuantixError(vdc.client().discover({ address: `127.0.0.1:${relay.port}`, token })).finally(
      () => (settled = true),
    );
    await waitFor('the host answer to be cut mid-way', () => relay.cut > 0);
    const health = await vdc.client().health();
    const clusters = await vdc.client().listClusters();
    expect(settled, 'the stalled discovery ended before the vDC answered the others').toBe(false);
    expect(health.status).toBe('ok');
    expect(clusters.map((c) => c.id)).toContain(clusterId);
    const e = await pending;
    expect(e.code).toBe('CONNECTION_TIMEOUT');
    expect(e.hint).toBeTruthy();
    expect(vdc.child.exitCode).toBeNull();
  }, 60_000);
});

describe('a vDC that disappears after the join', () => {
  it('leaves the host a member, and its console shows the vDC and the last contact', async () => {
    const agent = await agentAt('127.0.0.123');
    await vdc.restart({ pollInterval: '200ms' });
    const token = (await local(agent).generateToken()).token;
    const d = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
    const node = await vdc.client().register({ discoveryId: d.discoveryId, clusterId });
    const contact = await waitFor(
      'a health round to reach the host',
      async () => (await local(agent).status()).membership?.lastContactAt,
    );
    await vdc.kill();

    const s = await local(agent).status();
    expect(s.membership, 'the host lost its membership when the vDC vanished').toMatchObject({
      nodeId: node.id,
      vdc: { id: vdc.vdcId, name: 'vdc-faults' },
      cluster: { name: 'Faults' },
    });
    expect(Date.parse(s.membership!.lastContactAt!)).toBeGreaterThanOrEqual(Date.parse(contact));

    const p = (program = spawnInPty({
      script: 'dist/host-console/console/main.js',
      args: ['--socket', agent.socketPath, '--log-file', path.join(agent.tmpDir, 'console.log'), '--exitable'],
      term: 'xterm-256color',
      cols: 80,
      rows: 24,
    }));
    await p.waitForText(/Managed by vDC vdc-faults/);
    await p.waitForText(/cluster Faults/);
    await p.waitForText(/last contact \d+s ago/);

    // After an agent restart the host is still a member of that vDC.
    await agent.stop();
    const back = await startAgent({
      host: agent.host,
      port: agent.port,
      stateDir: agent.stateDir,
      inventoryRoot: emptyRoot,
    });
    agents.push(back);
    expect((await local(back).status()).membership).toMatchObject({ nodeId: node.id, vdc: { id: vdc.vdcId } });
    await vdc.restart({ pollInterval: '1h' });
  }, 60_000);
});
