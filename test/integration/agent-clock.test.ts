/**
 * Agents started in-process with createAgent, each on its own loopback
 * address with an injected clock, still over the real socket and HTTPS:
 * token expiry exactly at its TTL, and a host clock hours off that
 * registration tolerates because proofs are written on the host's clock.
 * Expiry is also checked on the compiled agent run as a child process, its
 * clock set through a module loaded before it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { HostAgentClient, type HostAgentError } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { createLogger } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { createAgent, type RunningAgent } from '../../host-console/agent/agent.js';
import { startAgent } from '../helpers/agent.js';

const dirs: string[] = [];
const running: RunningAgent[] = [];
const logLines: string[] = [];
let vdc: CertificatePair;

/** Starts an agent in this process on `host` with a settable clock. */
async function inProcess(
  host: string,
  ttlSeconds = 3600,
): Promise<{ agent: RunningAgent; clock: { t: number }; local: LocalAgentClient }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-agent-clock-'));
  dirs.push(dir);
  const clock = { t: Date.now() };
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const agent = await createAgent({
    stateDir: path.join(dir, 'state'),
    socketPath: path.join(dir, 'node.sock'),
    listenHost: host,
    listenPort: 0,
    tokenTtlSeconds: ttlSeconds,
    now: () => clock.t,
    logger: createLogger({ name: 'quantix-node', destination: sink }),
  });
  running.push(agent);
  return { agent, clock, local: new LocalAgentClient({ socketPath: agent.socketPath }) };
}

async function expectCode(p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `expected ${code}`).toBeInstanceOf(QuantixError);
  expect((err as QuantixError).code).toBe(code);
}

beforeAll(async () => {
  vdc = await createSelfSignedCertificate('vdc-clock');
});

