/**
 * A network attacker against the compiled agent and vDC: requests captured
 * in plaintext and sent again (same nonce; a later timestamp; another body
 * or path), and a TLS-terminating proxy with its own certificate between a
 * real vDC and the agent, recording everything it decrypts. Every replay
 * must be refused, and the interceptor must learn nothing that completes a
 * join: the host stays standalone and its token stays usable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { request } from '../../common/http/request.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { computeRequestMac, deriveKey, formatAuthorization } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { containsToken, startTlsInterceptor } from '../helpers/attack.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let agent: AgentProcess;
let vdc: VdcProcess;
let vdcCert: CertificatePair;
let emptyRoot: string;
let nextSource = 10;
/** A fresh loopback source for each refused request, so the per-source limit never decides the answer. */
const source = () => `127.0.8.${nextSource++}`;

beforeAll(async () => {
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  [agent, vdc, vdcCert] = await Promise.all([
    startAgent({ host: '127.0.0.81', inventoryRoot: emptyRoot }),
    startVdc({ name: 'vdc-replay' }),
    createSelfSignedCertificate('vdc-replay'),
  ]);
});

afterAll(async () => {
  await stopAll(agent, vdc);
  rmSync(emptyRoot, { recursive: true, force: true });
});

const local = () => new LocalAgentClient({ socketPath: agent.socketPath });

/** A request exactly as it crossed the wire: method, path, headers and body bytes. */
interface Captured {
  method: 'GET' | 'POST';
  path: string;
  ts: string;
  nonce: string;
  mac: string;
  body: string;
}

/** Signs a request the way the vDC does, over the agent's real certificate. */
function signed(key: Buffer, method: 'GET' | 'POST', p: string, body: string): Captured {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(16).toString('base64url');
  return {
    method,
    path: p,
    ts,
    nonce,
    body,
    mac: computeRequestMac(key, { method, path: p, ts, nonce, fingerprint: agent.fingerprint, body }),
  };
}

async function send(
  c: Captured,
  changes: Partial<Captured> = {},
): Promise<{ status: number; code: string | undefined; message: string }> {
  const r = { ...c, ...changes };
  const headers: Record<string, string> = { authorization: formatAuthorization(r.ts, r.nonce, r.mac) };
  if (r.method === 'POST') headers['content-type'] = 'application/json';
  const res = await request(
    {
      kind: 'tls',
      host: agent.host,
      port: agent.port,
      pinnedFingerprint: agent.fingerprint,
      localAddress: source(),
      clientCert: vdcCert.certPem,
      clientKey: vdcCert.keyPem,
    },
    { method: r.method, path: r.path, headers, ...(r.method === 'POST' ? { body: r.body } : {}) },
  );
  const json = JSON.parse(res.body.toString('utf8')) as { code?: string; message?: string };
  return { status: res.status, code: json.code, message: json.message ?? '' };
}

function joinBody(nodeId: string, fingerprint = vdcCert.fingerprint): string {
  return JSON.stringify({
    nodeId,
    vdc: { id: 'vdc-r', name: 'r', url: 'https://r.example:9443', clientCertFingerprint: fingerprint },
    cluster: { id: 'c', name: 'prod' },
  });
}

