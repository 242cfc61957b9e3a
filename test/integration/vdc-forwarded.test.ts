/**
 * A host reached through port forwarding, as behind NAT: a real TCP
 * forwarder on another loopback address stands between a real vDC and a
 * real agent (both child processes). Discovery warns that the address the
 * vDC used is not one the host reports, and registration keeps that
 * address. The forwarder counts connections, which shows the poller
 * checking the host over one kept-alive connection rather than a new
 * handshake every round, reconnecting when that connection is cut, and
 * giving up a kept connection that went silent when the host vanished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const FORWARD_HOST = '127.0.0.47';

/** A TCP port forward that counts and can cut the connections through it. */
interface Forwarder {
  port: number;
  accepted: number;
  open: Set<net.Socket>;
  cutAll(): void;
  /** The host vanishes: kept connections go silent, new ones are refused. */
  vanish(): void;
  close(): Promise<void>;
}

async function forward(toHost: string, toPort: number): Promise<Forwarder> {
  const open = new Set<net.Socket>();
  const silence: (() => void)[] = [];
  const f: Forwarder = {
    port: 0,
    accepted: 0,
    open,
    cutAll() {
      for (const s of open) s.destroy();
    },
    vanish() {
      for (const quiet of silence) quiet();
      server.close();
    },
    close: () =>
      new Promise<void>((resolve) => {
        f.cutAll();
        if (server.listening) server.close(() => resolve());
        else resolve();
      }),
  };
  const server = net.createServer((inbound) => {
    f.accepted++;
    const outbound = net.connect({ host: toHost, port: toPort });
    open.add(inbound);
    const done = () => {
      open.delete(inbound);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', done).on('close', done);
    outbound.on('error', done).on('close', done);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    silence.push(() => {
      inbound.unpipe(outbound);
      outbound.unpipe(inbound);
      inbound.pause();
      outbound.pause();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, FORWARD_HOST, resolve));
  f.port = (server.address() as net.AddressInfo).port;
  return f;
}

let agent: AgentProcess;
let vdc: VdcProcess;
let fwd: Forwarder;

beforeAll(async () => {
  [agent, vdc] = await Promise.all([
    startAgent({ host: '127.0.0.46' }),
    startVdc({ name: 'vdc-nat', pollInterval: '200ms' }),
  ]);
  fwd = await forward(agent.host, agent.port);
});

afterAll(async () => {
  await stopAll(fwd);
  await stopAll(agent, vdc);
});

/** Resolves once `n` more poller rounds have ended. */
async function rounds(n: number): Promise<void> {
  const client = vdc.client();
  let seen = (await client.health()).poller.lastRoundAt;
  for (let i = 0; i < n; i++) {
    const before = seen;
    seen = await waitFor(`poller round ${i + 1} of ${n}`, async () => {
      const at = (await client.health()).poller.lastRoundAt;
      return at && at !== before ? at : null;
    });
  }
}

describe('a host behind port forwarding', () => {
  let nodeId: string;

  it('warns at discovery that the host does not report the address used, and registers it at that address', async () => {
    const client = vdc.client();
    const cluster = await client.createCluster({ name: 'Behind-NAT' });
    const { token } = await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken();
    const d = await client.discover({ address: `${FORWARD_HOST}:${fwd.port}`, token });
    const nat = d.warnings.find((w) => w.code === 'ADDRESS_NOT_REPORTED');
    expect(nat?.message).toContain(FORWARD_HOST);
    expect(nat?.message).toContain(agent.host);
    expect(nat?.message).toMatch(/NAT/);
    expect(d.host).toMatchObject({
      hostId: agent.hostId,
      address: FORWARD_HOST,
      port: fwd.port,
      identityVerified: true,
    });

    const node = await client.register({ discoveryId: d.discoveryId, clusterId: cluster.id });
    nodeId = node.id;
    expect(node).toMatchObject({ address: FORWARD_HOST, port: fwd.port, state: 'connected' });
  });

  it('is polled over one kept-alive connection instead of a new one every round', async () => {
    await rounds(2);
    const before = fwd.accepted;
    await rounds(5);
    // Five rounds, at most one new connection (should the host have closed the kept one in between).
    expect(fwd.accepted - before).toBeLessThanOrEqual(1);
    expect(fwd.open.size).toBeGreaterThanOrEqual(1);
    expect((await vdc.client().getNode(nodeId)).state).toBe('connected');
  });

  it('reconnects when the kept connection is cut, and the host stays connected', async () => {
    const client = vdc.client();
    fwd.cutAll();
    const cutAt = new Date().toISOString();
    const before = fwd.accepted;
    await rounds(3);
    expect(fwd.accepted).toBeGreaterThan(before);
    const node = await client.getNode(nodeId);
    expect(node.state).toBe('connected');
    expect(node.lastSeenAt! > cutAt).toBe(true);
  });

  it('is found unreachable when it vanishes, not left waiting on the silent kept connection', async () => {
    const client = vdc.client();
    fwd.vanish();
    // A kept connection that stays silent is given up after the connect time and the host asked afresh, which is
    // refused: HOST_UNREACHABLE. Waiting out the response time on it would give CONNECTION_TIMEOUT instead.
    const down = await waitFor(
      'the host to be seen disconnected',
      async () => {
        const n = await client.getNode(nodeId);
        return n.state === 'disconnected' ? n : null;
      },
      40_000,
    );
    expect(down.lastError?.code).toBe('HOST_UNREACHABLE');
  }, 60_000);
});
