/**
 * Online guessing against the compiled agent: 5,000 syntactically valid
 * proofs made with wrong keys, from ten loopback source addresses over
 * keep-alive HTTPS. Each proof is one HMAC with a random key (a guess
 * costs the attacker nothing here; the limits are what stop it). Nothing
 * may succeed, the per-source limiter must answer 429 with Retry-After,
 * and no count of failures may cancel the operator's token: it stays
 * active, `quantix-node status` counts the failures and names the last
 * source, and the legitimate vDC, from a fresh address, still registers
 * the host with it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { computeRequestMac, formatAuthorization } from '../../common/protocol/proof.js';
import { type AgentProcess, runAgentCli, startAgent } from '../helpers/agent.js';
import { keepAliveClient, type SimpleResponse } from '../helpers/attack.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const SOURCES = Array.from({ length: 10 }, (_, i) => `127.0.9.${i + 1}`);
const PER_SOURCE = 500;
/** Requests in flight per source, each on its own kept-alive connection. */
const LANES = 4;

let agent: AgentProcess;
let vdc: VdcProcess;
let emptyRoot: string;

beforeAll(async () => {
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  [agent, vdc] = await Promise.all([
    startAgent({ host: '127.0.0.61', inventoryRoot: emptyRoot }),
    startVdc({ name: 'vdc-brute' }),
  ]);
});

afterAll(async () => {
  await stopAll(agent, vdc);
  rmSync(emptyRoot, { recursive: true, force: true });
});

/** One wrong proof: a discovery or a join, signed over the real certificate with a random key. */
function wrongProof(i: number): { method: string; path: string; headers: Record<string, string>; body?: string } {
  const join = i % 2 === 1;
  const method = join ? 'POST' : 'GET';
  const p = join ? AGENT_PATHS.join : AGENT_PATHS.discovery;
  const body = join
    ? JSON.stringify({
        nodeId: `guess-${i}`,
        vdc: { id: 'evil', name: 'evil', url: 'https://evil', clientCertFingerprint: 'a'.repeat(64) },
        cluster: { id: 'c', name: 'c' },
      })
    : '';
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('base64url');
  const mac = computeRequestMac(randomBytes(32), { method, path: p, ts, nonce, fingerprint: agent.fingerprint, body });
  const headers: Record<string, string> = { authorization: formatAuthorization(ts, nonce, mac) };
  if (join) headers['content-type'] = 'application/json';
  return { method, path: p, headers, ...(join ? { body } : {}) };
}

describe('5,000 wrong proofs from ten source addresses', () => {
  let token: string;
  const answers: Array<SimpleResponse & { from: string }> = [];

  it('get no success, and the limiter answers 429 RATE_LIMITED with Retry-After', async () => {
    token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
    await Promise.all(
      SOURCES.map(async (from) => {
        const c = keepAliveClient(agent.host, agent.port, from, LANES);
        let next = 0;
        const lane = async () => {
          while (next < PER_SOURCE) answers.push({ ...(await c.send(wrongProof(next++))), from });
        };
        try {
          await Promise.all(Array.from({ length: LANES }, lane));
        } finally {
          c.close();
        }
      }),
    );
    expect(answers).toHaveLength(SOURCES.length * PER_SOURCE);
    const ok = answers.filter((a) => a.status < 400);
    expect(
      ok.map((a) => `${a.from}: ${a.status} ${a.body}`),
      'wrong proofs that were accepted',
    ).toEqual([]);
    const byCode = new Map<string, number>();
    for (const a of answers) {
      const code = `${a.status} ${(JSON.parse(a.body) as { code: string }).code}`;
      byCode.set(code, (byCode.get(code) ?? 0) + 1);
    }
    expect([...byCode.keys()].sort(), 'the only answers to a wrong proof').toEqual([
      '401 TOKEN_INVALID',
      '429 RATE_LIMITED',
    ]);
    // Five failures per source within a minute block it: the rest is refused unseen.
    expect(byCode.get('401 TOKEN_INVALID'), 'failures let through before the limiter engaged').toBeLessThanOrEqual(
      SOURCES.length * 5,
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(SOURCES.length * (PER_SOURCE - 5));
    const withoutRetry = limited.filter((a) => !(Number(a.headers['retry-after']) > 0));
    expect(withoutRetry.length, '429 answers without a positive Retry-After').toBe(0);
    expect(agent.child.exitCode, 'the agent exited under the attack').toBeNull();
  }, 120_000);

  it('do not revoke the token; status counts them and names the last source', async () => {
    const r = await runAgentCli(['status', '--json', '--socket', agent.socketPath]);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as {
      token: { state: string; failedAttempts?: number; lastFailedFrom?: string };
      membership: unknown;
    };
    const invalid = answers.filter((a) => a.status === 401).length;
    expect(status.token.state).toBe('active');
    expect(status.token.failedAttempts, 'failed attempts counted for the operator').toBe(invalid);
    expect(SOURCES).toContain(status.token.lastFailedFrom);
    expect(status.membership).toBeNull();
    const text = await runAgentCli(['status', '--socket', agent.socketPath]);
    expect(text.stdout).toMatch(
      new RegExp(`active, expires in .*; ${invalid} failed attempts, last from 127\\.0\\.9\\.\\d+`),
    );
    const audit = readFileSync(path.join(agent.stateDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; source: string });
    expect(
      audit.filter((e) => e.action === 'proof.ok' || e.action === 'join').map((e) => e.source),
      'successes recorded for attack sources',
    ).toEqual([]);
    expect(audit.filter((e) => e.action.startsWith('token.revoke'))).toEqual([]);
  });

  it('the token still registers the host through the legitimate vDC from a fresh address', async () => {
    const address = `${agent.host}:${agent.port}`;
    const cluster = await vdc.client().createCluster({ name: 'After-attack' });
    const d = await vdc.client().discover({ address, token });
    const node = await vdc.client().register({ discoveryId: d.discoveryId, clusterId: cluster.id });
    expect(node.state).toBe('connected');
    const s = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
    expect(s.membership?.vdc.id).toBe(vdc.vdcId);
  }, 60_000);
});
