/**
 * The registration protocol against the real compiled agent: real Unix
 * socket, real HTTPS on loopback, through the clients the vDC and the host
 * console use. Each request that is meant to fail comes from its own
 * loopback source address, so the per-source limit on failed proofs only
 * trips where a test wants it to.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { agentCodeOf, HostAgentClient } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { request, type RawResponse } from '../../common/http/request.js';
import { AGENT_PATHS, type JoinRequest } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import {
  computeHostProof,
  computeRequestMac,
  deriveKey,
  formatAuthorization,
  HOST_PROOF_HEADER,
  macEquals,
} from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import type { AuditRecord } from '../../host-console/agent/audit.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';

let vdc: CertificatePair;
let intruder: CertificatePair;
const agents: AgentProcess[] = [];
/** Every token value handed out during this file, to look for later in logs and files. */
const issuedTokens: string[] = [];
let nextSource = 10;
/** A fresh loopback source address. */
const source = () => `127.0.0.${nextSource++}`;

beforeAll(async () => {
  [vdc, intruder] = await Promise.all([
    createSelfSignedCertificate('vdc-test'),
    createSelfSignedCertificate('intruder'),
  ]);
});

afterAll(async () => {
  await Promise.all(agents.map((a) => a.cleanup()));
});

async function start(opts: Parameters<typeof startAgent>[0] = {}): Promise<AgentProcess> {
  const a = await startAgent(opts);
  agents.push(a);
  return a;
}

function local(a: AgentProcess): LocalAgentClient {
  return new LocalAgentClient({ socketPath: a.socketPath });
}

function hostClient(
  a: AgentProcess,
  extra: Partial<ConstructorParameters<typeof HostAgentClient>[0]> = {},
): HostAgentClient {
  return new HostAgentClient({ host: a.host, port: a.port, clientCertificate: vdc, localAddress: source(), ...extra });
}

async function newToken(a: AgentProcess): Promise<{ display: string; key: Buffer }> {
  const t = await local(a).generateToken();
  issuedTokens.push(t.token);
  return { display: t.token, key: await deriveKey(canonicalizeToken(t.token)!) };
}

function joinBody(nodeId: string, vdcId = 'vdc-1', fp = ''): JoinRequest {
  return {
    nodeId,
    vdc: { id: vdcId, name: 'Main vDC', url: 'https://vdc.example:9443', clientCertFingerprint: fp || vdc.fingerprint },
    cluster: { id: 'c-1', name: 'prod' },
  };
}

/** Expects a promise to reject with a QuantixError of this code. */
async function expectCode(p: Promise<unknown>, code: string): Promise<QuantixError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(QuantixError);
    expect((err as QuantixError).code).toBe(code);
    return err as QuantixError;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

interface RawProofOptions {
  method?: 'GET' | 'POST';
  path?: string;
  key?: Buffer;
  ts?: number;
  nonce?: string;
  fingerprint?: string;
  body?: string | Buffer;
  authorization?: string | null;
  contentType?: string | null;
  from?: string;
  clientCert?: CertificatePair;
}

/** A request written by hand, to send what no well-behaved client would. */
async function raw(
  a: AgentProcess,
  o: RawProofOptions,
): Promise<RawResponse & { json: Record<string, unknown>; nonce: string }> {
  const method = o.method ?? 'GET';
  const p = o.path ?? AGENT_PATHS.discovery;
  const body = o.body ?? (method === 'POST' ? '{}' : '');
  const ts = String(o.ts ?? Math.floor(Date.now() / 1000));
  const nonce =
    o.nonce ?? Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('base64url');
  const headers: Record<string, string> = {};
  if (o.authorization !== null) {
    headers.authorization =
      o.authorization ??
      formatAuthorization(
        ts,
        nonce,
        computeRequestMac(o.key ?? Buffer.alloc(32, 1), {
          method,
          path: p,
          ts,
          nonce,
          fingerprint: o.fingerprint ?? a.fingerprint,
          body,
        }),
      );
  }
  if (o.contentType !== null && method === 'POST') headers['content-type'] = o.contentType ?? 'application/json';
  const res = await request(
    {
      kind: 'tls',
      host: a.host,
      port: a.port,
      pinnedFingerprint: a.fingerprint,
      localAddress: o.from ?? source(),
      ...(o.clientCert ? { clientCert: o.clientCert.certPem, clientKey: o.clientCert.keyPem } : {}),
    },
    { method, path: p, headers, ...(method === 'POST' || body.length ? { body } : {}) },
  );
  return { ...res, json: JSON.parse(res.body.toString('utf8')) as Record<string, unknown>, nonce };
}

