/**
 * A joined host's inventory answer is hostile input. A real agent joins a
 * real vDC, then a service holding the agent's own certificate and key
 * (what a compromised host has) takes its address and answers the vDC's
 * `node/inventory` with: an answer past the 512 KiB bound, one that breaks
 * the schema with escape sequences, another host's ID, and a valid
 * inventory whose strings hold escape sequences. The vDC refuses the first
 * three with a code, keeps the stored inventory and never repeats what the
 * host said; the fourth is stored and its change lines are inert.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../common/protocol/inventory.js';
import { AGENT_LARGE_RESPONSE_BYTES } from '../../common/http/host-agent-client.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { REFRESH_LIMIT } from '../../vdc-console/server/inventory-refresh.js';
import { addHostToNewCluster, runConsoleCli, tempDir } from '../e2e/vdc-console-support.js';

let agent: AgentProcess;
let vdc: VdcProcess;
let dir: string;
let nodeId: string;
let stored: Inventory;
let fake: https.Server;
/** What the fake host answers to the next request for its inventory. */
let answer: (inv: Inventory) => string = (inv) => JSON.stringify(inv);
let requests = 0;
/** While set, inventory answers wait until it resolves. */
let hold: Promise<void> | null = null;

beforeAll(async () => {
  dir = tempDir('qx-inv-hostile-');
  [agent, vdc] = await Promise.all([startAgent({ host: '127.0.0.46' }), startVdc({ name: 'vdc-hostile' })]);
  const node = await addHostToNewCluster(vdc, agent);
  nodeId = node.id;
  stored = node.inventory!;
  // The host is taken over: its certificate and key, its address and port.
  await agent.stop();
  fake = https.createServer(
    {
      cert: fs.readFileSync(path.join(agent.stateDir, 'agent.crt')),
      key: fs.readFileSync(path.join(agent.stateDir, 'agent.key')),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const inventory = req.url?.startsWith('/api/v1/node/inventory') ?? false;
      if (inventory) requests++;
      void (inventory && hold ? hold : Promise.resolve()).then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(inventory ? answer(structuredClone(stored)) : '{}');
      });
    },
  );
  await new Promise<void>((resolve) => fake.listen(agent.port, agent.host, resolve));
});

afterAll(async () => {
  fake.closeAllConnections();
  await new Promise((r) => fake.close(r));
  await stopAll(agent, vdc);
  fs.rmSync(dir, { recursive: true, force: true });
});

async function refresh(): Promise<{ code: number; out: Record<string, unknown>; stderr: string }> {
  const before = requests;
  const run = await runConsoleCli(['hosts', 'refresh', nodeId, '--json'], { home: dir, socketPath: vdc.socketPath });
  // The vDC really asked the host each time.
  expect(requests).toBeGreaterThan(before);
  return { code: run.code ?? -1, out: JSON.parse(run.stdout) as Record<string, unknown>, stderr: run.stderr };
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

describe('a hostile inventory answer', () => {
  it('past the 512 KiB bound: HOST_PROTOCOL_ERROR, the stored inventory kept', async () => {
    answer = () => JSON.stringify({ pad: 'x'.repeat(AGENT_LARGE_RESPONSE_BYTES + 1024) });
    const r = await refresh();
    expect(r.code).toBe(4);
    expect((r.out.error as { code: string }).code).toBe('HOST_PROTOCOL_ERROR');
    expect((await vdc.client().getNode(nodeId)).inventory).toEqual(stored);
  });

  it('breaking the schema with escape sequences: refused, nothing of it repeated', async () => {
    answer = (inv) =>
      JSON.stringify({ ...inv, memory: { ...inv.memory, totalBytes: '\u001b[2Jlots' }, extra: '\u001b]0;pwned\u0007' });
    const r = await refresh();
    expect(r.code).toBe(4);
    const err = r.out.error as { code: string; message: string; hint: string };
    expect(err.code).toBe('HOST_PROTOCOL_ERROR');
    for (const text of [err.message, err.hint, r.stderr]) {
      expect(text).not.toMatch(CONTROL);
      expect(text).not.toContain('lots');
      expect(text).not.toContain('pwned');
    }
    expect((await vdc.client().getNode(nodeId)).inventory).toEqual(stored);
  });

  it("another host's ID: HOST_IDENTITY_CHANGED, shown inert, the stored inventory kept", async () => {
    answer = (inv) => JSON.stringify({ ...inv, system: { ...inv.system, hostId: '\u001b[31mother-host' } });
    const r = await refresh();
    expect(r.code).toBe(4);
    const err = r.out.error as { code: string; message: string };
    expect(err.code).toBe('HOST_IDENTITY_CHANGED');
    expect(err.message).toContain('^[[31mother-host');
    expect(r.stderr).not.toMatch(CONTROL);
    expect((await vdc.client().getNode(nodeId)).inventory).toEqual(stored);
    const audit = (await vdc.client().audit()).find((e) => e.action === 'host.inventory');
    expect(audit).toMatchObject({ outcome: 'error', code: 'HOST_IDENTITY_CHANGED' });
  });

  it('valid, with escape sequences in its strings: stored, the change lines inert', async () => {
    answer = (inv) =>
      JSON.stringify({
        ...inv,
        network: [...inv.network, { ...inv.network[0]!, kind: 'physical', name: '\u001b[2Jeth9\u0007' }],
      });
    const r = await refresh();
    expect(r.code).toBe(0);
    const changes = r.out.changes as string[];
    expect(changes).toEqual([
      'Network interface added: ^[[2Jeth9^G' + (stored.network[0]!.mac ? ` (${stored.network[0]!.mac})` : ''),
    ]);
    const node = await vdc.client().getNode(nodeId);
    expect(node.inventoryChange?.changes).toEqual(changes);
    const audit = (await vdc.client().audit()).find((e) => e.action === 'host.inventory');
    expect(audit?.detail).not.toMatch(CONTROL);
  });

  it(`holds at most ${REFRESH_LIMIT} refreshes at once: one more is BUSY with a retry time`, async () => {
    answer = (inv) => JSON.stringify(inv);
    let release: () => void = () => {};
    hold = new Promise((r) => (release = r));
    const before = requests;
    const client = vdc.client();
    const held = Array.from({ length: REFRESH_LIMIT }, () => client.refreshNode(nodeId));
    await waitFor(`${REFRESH_LIMIT} refreshes at the host`, () => requests - before === REFRESH_LIMIT);
    const extra = await client.refreshNode(nodeId).catch((err: unknown) => err);
    expect(extra).toBeInstanceOf(QuantixError);
    expect((extra as QuantixError).code).toBe('BUSY');
    expect((extra as QuantixError).retryAfterSeconds).toBe(5);
    expect(requests - before).toBe(REFRESH_LIMIT);
    hold = null;
    release();
    for (const r of await Promise.all(held)) expect(r.node.id).toBe(nodeId);
    // Once they have ended, a refresh runs again.
    expect((await client.refreshNode(nodeId)).node.id).toBe(nodeId);
  });
});