afterAll(async () => {
  await Promise.all(running.map((a) => a.close()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('token lifetime on the agent clock', () => {
  it('is valid at TTL - 1 s and expired at TTL, over the network and locally', async () => {
    const { agent, clock, local } = await inProcess('127.0.3.1');
    const token = await local.generateToken();
    const key = await deriveKey(canonicalizeToken(token.token)!);
    const start = Date.parse(token.createdAt);
    expect(Date.parse(token.expiresAt) - start).toBe(3600_000);
    // A fresh client per step: each hello learns the host clock as it is now.
    const client = () =>
      new HostAgentClient({
        host: agent.address,
        port: agent.port,
        clientCertificate: vdc,
        localAddress: '127.0.3.100',
      });

    clock.t = start + 3599_000;
    expect((await local.getToken()).expiresInSeconds).toBe(1);
    expect((await client().discovery(key)).hostId).toBe(agent.hostId);

    clock.t = start + 3600_000;
    await expectCode(client().discovery(key), 'TOKEN_EXPIRED');
    await expectCode(local.getToken(), 'TOKEN_EXPIRED');
    expect((await local.status()).token).toMatchObject({ state: 'expired', reason: 'expired' });
    await expectCode(
      client().join(key, {
        nodeId: 'n1',
        vdc: { id: 'v', name: 'v', url: 'https://v', clientCertFingerprint: vdc.fingerprint },
        cluster: { id: 'c', name: 'c' },
      }),
      'TOKEN_EXPIRED',
    );
    // A wrong token against an expired one is still just wrong.
    await expectCode(client().discovery(await deriveKey('DDDDDDDDDDDD')), 'TOKEN_INVALID');
    // Generating again starts a new lifetime.
    const again = await local.generateToken();
    expect(again.expiresInSeconds).toBe(3600);
  });

  it('holds for the compiled agent as a child process, its clock set from outside', async () => {
    // Loaded before the agent: Date.now returns the time written in a file, read again on SIGUSR2.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-agent-clock-child-'));
    dirs.push(dir);
    const clockFile = path.join(dir, 'now');
    const shim = path.join(dir, 'clock.mjs');
    writeFileSync(clockFile, String(Date.now()));
    writeFileSync(
      shim,
      [
        "import { readFileSync } from 'node:fs';",
        `const file = ${JSON.stringify(clockFile)};`,
        'let fixed = Number(readFileSync(file, "utf8"));',
        'Date.now = () => fixed;',
        "process.on('SIGUSR2', () => { fixed = Number(readFileSync(file, 'utf8')); });",
        '',
      ].join('\n'),
    );
    const child = await startAgent({
      host: '127.0.3.4',
      env: { NODE_OPTIONS: `--import ${pathToFileURL(shim).href}` },
    });
    try {
      const local = new LocalAgentClient({ socketPath: child.socketPath });
      const setClock = async (t: number) => {
        writeFileSync(clockFile, String(t));
        child.child.kill('SIGUSR2');
        // The agent's hello reports its clock: wait until it shows the new time.
        const hello = new HostAgentClient({ host: child.host, port: child.port, localAddress: '127.0.3.100' });
        const deadline = Date.now() + 10_000;
        while ((await hello.hello()).hello.time !== new Date(t).toISOString()) {
          if (Date.now() > deadline) throw new Error(`the agent's clock did not move to ${new Date(t).toISOString()}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const token = await local.generateToken();
      const key = await deriveKey(canonicalizeToken(token.token)!);
      const start = Date.parse(token.createdAt);
      const client = () => new HostAgentClient({ host: child.host, port: child.port, localAddress: '127.0.3.100' });

      await setClock(start + 3599_000);
      expect((await local.getToken()).expiresInSeconds).toBe(1);
      expect((await client().discovery(key)).hostId).toBe(child.hostId);

      await setClock(start + 3600_000);
      await expectCode(client().discovery(key), 'TOKEN_EXPIRED');
      await expectCode(local.getToken(), 'TOKEN_EXPIRED');
      expect((await local.status()).token).toMatchObject({ state: 'expired', reason: 'expired' });
    } finally {
      await child.cleanup();
    }
  });

  it('registration works when the host clock is hours off', async () => {
    const { agent, clock, local } = await inProcess('127.0.3.2');
    clock.t = Date.now() - 5 * 3600_000;
    const key = await deriveKey(canonicalizeToken((await local.generateToken()).token)!);
    const c = new HostAgentClient({
      host: agent.address,
      port: agent.port,
      clientCertificate: vdc,
      localAddress: '127.0.3.101',
    });
    const hello = await c.hello();
    expect(hello.clockOffsetMs).toBeLessThan(-4 * 3600_000);
    const joined = await c.join(key, {
      nodeId: 'skewed',
      vdc: { id: 'v', name: 'v', url: 'https://v', clientCertFingerprint: vdc.fingerprint },
      cluster: { id: 'c', name: 'c' },
    });
    expect(joined.joinedAt).toBe(new Date(clock.t).toISOString());
    // Without the offset the same vDC's proof is five hours stale.
    const naive = new HostAgentClient({
      host: agent.address,
      port: agent.port,
      pinnedFingerprint: agent.fingerprint,
      clockOffsetMs: 0,
      localAddress: '127.0.3.102',
    });
    // The host refuses it as a malformed request; the vDC reports that in its own words and keeps the host's code.
    const stale = (await naive.discovery(key).then(
      () => null,
      (e: unknown) => e,
    )) as HostAgentError | null;
    expect(stale?.code).toBe('HOST_PROTOCOL_ERROR');
    expect(stale?.agentCode).toBe('BAD_REQUEST');
  });

  it('runs several agents side by side in one process, each with its own identity and socket', async () => {
    const agents = await Promise.all(['127.0.3.11', '127.0.3.12', '127.0.3.13'].map((h) => inProcess(h)));
    const fps = new Set(agents.map((x) => x.agent.fingerprint));
    expect(fps.size).toBe(3);
    for (const x of agents) {
      const s = await x.local.status();
      expect(s.managementAddresses[0]?.address).toBe(x.agent.address);
      expect(s.certificateFingerprint).toBe(x.agent.fingerprint);
    }
    // Log lines of in-process agents never carry a token either.
    expect(logLines.join('').match(/QUANTIX-[0-9A-Z]{4}-/)).toBeNull();
  });
});