describe('replayed requests', () => {
  it('a captured discovery is refused again: same nonce, later timestamp, or moved to the join path', async () => {
    const key = await deriveKey(canonicalizeToken((await local().generateToken()).token)!);
    const captured = signed(key, 'GET', AGENT_PATHS.discovery, '');
    expect((await send(captured)).status, 'the original request').toBe(200);

    const same = await send(captured);
    expect(same, 'the same request again (same nonce)').toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    expect(same.message).toMatch(/already received/);
    const later = await send(captured, { ts: String(Number(captured.ts) + 60) });
    expect(later, 'the same proof under a later timestamp').toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    const laterFresh = await send(captured, {
      ts: String(Number(captured.ts) + 60),
      nonce: randomBytes(16).toString('base64url'),
    });
    expect(laterFresh, 'the same MAC with a new timestamp and nonce').toMatchObject({
      status: 401,
      code: 'TOKEN_INVALID',
    });
    const moved = await send(captured, {
      method: 'POST',
      path: AGENT_PATHS.join,
      body: joinBody('stolen'),
      nonce: randomBytes(16).toString('base64url'),
    });
    expect(moved, 'the discovery proof presented for a join').toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect((await local().status()).membership).toBeNull();
  });

  it('a captured join cannot be re-aimed: another body is refused, the exact replay after it succeeded is refused', async () => {
    const key = await deriveKey(canonicalizeToken((await local().generateToken()).token)!);
    const captured = signed(key, 'POST', AGENT_PATHS.join, joinBody('node-1'));
    // Before the real join lands: an attacker swaps in its own vDC fingerprint or node id.
    const otherFp = await send(captured, { body: joinBody('node-1', 'e'.repeat(64)) });
    expect(otherFp, 'join with another client-certificate fingerprint under the captured proof').toMatchObject({
      status: 401,
      code: 'TOKEN_INVALID',
    });
    const otherNode = await send(captured, { body: joinBody('node-2') });
    expect(otherNode, 'join with another node id under the captured proof').toMatchObject({
      status: 401,
      code: 'TOKEN_INVALID',
    });
    const spaced = await send(captured, { body: `${captured.body} ` });
    expect(spaced, 'the same JSON with one byte more').toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect((await local().status()).token.state, 'refused joins must not spend the token').toBe('active');

    expect((await send(captured)).status, 'the original join').toBe(200);
    const replay = await send(captured);
    expect(replay, 'the exact join again').toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    const later = await send(captured, { ts: String(Number(captured.ts) + 30) });
    expect(later, 'the join proof under a later timestamp').toMatchObject({ status: 401, code: 'TOKEN_INVALID' });
    expect((await local().status()).membership).toMatchObject({ nodeId: 'node-1', vdc: { id: 'vdc-r' } });
    await local().leave();
  }, 60_000);
});

describe('a TLS-terminating interceptor between the vDC and the host', () => {
  it('discovery fails with HOST_IDENTITY_MISMATCH, the proxy sees no token and cannot join, the host stays standalone', async () => {
    const intruder = await createSelfSignedCertificate('intruder');
    const proxy = await startTlsInterceptor({ host: agent.host, port: agent.port }, intruder, '127.0.8.250');
    try {
      const token = (await local().generateToken()).token;
      const e = await vdc
        .client()
        .discover({ address: `127.0.0.1:${proxy.port}`, token })
        .then(
          () => null,
          (err: unknown) => err,
        );
      expect(e, 'discovery through the interceptor succeeded').toBeInstanceOf(QuantixError);
      expect((e as QuantixError).code).toBe('HOST_IDENTITY_MISMATCH');
      expect((e as QuantixError).phase).toBe('verify');

      const seen = Buffer.concat([...proxy.fromClients, ...proxy.fromServer]).toString('latin1');
      expect(proxy.fromClients.length, 'the vDC went through the proxy').toBeGreaterThan(0);
      expect(seen).toContain(AGENT_PATHS.discovery);
      expect(containsToken(seen, token), 'the token crossed the interceptor').toBe(false);

      // Everything the proxy captured, sent on to the real host as a join, is refused.
      const text = proxy.fromClients.map((b) => b.toString('latin1')).find((t) => t.includes(AGENT_PATHS.discovery))!;
      const auth = /authorization: ([^\r\n]+)/i.exec(text)![1]!;
      const [, ts, nonce, mac] = /ts=(\d+);nonce=([^;]+);mac=(.+)$/.exec(auth)!;
      const stolen = {
        method: 'POST' as const,
        path: AGENT_PATHS.join,
        ts: ts!,
        nonce: nonce!,
        mac: mac!,
        body: joinBody('intruder-node', intruder.fingerprint),
      };
      expect(await send(stolen), 'a join made of the captured proof').toMatchObject({
        status: 401,
        code: 'TOKEN_INVALID',
      });
      expect(
        await send({ ...stolen, method: 'GET', path: AGENT_PATHS.discovery, body: '' }),
        'the captured discovery sent to the host directly',
      ).toMatchObject({ status: 401, code: 'TOKEN_INVALID' });

      const s = await local().status();
      expect(s.membership, 'the host joined through the interceptor').toBeNull();
      expect(s.token.state, 'the token survives the interception').toBe('active');
      // The administrator, going to the host directly, still gets in with the same token.
      const d = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
      expect(d.host.identityVerified).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 60_000);
});