/** TLS options for a connection to the agent from a fresh loopback source (localAddress works at runtime; the typings omit it). */
function fromLoopback(a: AgentProcess): tls.ConnectionOptions {
  const opts = { host: a.host, port: a.port, rejectUnauthorized: false, localAddress: source() };
  return opts;
}

/** Bytes written by hand over TLS, for requests an HTTP library refuses to make. */
async function rawTls(a: AgentProcess, text: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const sock = tls.connect(fromLoopback(a));
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    sock.once('secureConnect', () => sock.write(text));
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.once('end', () => resolve());
    sock.once('close', () => resolve());
    sock.once('error', reject);
  });
  const res = Buffer.concat(chunks).toString('utf8');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(res)?.[1] ?? 0);
  return { status, json: JSON.parse(res.slice(res.indexOf('\r\n\r\n') + 4)) as Record<string, unknown> };
}

/** Every form a person may type a token in. */
function tokenForms(display: string): string[] {
  const c = canonicalizeToken(display)!;
  const groups = [c.slice(0, 4), c.slice(4, 8), c.slice(8)];
  return [
    display,
    display.toLowerCase(),
    c,
    c.toLowerCase(),
    groups.join(' '),
    groups.join('-'),
    `QUANTIX ${groups.join(' ')}`,
    c.replace(/0/g, 'O').replace(/1/g, 'I'),
    c.replace(/1/g, 'L').toLowerCase(),
  ];
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

describe('registration over HTTPS', () => {
  let a: AgentProcess;

  beforeAll(async () => {
    a = await start();
  });

  it('hello reports identity and clock without authentication, and pins the certificate', async () => {
    const c = hostClient(a);
    const r = await c.hello();
    expect(r.fingerprint).toBe(a.fingerprint);
    expect(r.hello).toMatchObject({ apiVersion: 1, hostId: a.hostId, managed: false });
    expect(Math.abs(r.clockOffsetMs)).toBeLessThan(5_000);
    expect(c.fingerprint).toBe(a.fingerprint);
  });

  it('answers NO_ACTIVE_TOKEN while no token was generated', async () => {
    await expectCode(hostClient(a).discovery(Buffer.alloc(32, 7)), 'NO_ACTIVE_TOKEN');
  });

  it('discovery with the right token returns the inventory with a valid host proof', async () => {
    const { key } = await newToken(a);
    const d = await hostClient(a).discovery(key);
    expect(d.hostId).toBe(a.hostId);
    expect(d.certificateFingerprint).toBe(a.fingerprint);
    expect(d.managed).toBe(false);
    expect(d.managementAddresses[0]).toMatchObject({ address: '127.0.0.1', url: `https://127.0.0.1:${a.port}` });
    expect(d.inventory.system.hostId).toBe(a.hostId);
    expect(Date.parse(d.tokenExpiresAt)).toBeGreaterThan(Date.now());
  });

  it('a wrong token gets TOKEN_INVALID, and the answer names the host certificate proven with the host key', async () => {
    await expectCode(hostClient(a).discovery(await deriveKey('AAAAAAAAAAAA')), 'TOKEN_INVALID');
  });

  it('a proof made over another certificate is refused, with the host certificate in the answer', async () => {
    const { key } = await newToken(a);
    const r = await raw(a, { key, fingerprint: intruder.fingerprint });
    expect(r.status).toBe(401);
    expect(r.json.code).toBe('TOKEN_INVALID');
    expect(r.json.certificateFingerprint).toBe(a.fingerprint);
    const proof = r.headers[HOST_PROOF_HEADER] as string;
    expect(macEquals(proof, computeHostProof(key, r.nonce, a.fingerprint, r.body))).toBe(true);
  });

  it('a TLS interceptor is reported as HOST_IDENTITY_MISMATCH; a wrong token through it stays TOKEN_INVALID', async () => {
    const { key } = await newToken(a);
    const proxy = tls.createServer({ key: intruder.keyPem, cert: intruder.certPem }, (down) => {
      const up = tls.connect(fromLoopback(a));
      down.pipe(up).pipe(down);
      up.on('error', () => down.destroy());
      down.on('error', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    try {
      const port = (proxy.address() as net.AddressInfo).port;
      const viaProxy = () => new HostAgentClient({ host: '127.0.0.1', port });
      const c = viaProxy();
      expect((await c.hello()).fingerprint).toBe(intruder.fingerprint);
      const e = await expectCode(c.discovery(key), 'HOST_IDENTITY_MISMATCH');
      expect(e.message).toContain(a.fingerprint.slice(0, 16));
      await expectCode(viaProxy().discovery(await deriveKey('BBBBBBBBBBBB')), 'TOKEN_INVALID');
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });

  it('refuses a missing, malformed, stale, future or replayed proof with a fixed code', async () => {
    const { key } = await newToken(a);
    const now = Math.floor(Date.now() / 1000);
    const cases: Array<[string, RawProofOptions, number, string]> = [
      // no Authorization header at all
      ['missing', { authorization: null }, 401, 'TOKEN_INVALID'],
      // wrong scheme
      ['bearer', { authorization: 'Bearer abc' }, 400, 'BAD_REQUEST'],
      // a nonce of the wrong length
      ['short nonce', { authorization: `Quantix v1;ts=${now};nonce=AAAA;mac=${'A'.repeat(43)}` }, 400, 'BAD_REQUEST'],
      // the right fields in the wrong order
      [
        'field order',
        { authorization: `Quantix v1;nonce=AAECAwQFBgcICQoLDA0ODw;ts=${now};mac=${'A'.repeat(43)}` },
        400,
        'BAD_REQUEST',
      ],
      // signed correctly but 310 s old (the exact ±300 s edge is a unit test: here seconds pass between cases)
      ['stale', { key, ts: now - 310 }, 400, 'BAD_REQUEST'],
      // signed correctly but 310 s ahead (301 turned into an accepted 299 when the loaded machine took 2 s to get here)
      ['future', { key, ts: now + 310 }, 400, 'BAD_REQUEST'],
    ];
    for (const [name, opts, status, code] of cases) {
      const r = await raw(a, opts).catch((err: unknown) => ({ status: -1, json: { code: String(err) } }));
      expect({ name, status: r.status, code: r.json.code }).toEqual({ name, status, code });
    }
    const nonce = 'AAECAwQFBgcICQoLDA0ODw';
    const first = await raw(a, { key, nonce });
    expect(first.status).toBe(200);
    const replay = await raw(a, { key, nonce });
    expect({ status: replay.status, code: replay.json.code }).toEqual({ status: 400, code: 'BAD_REQUEST' });
    expect(String(replay.json.message)).toMatch(/already received/);
  });

  it('checks join bodies: content type, size, JSON, fields', async () => {
    const { key } = await newToken(a);
    const good = JSON.stringify(joinBody('n-0'));
    const cases: Array<[string, RawProofOptions, number, string]> = [
      // not JSON at all
      ['not json', { body: 'nodeId=1' }, 400, 'BAD_REQUEST'],
      // JSON, but an array
      ['array', { body: '[]' }, 400, 'BAD_REQUEST'],
      // an unknown field
      ['unknown field', { body: JSON.stringify({ ...joinBody('n-0'), extra: 1 }) }, 400, 'BAD_REQUEST'],
      // a fingerprint that is not one
      ['bad fingerprint', { body: JSON.stringify(joinBody('n-0', 'vdc-1', 'zz')) }, 400, 'BAD_REQUEST'],
      // an escape sequence in a name
      [
        'control in name',
        { body: JSON.stringify({ ...joinBody('n-0'), cluster: { id: 'c', name: 'x\u001b[2J' } }) },
        400,
        'BAD_REQUEST',
      ],
      // empty body
      ['empty', { body: '' }, 400, 'BAD_REQUEST'],
      // form content type
      ['form', { body: good, contentType: 'application/x-www-form-urlencoded' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      // 64 KiB body
      [
        'oversized',
        { body: JSON.stringify({ ...joinBody('n-0'), pad: 'x'.repeat(64 * 1024) }) },
        413,
        'PAYLOAD_TOO_LARGE',
      ],
    ];
    for (const [name, opts, status, code] of cases) {
      const r = await raw(a, { method: 'POST', path: AGENT_PATHS.join, key, ...opts });
      expect({ name, status: r.status, code: r.json.code }).toEqual({ name, status, code });
    }
    // Without a Content-Type header at all (the request helper always sends one).
    const bare = await rawTls(
      a,
      `POST ${AGENT_PATHS.join} HTTP/1.1\r\nHost: x\r\nContent-Length: ${good.length}\r\nConnection: close\r\n\r\n${good}`,
    );
    expect(bare.status).toBe(415);
    expect(bare.json.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    // A header value with a control character, which no HTTP client library would send.
    const ctl = await rawTls(
      a,
      `GET ${AGENT_PATHS.discovery} HTTP/1.1\r\nHost: x\r\nAuthorization: Quantix v1;ts=1;nonce=\u0001;mac=x\r\nConnection: close\r\n\r\n`,
    );
    expect(ctl.status).toBe(400);
    expect(ctl.json.code).toBe('BAD_REQUEST');
    // A Content-Length that is not a number.
    const len = await rawTls(
      a,
      `POST ${AGENT_PATHS.join} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: zz\r\n\r\n{}`,
    );
    expect(len.status).toBe(400);
    expect(len.json.code).toBe('BAD_REQUEST');
    // None of those consumed the token.
    expect((await local(a).status()).token.state).toBe('active');
  });

  it('unknown paths and methods get NOT_FOUND and METHOD_NOT_ALLOWED', async () => {
    const nf = await raw(a, { path: '/api/v1/nope', authorization: null });
    expect([nf.status, nf.json.code]).toEqual([404, 'NOT_FOUND']);
    const mna = await raw(a, { method: 'POST', path: AGENT_PATHS.hello, authorization: null });
    expect([mna.status, mna.json.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
  });

  it('node endpoints answer NOT_MANAGED while the host is standalone', async () => {
    await expectCode(hostClient(a, { pinnedFingerprint: a.fingerprint }).status(), 'NOT_MANAGED');
  });

  it('join consumes the token, persists membership, and is idempotent for the same vDC and node', async () => {
    const { key } = await newToken(a);
    const c = hostClient(a);
    const j = await c.join(key, joinBody('node-42'));
    expect(j).toMatchObject({
      hostId: a.hostId,
      nodeId: 'node-42',
      vdc: { id: 'vdc-1', name: 'Main vDC' },
      cluster: { id: 'c-1', name: 'prod' },
    });
    const again = await hostClient(a).join(key, joinBody('node-42'));
    expect(again.joinedAt).toBe(j.joinedAt);
    await expectCode(hostClient(a).join(key, joinBody('node-43')), 'TOKEN_ALREADY_USED');
    await expectCode(hostClient(a).join(key, joinBody('node-42', 'vdc-2')), 'TOKEN_ALREADY_USED');
    await expectCode(hostClient(a).discovery(key), 'TOKEN_ALREADY_USED');
    const s = await local(a).status();
    expect(s.membership).toMatchObject({
      nodeId: 'node-42',
      vdc: { id: 'vdc-1' },
      cluster: { name: 'prod' },
      lastContactAt: null,
    });
    expect(s.token.state).toBe('used');
    expect((await hostClient(a).hello()).hello.managed).toBe(true);
    const m = JSON.parse(readFileSync(path.join(a.stateDir, 'membership.json'), 'utf8'));
    expect(m.vdc.clientCertFingerprint).toBe(vdc.fingerprint);
    await expectCode(local(a).generateToken(), 'HOST_MANAGED');
  });

  it('node endpoints accept only the pinned vDC client certificate', async () => {
    const mine = hostClient(a, { pinnedFingerprint: a.fingerprint });
    const st = await mine.status();
    expect(st).toMatchObject({ hostId: a.hostId, nodeId: 'node-42', cluster: { id: 'c-1' } });
    expect(st.usage.memoryTotalBytes).toBeGreaterThan(0);
    const inv = await mine.inventory({ refresh: true });
    expect(inv.system.hostId).toBe(a.hostId);
    expect((await local(a).status()).membership?.lastContactAt).not.toBeNull();
    await expectCode(
      hostClient(a, { pinnedFingerprint: a.fingerprint, clientCertificate: intruder }).status(),
      'NOT_MANAGED_BY_YOU',
    );
    await expectCode(
      hostClient(a, { pinnedFingerprint: a.fingerprint, clientCertificate: intruder }).leave(),
      'NOT_MANAGED_BY_YOU',
    );
    const noCert = await raw(a, { path: AGENT_PATHS.nodeStatus, authorization: null });
    expect([noCert.status, noCert.json.code]).toEqual([403, 'NOT_MANAGED_BY_YOU']);
  });

  it('takes the cluster and maintenance flag the pinned vDC pushes, and nothing from anyone else', async () => {
    const file = path.join(a.stateDir, 'membership.json');
    const before = readFileSync(file, 'utf8');
    const evil = { cluster: { id: 'c-9', name: 'evil' }, maintenance: true };
    await expectCode(
      hostClient(a, { pinnedFingerprint: a.fingerprint, clientCertificate: intruder }).updateMembership(evil),
      'NOT_MANAGED_BY_YOU',
    );
    // A body outside the schema (a name over 128 characters, an unknown field) is refused before anything is written.
    const mine = hostClient(a, { pinnedFingerprint: a.fingerprint });
    for (const bad of [
      { cluster: { id: 'c-1', name: 'x'.repeat(129) }, maintenance: true },
      { ...evil, nodeId: 'node-99' },
    ]) {
      const err = await expectCode(mine.updateMembership(bad), 'HOST_PROTOCOL_ERROR');
      expect(agentCodeOf(err)).toBe('BAD_REQUEST');
    }
    expect(readFileSync(file, 'utf8')).toBe(before);

    const m = await mine.updateMembership({ cluster: { id: 'c-2', name: 'staging' }, maintenance: true });
    expect(m).toMatchObject({ nodeId: 'node-42', cluster: { id: 'c-2', name: 'staging' }, maintenance: true });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ cluster: { name: 'staging' }, maintenance: true });
    expect((await local(a).status()).membership).toMatchObject({ cluster: { name: 'staging' }, maintenance: true });
    expect(await mine.status()).toMatchObject({ cluster: { name: 'staging' }, maintenance: true });
    const audited = readFileSync(path.join(a.stateDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord)
      .filter((r) => r.action === 'membership.update');
    expect(audited.map((r) => r.detail)).toEqual(['cluster prod -> staging, maintenance on']);
    // The same state again writes and audits nothing.
    await mine.updateMembership({ cluster: { id: 'c-2', name: 'staging' }, maintenance: true });
    expect(readFileSync(path.join(a.stateDir, 'audit.log'), 'utf8').match(/membership\.update/g)).toHaveLength(1);
  });

  it('the vDC can remove the host, which is then standalone', async () => {
    const l = await hostClient(a, { pinnedFingerprint: a.fingerprint }).leave();
    expect(l).toMatchObject({ hostId: a.hostId, nodeId: 'node-42', vdc: { id: 'vdc-1' } });
    expect((await local(a).status()).membership).toBeNull();
    await expectCode(hostClient(a, { pinnedFingerprint: a.fingerprint }).status(), 'NOT_MANAGED');
    await expectCode(local(a).leave(), 'NOT_MANAGED');
    expect((await newToken(a)).display).toMatch(/^QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  });

  it('the audit log records generation, revocation, failures, successes, join and leave with source addresses', async () => {
    await newToken(a);
    await local(a).revokeToken();
    const lines = readFileSync(path.join(a.stateDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditRecord);
    const actions = new Set(lines.map((l) => l.action));
    for (const x of [
      'token.generate',
      'token.revoke',
      'proof.failed',
      'proof.ok',
      'join',
      'join.repeat',
      'leave',
      'node.refused',
    ])
      expect(actions).toContain(x);
    expect(lines.find((l) => l.action === 'token.revoke')?.source).toBe('local');
    const failed = lines.find((l) => l.action === 'proof.failed' && l.code === 'TOKEN_INVALID');
    expect(failed?.source).toMatch(/^127\.0\.0\.\d+$/);
    expect(lines.find((l) => l.action === 'leave')?.source).toMatch(/^127\./);
  });
});

describe('failed proofs', () => {
  let a: AgentProcess;

  beforeAll(async () => {
    a = await start();
  });

  it('are rate limited per source address with Retry-After, other addresses unaffected', async () => {
    const { key } = await newToken(a);
    const attacker = source();
    for (let i = 0; i < 5; i++) {
      const r = await raw(a, { key: Buffer.alloc(32, i), from: attacker });
      expect(r.json.code).toBe('TOKEN_INVALID');
    }
    const limited = await raw(a, { key, from: attacker });
    expect(limited.status).toBe(429);
    expect(limited.json.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await expectCode(hostClient(a, { localAddress: attacker }).discovery(key), 'RATE_LIMITED').then((e) =>
      expect(e.retryAfterSeconds).toBeGreaterThan(0),
    );
    expect((await hostClient(a).discovery(key)).hostId).toBe(a.hostId);
  });

  it('never revoke the token, and status counts them with the last source', async () => {
    const { key } = await newToken(a);
    // 20 failures from addresses that each stay under the per-source limit.
    for (let i = 0; i < 20; i++) {
      const from = `127.0.1.${10 + Math.floor(i / 4)}`;
      const r = await raw(a, { key: Buffer.alloc(32, 100 + i), from });
      expect(r.json.code).toBe('TOKEN_INVALID');
    }
    const s = await local(a).status();
    expect(s.token).toMatchObject({ state: 'active', failedAttempts: 20, lastFailedFrom: '127.0.1.14' });
    expect(await local(a).getToken()).toMatchObject({ failedAttempts: 20, lastFailedFrom: '127.0.1.14' });
    expect((await hostClient(a).discovery(key)).hostId).toBe(a.hostId);
    const audit = readFileSync(path.join(a.stateDir, 'audit.log'), 'utf8');
    expect(audit).not.toContain('token.revoke');
  });
});

describe('concurrency and restart', () => {
  let a: AgentProcess;

  beforeAll(async () => {
    a = await start();
  });

  it('of 20 concurrent joins with one token exactly one succeeds', async () => {
    const { key } = await newToken(a);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => hostClient(a).join(key, joinBody(`racer-${i}`))),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    const codes = results.flatMap((r) => (r.status === 'rejected' ? [(r.reason as QuantixError).code] : []));
    expect(ok).toHaveLength(1);
    expect(codes).toEqual(Array(19).fill('TOKEN_ALREADY_USED'));
    const winner = (ok[0] as PromiseFulfilledResult<{ nodeId: string }>).value.nodeId;
    expect((await local(a).status()).membership?.nodeId).toBe(winner);
  });

  it('a restart keeps membership and certificate and drops the token', async () => {
    await expectCode(local(a).generateToken(), 'HOST_MANAGED');
    const before = await local(a).status();
    expect(await a.stop()).toBe(0);
    const b = await start({ stateDir: a.stateDir });
    expect(b.fingerprint).toBe(a.fingerprint);
    const after = await local(b).status();
    expect(after.membership?.nodeId).toBe(before.membership?.nodeId);
    expect(after.token.state).toBe('none');
    expect((await hostClient(b, { pinnedFingerprint: a.fingerprint }).status()).nodeId).toBe(before.membership?.nodeId);
    await local(b).leave();
    const { key } = await newToken(b);
    await a.stop();
    await b.stop();
    const c = await start({ stateDir: a.stateDir });
    expect((await local(c).status()).token.state).toBe('none');
    await expectCode(hostClient(c).discovery(key), 'NO_ACTIVE_TOKEN');
  });
});

describe('secrets and permissions', () => {
  it('no token, in any accepted form, appears in a log line or a file under the state dirs', () => {
    expect(issuedTokens.length).toBeGreaterThan(5);
    const logs = agents.flatMap((a) => a.logs()).join('\n');
    const files = [...new Set(agents.map((a) => a.stateDir))].flatMap(filesUnder);
    expect(files.some((f) => f.endsWith('audit.log'))).toBe(true);
    const contents = files.map((f) => [f, readFileSync(f, 'latin1')] as const);
    for (const t of issuedTokens) {
      for (const form of tokenForms(t)) {
        expect(logs.includes(form), `log contains ${form}`).toBe(false);
        for (const [f, text] of contents) expect(text.includes(form), `${f} contains ${form}`).toBe(false);
      }
    }
  });

  it('HTTPS refuses TLS 1.0 and 1.1 with a protocol-version alert and speaks 1.2 and 1.3', async () => {
    const a = await start();
    // The client is allowed the old versions (security level 0), so a refusal can only come from the agent.
    const tryVersion = (v: tls.SecureVersion) =>
      new Promise<string>((resolve) => {
        const sock = tls.connect({
          host: a.host,
          port: a.port,
          minVersion: v,
          maxVersion: v,
          ciphers: 'DEFAULT@SECLEVEL=0',
          rejectUnauthorized: false,
        });
        sock.once('secureConnect', () => {
          resolve(sock.getProtocol() ?? 'unknown');
          sock.destroy();
        });
        sock.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
      });
    expect(await tryVersion('TLSv1')).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(await tryVersion('TLSv1.1')).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(await tryVersion('TLSv1.2')).toBe('TLSv1.2');
    expect(await tryVersion('TLSv1.3')).toBe('TLSv1.3');
  });

  it('the socket, the key, the membership and the audit log are 0600', async () => {
    const a = await start();
    await newToken(a);
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(a.socketPath)).toBe(0o600);
    expect(mode(path.join(a.stateDir, 'agent.key'))).toBe(0o600);
    expect(mode(path.join(a.stateDir, 'audit.log'))).toBe(0o600);
    expect(mode(a.stateDir)).toBe(0o700);
  });
});
