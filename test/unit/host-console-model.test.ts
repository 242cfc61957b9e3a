import { describe, expect, it } from 'vitest';
import { QuantixError } from '../../common/protocol/errors.js';
import type { Inventory } from '../../common/protocol/inventory.js';
import { ConsoleModel, type AgentApi } from '../../host-console/console/model.js';
import { parseOptions, defaultSocketPath } from '../../host-console/console/options.js';
import type { HostStatusView, TokenView } from '../../host-console/console/types.js';

/** An in-memory agent whose answers the test changes between polls. */
function fakeAgent() {
  const state = {
    down: false,
    status: {
      hostname: 'h',
      hostId: 'id',
      agentVersion: '1',
      agentInstanceId: 'run-1',
      addresses: [],
      port: 8443,
      certificateFingerprint: 'ab',
      membership: null,
      tokenNote: null,
      tokenEnded: null,
    } as HostStatusView,
    token: null as TokenView | null,
    calls: 0,
  };
  const fail = () => {
    throw new QuantixError('AGENT_UNREACHABLE', { message: 'The host agent is not reachable on /s.' });
  };
  const api: AgentApi = {
    status: async () => (state.calls++, state.down ? fail() : state.status),
    currentToken: async () => (state.down ? fail() : state.token),
    generateToken: async () => state.token!,
    revokeToken: async () => {
      state.token = null;
    },
    leave: async () => {},
    inventory: async () => ({ collectedAt: 'x' }) as unknown as Inventory,
  };
  return { state, api };
}

async function until(pred: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 3_000;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ConsoleModel', () => {
  it('records why the agent is unreachable, retries, and recovers by itself', async () => {
    const f = fakeAgent();
    f.state.down = true;
    const m = new ConsoleModel(f.api, { socketPath: '/s', pollMs: 10, retryMs: [10, 20] });
    m.start();
    await until(() => (m.state.problem?.attempts ?? 0) >= 2, 'two failed attempts');
    expect(m.state.problem).toMatchObject({ code: 'AGENT_UNREACHABLE', target: 'the local socket /s' });
    f.state.down = false;
    await until(() => m.state.problem === null && m.state.status !== null, 'recovery');
    expect(m.state.inventory).not.toBeNull();
    m.stop();
  });

  it('keeps a token that ran out (to say Expired) and drops one that vanished early', async () => {
    const f = fakeAgent();
    let now = 1_000_000;
    f.state.token = {
      token: 'X',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 5_000).toISOString(),
      addresses: [],
      certificateFingerprint: null,
      failedAttempts: 0,
      lastFailedFrom: null,
    };
    const m = new ConsoleModel(f.api, { socketPath: '/s', now: () => now, pollMs: 10 });
    await m.refresh();
    expect(m.tokenActive()).toBe(true);
    f.state.token = null;
    now += 6_000;
    await m.refresh();
    expect(m.state.token?.token).toBe('X');
    expect(m.tokenActive()).toBe(false);

    f.state.token = {
      token: 'Y',
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 5_000).toISOString(),
      addresses: [],
      certificateFingerprint: null,
      failedAttempts: 0,
      lastFailedFrom: null,
    };
    await m.refresh();
    f.state.token = null;
    await m.refresh();
    expect(m.state.token).toBeNull();
    expect(m.state.tokenLost, 'the same run dropped it (revoked, used): its status says why').toBeNull();
    m.stop();
  });

  it('drops the token the moment the agent stops answering, and says it is gone when another run answers', async () => {
    const f = fakeAgent();
    const now = 1_000_000;
    const token = (t: string): TokenView => ({
      token: t,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + 3_600_000).toISOString(),
      addresses: [],
      certificateFingerprint: null,
      failedAttempts: 0,
      lastFailedFrom: null,
    });
    f.state.token = token('X');
    const m = new ConsoleModel(f.api, { socketPath: '/s', now: () => now, pollMs: 10_000, retryMs: [10_000] });
    await m.refresh();
    expect(m.tokenActive()).toBe(true);

    // A stalled agent that comes back as the same run still holds its token.
    f.state.down = true;
    await m.refresh();
    expect([m.state.token, m.state.tokenLost]).toEqual([null, 'unreachable']);
    f.state.down = false;
    await m.refresh();
    expect([m.state.token?.token, m.state.tokenLost]).toEqual(['X', null]);

    // A stopped agent comes back as another run without it.
    f.state.down = true;
    await m.refresh();
    f.state.down = false;
    f.state.token = null;
    f.state.status = { ...f.state.status, agentInstanceId: 'run-2' };
    await m.refresh();
    expect([m.state.token, m.state.tokenLost]).toEqual([null, 'restarted']);
    await m.refresh();
    expect(m.state.tokenLost, 'the note stays until a new token').toBe('restarted');
    f.state.token = token('Y');
    await m.generateToken();
    expect(m.state.tokenLost).toBeNull();

    // A restart between two polls is seen by the id alone.
    f.state.token = null;
    f.state.status = { ...f.state.status, agentInstanceId: 'run-3' };
    await m.refresh();
    expect(m.state.tokenLost).toBe('restarted');
    m.stop();
  });
});

describe('options', () => {
  it.each([
    // argv, expected subset
    [[], { exitable: false, allowPower: false, socketPath: '/env/node.sock' }],
    [
      ['--exitable', '--allow-power', '--socket', '/x.sock'],
      { exitable: true, allowPower: true, socketPath: '/x.sock' },
    ],
    [['--help'], { help: true }],
  ])('%j', (argv, expected) => {
    const r = parseOptions(argv, { QUANTIX_NODE_SOCKET: '/env/node.sock' });
    expect(r.ok && r.options).toMatchObject(expected);
  });
  it.each([[['--bogus']], [['extra']], [['--socket', '']]])('rejects %j with a usage error', (argv) => {
    expect(parseOptions(argv, {}).ok).toBe(false);
  });
  it('defaults the socket like the agent: /run for root, the runtime dir otherwise', () => {
    expect(defaultSocketPath({}, 0)).toBe('/run/quantix/node.sock');
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/quantix/node.sock');
  });
});
