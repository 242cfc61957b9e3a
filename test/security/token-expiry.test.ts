/**
 * Token lifetime end to end with an injected clock: the compiled agent
 * module (dist/, loaded in this process so its clock can be set) behind a
 * real vDC process. Discovery through the vDC works at TTL - 1 s and is
 * TOKEN_EXPIRED at exactly TTL; a registration reviewed before the expiry
 * is refused after it and leaves no host row. (The same boundary against
 * the TypeScript agent is test/integration/agent-clock.test.ts; a restart
 * forgetting the token is agent-registration and vdc-errors.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { createLogger } from '../../common/log/logger.js';
import type { RunningAgent } from '../../host-console/agent/agent.js';
import { REPO_ROOT } from '../helpers/agent.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { expectQuantixError } from '../helpers/expect-error.js';
import { stopAll } from '../helpers/teardown.js';

type AgentModule = typeof import('../../host-console/agent/agent.js');

let dir: string;
let agent: RunningAgent;
let vdc: VdcProcess;
const clock = { t: Date.now() };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'qx-expiry-'));
  const { createAgent } = (await import(
    pathToFileURL(path.join(REPO_ROOT, 'dist/host-console/agent/agent.js')).href
  )) as AgentModule;
  const sink = new Writable({ write: (_c, _e, done) => done() });
  [agent, vdc] = await Promise.all([
    createAgent({
      stateDir: path.join(dir, 'state'),
      socketPath: path.join(dir, 'node.sock'),
      listenHost: '127.0.0.141',
      listenPort: 0,
      tokenTtlSeconds: 600,
      now: () => clock.t,
      inventoryRoot: dir,
      logger: createLogger({ name: 'quantix-node', destination: sink }),
    }),
    startVdc({ name: 'vdc-expiry', pollInterval: '1h' }),
  ]);
});

afterAll(async () => {
  await stopAll(agent, vdc);
  rmSync(dir, { recursive: true, force: true });
});

describe('token lifetime through a real vDC', () => {
  it('discovers at TTL - 1 s, is TOKEN_EXPIRED at TTL, and a registration reviewed in time is refused after it', async () => {
    const local = new LocalAgentClient({ socketPath: agent.socketPath });
    const t = await local.generateToken();
    const start = Date.parse(t.createdAt);
    const address = `${agent.address}:${agent.port}`;
    const cluster = await vdc.client().createCluster({ name: 'Expiry' });

    clock.t = start + 599_000;
    const d = await vdc.client().discover({ address, token: t.token });
    expect(d.host.hostId, 'discovery one second before the end of the lifetime').toBe(agent.hostId);

    clock.t = start + 600_000;
    const expired = await expectQuantixError(vdc.client().discover({ address, token: t.token }));
    expect(expired).toMatchObject({ code: 'TOKEN_EXPIRED', phase: 'verify' });
    const late = await expectQuantixError(vdc.client().register({ discoveryId: d.discoveryId, clusterId: cluster.id }));
    expect(late).toMatchObject({ code: 'TOKEN_EXPIRED', phase: 'register' });
    expect(await vdc.client().listNodes()).toEqual([]);
    expect((await local.status()).membership).toBeNull();
    expect((await local.status()).token.state).toBe('expired');
  });
});
