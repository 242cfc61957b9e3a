/**
 * Hostile input on every HTTP endpoint of the compiled agent (HTTPS network
 * API and local socket API) and the compiled vDC (socket API, and its
 * HTTPS listener's authentication): generated requests with random JSON,
 * wrong types, huge and deeply nested bodies, invalid UTF-8, traversal in
 * path-like fields, SQL and terminal escapes in names, random methods,
 * content types and Authorization headers, plus hand-written raw requests
 * that try header injection. Every answer must be a 2xx or a 4xx with a
 * stable code (never a 5xx, never a dropped connection), both processes
 * must stay up, and the vDC database must stay consistent.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { request, type RequestOptions } from '../../common/http/request.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let agent: AgentProcess;
let vdc: VdcProcess;
let cert: CertificatePair;
let emptyRoot: string;

beforeAll(async () => {
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  [agent, vdc, cert] = await Promise.all([
    startAgent({ host: '127.0.0.111', inventoryRoot: emptyRoot }),
    startVdc({ name: 'vdc-fuzz', listen: '127.0.0.112:0', pollInterval: '1h' }),
    createSelfSignedCertificate('fuzzer'),
  ]);
});

afterAll(async () => {
  await stopAll(agent, vdc);
  rmSync(emptyRoot, { recursive: true, force: true });
});

/** Strings an attacker would try in any field. */
const HOSTILE = [
  "x'); DROP TABLE nodes;--",
  "' OR '1'='1",
  'a" OR 1=1 --',
  '%',
  '_',
  '\u001b[2J\u001b[31mred',
  '\u001b]0;pwned\u0007',
  '\u009b31m',
  '{red-fg}tag{/red-fg}',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '/etc/shadow',
  'C:\\Windows\\system32',
  '\u0000nul',
  'line\r\nSet-Cookie: x=1',
  '\ud800',
  'é'.repeat(40),
  'a'.repeat(5000),
];

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.string({ unit: 'binary', maxLength: 40 }));
const anyValue = fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileString, fc.constant(null), fc.integer(), fc.boolean());

/** A body: JSON objects with hostile fields, wrong types, huge, deeply nested, invalid UTF-8, or nothing. */
function bodyArb(fields: string[], limit: number): fc.Arbitrary<Buffer | undefined> {
  const obj = fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), anyValue, {
    maxKeys: 6,
  });
  return fc.oneof(
    obj.map((o) => Buffer.from(JSON.stringify(o))),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v))),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    fc.constantFrom(
      Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
      Buffer.from('['.repeat(Math.floor(limit * 0.9))),
      Buffer.from(`${'{"a":'.repeat(Math.floor(limit / 6))}1${'}'.repeat(Math.floor(limit / 6))}`),
      // Larger bodies are announced raw below: a server refusing early closes while Node's client still writes, which it reports as a reset.
      Buffer.alloc(limit * 2, 0x61),
      Buffer.from(JSON.stringify({ name: 'x'.repeat(limit * 2) })),
      Buffer.from(''),
    ),
    fc.constant(undefined),
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=latin1',
  '',
];

/** Percent-encodes every byte of the UTF-8 form outside [A-Za-z0-9] (lone surrogates become U+FFFD, which encodeURIComponent refuses). */
function percentEncode(s: string): string {
  return [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}

/** A path-like field made hostile, URL-encoded the way a client would or would not. */
const pathSegment = fc.oneof(
  fc.constantFrom(
    '..',
    '%2e%2e',
    '..%2f..%2fetc%2fpasswd',
    '%00',
    'a%0d%0aX-Injected:%201',
    '%ff%fe',
    'x'.repeat(3000),
    "'%20OR%20'1'%3D'1",
    '%1b%5b2J',
  ),
  fc.string({ maxLength: 20 }).map(percentEncode),
);

interface Fuzzed {
  method: RequestOptions['method'];
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

function requestArb(
  paths: string[],
  fields: string[],
  limit: number,
  extraHeaders: fc.Arbitrary<Record<string, string>> = fc.constant({}),
): fc.Arbitrary<Fuzzed> {
  const p = fc.oneof(
    fc.constantFrom(...paths),
    fc.tuple(fc.constantFrom(...paths), pathSegment).map(([base, seg]) => `${base}/${seg}`),
    fc
      .tuple(
        fc.constantFrom(...paths),
        fc.constantFrom('limit', 'beforeId', 'clusterId', 'force', 'refresh', 'x'),
        hostileString,
      )
      .map(([base, k, v]) => `${base}?${k}=${percentEncode(v)}`),
    pathSegment.map((seg) => `/${seg}/../api/${seg}`),
  );
  return fc
    .record({
      method: fc.constantFrom<RequestOptions['method']>('GET', 'POST', 'DELETE', 'PUT', 'PATCH'),
      path: p,
      contentType: fc.constantFrom(...CONTENT_TYPES),
      extra: extraHeaders,
      body: bodyArb(fields, limit),
    })
    .map(({ method, path: target, contentType, extra, body }) => ({
      method,
      path: target,
      headers: { ...(contentType ? { 'content-type': contentType } : {}), ...extra },
      ...(body !== undefined ? { body: defuse(body) } : {}),
    }));
}

/**
 * Keeps a generated body from naming a token the parser would accept: with
 * a well-formed token the vDC would really connect to the generated address,
 * and the tests only ever talk to loopback.
 */
function defuse(body: Buffer): Buffer {
  try {
    const v = JSON.parse(body.toString('utf8')) as unknown;
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      typeof (v as { token?: unknown }).token === 'string' &&
      canonicalizeToken((v as { token: string }).token) !== null
    ) {
      return Buffer.from(JSON.stringify({ ...v, token: 'not-a-token' }));
    }
  } catch {
    // not JSON: nothing to defuse
  }
  return body;
}

/** What went wrong with one answer, or null when it is acceptable. */
function problemWith(
  res: { status: number; headers: Record<string, unknown>; body: Buffer },
  req: Fuzzed,
): string | null {
  const where = `${req.method} ${req.path.slice(0, 120)} [${req.headers['content-type'] ?? '-'}] body ${req.body?.length ?? 0} bytes`;
  if (res.status >= 500) return `${where}: ${res.status} ${res.body.toString('utf8').slice(0, 200)}`;
  if (res.status < 200 || (res.status >= 300 && res.status < 400)) return `${where}: unexpected status ${res.status}`;
  if (Object.keys(res.headers).some((h) => h.startsWith('x-injected') || h === 'set-cookie'))
    return `${where}: injected header in the answer`;
  if (res.status >= 400) {
    let code: unknown;
    try {
      code = (JSON.parse(res.body.toString('utf8')) as { code?: unknown }).code;
    } catch {
      return `${where}: ${res.status} without a JSON body: ${res.body.toString('utf8').slice(0, 120)}`;
    }
    if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]+$/.test(code))
      return `${where}: ${res.status} without a stable code`;
  }
  return null;
}

async function fuzz(
  name: string,
  arb: fc.Arbitrary<Fuzzed>,
  send: (r: Fuzzed) => ReturnType<typeof request>,
  numRuns: number,
): Promise<void> {
  const problems: string[] = [];
  await fc.assert(
    fc.asyncProperty(arb, async (r) => {
      const res = await send(r).catch((err: unknown) => ({
        status: 0,
        headers: {},
        body: Buffer.from(`no answer: ${(err as Error).message}`),
      }));
      const p =
        res.status === 0
          ? `${r.method} ${r.path.slice(0, 120)} [${r.headers['content-type'] ?? '-'}] body ${r.body?.length ?? 0} bytes: ${res.body.toString('utf8')}`
          : problemWith(res, r);
      if (p) problems.push(p);
    }),
    { numRuns, seed: 0x5eed },
  );
  expect(problems.slice(0, 10), `${name}: answers that were not a 2xx or a 4xx with a code`).toEqual([]);
}

const VDC_PATHS = [
  '/api/health',
  '/api/clusters',
  '/api/clusters/x',
  '/api/nodes',
  '/api/nodes/discover',
  '/api/nodes/register',
  '/api/nodes/x',
  '/api/nodes/x/refresh',
  '/api/audit',
  '/api/api-tokens',
  '/api/api-tokens/x',
];
const VDC_FIELDS = ['name', 'description', 'address', 'token', 'discoveryId', 'clusterId', 'force'];

describe('the vDC API', () => {
  it('answers 2xx or a coded 4xx to generated hostile requests on every endpoint', async () => {
    await fuzz(
      'vDC socket',
      requestArb(VDC_PATHS, VDC_FIELDS, 64 * 1024),
      (r) => request({ kind: 'socket', socketPath: vdc.socketPath }, r),
      600,
    );
  }, 120_000);

  it('answers 401 with a code to hostile credentials on HTTPS', async () => {
    const auth = fc
      .oneof(
        hostileString.filter((s) => /^[\t\x20-\x7e]*$/.test(s)).map((s) => `Bearer ${s}`),
        fc.constantFrom('Bearer qxa_' + 'A'.repeat(43), 'Basic YTpi', 'Bearer', ''),
      )
      .map((a) => ({ authorization: a }));
    await fuzz(
      'vDC HTTPS',
      requestArb(VDC_PATHS, VDC_FIELDS, 64 * 1024, auth),
      (r) => request({ kind: 'tls', host: '127.0.0.112', port: vdc.port, pinnedFingerprint: vdc.serverFingerprint }, r),
      120,
    );
  }, 60_000);

  it('keeps SQL and escape sequences in cluster names inert: stored verbatim or refused, never executed', async () => {
    for (const name of ["x'); DROP TABLE nodes;--", "' OR '1'='1", 'a" --', '100%', 'a_b']) {
      const r = await request(
        { kind: 'socket', socketPath: vdc.socketPath },
        {
          method: 'POST',
          path: '/api/clusters',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        },
      );
      const body = JSON.parse(r.body.toString('utf8')) as { name?: string; code?: string };
      if (r.status === 201) expect(body.name, 'a stored cluster name comes back exactly').toBe(name);
      else expect([r.status, body.code], `cluster name ${JSON.stringify(name)}`).toEqual([400, 'VALIDATION_ERROR']);
    }
    for (const name of ['\u001b[2J', 'a\u001b]0;t\u0007', 'tab\there', 'nl\nx', '\u009b1m']) {
      const r = await request(
        { kind: 'socket', socketPath: vdc.socketPath },
        {
          method: 'POST',
          path: '/api/clusters',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name }),
        },
      );
      expect(
        [r.status, (JSON.parse(r.body.toString('utf8')) as { code: string }).code],
        `cluster name ${JSON.stringify(name)}`,
      ).toEqual([400, 'VALIDATION_ERROR']);
    }
  });

  it('answers a 4 MiB body with 413 PAYLOAD_TOO_LARGE from its headers alone, before any of it is sent', async () => {
    const res = await rawExchange(
      { path: vdc.socketPath },
      `POST /api/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n`,
    );
    expect(res.slice(0, 600)).toMatch(/^HTTP\/1\.1 413 [^]*"code":"PAYLOAD_TOO_LARGE"/);
  });

  it('is still up afterwards, and its database is intact and agrees with the API', async () => {
    expect(vdc.child.exitCode, 'the vDC exited').toBeNull();
    const c = vdc.client();
    expect((await c.health()).status).toBe('ok');
    const db = new Database(path.join(vdc.stateDir, 'vdc.db'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect(count('clusters'), 'clusters in the database vs the API').toBe((await c.listClusters()).length);
      expect(count('nodes'), 'hosts in the database vs the API').toBe((await c.listNodes()).length);
      expect(count('api_tokens'), 'API tokens in the database vs the API').toBe((await c.listApiTokens()).length);
      for (const table of ['clusters', 'nodes', 'audit', 'api_tokens'])
        expect(count(table), `table ${table} exists`).toBeGreaterThanOrEqual(0);
    } finally {
      db.close();
    }
  });
});

const AGENT_NET_PATHS = Object.values(AGENT_PATHS);
const AGENT_FIELDS = ['nodeId', 'vdc', 'cluster', 'id', 'name', 'url', 'clientCertFingerprint'];
const AGENT_LOCAL_PATHS = [
  '/api/v1/registration/token',
  '/api/v1/node/status',
  '/api/v1/inventory',
  '/api/v1/node/leave',
];

describe('the agent APIs', () => {
  let nextSource = 1;

  it('network API: 2xx or a coded 4xx to generated hostile requests, with random proofs and client certificates', async () => {
    const auth = fc.oneof(
      fc.constant({}),
      hostileString
        .filter((s) => /^[\t\x20-\x7e]*$/.test(s))
        .map((s) => ({ authorization: `Quantix v1;ts=${s};nonce=${s};mac=${s}` })),
      fc
        .tuple(
          fc.integer({ min: 0, max: 2 ** 40 }),
          fc.base64String({ minLength: 24, maxLength: 24 }),
          fc.base64String({ minLength: 44, maxLength: 44 }),
        )
        .map(([ts, n, m]) => ({ authorization: `Quantix v1;ts=${ts};nonce=${n.slice(0, 22)};mac=${m.slice(0, 43)}` })),
    );
    await fuzz(
      'agent HTTPS',
      requestArb(AGENT_NET_PATHS, AGENT_FIELDS, 16 * 1024, auth),
      (r) =>
        request(
          {
            kind: 'tls',
            host: agent.host,
            port: agent.port,
            pinnedFingerprint: agent.fingerprint,
            localAddress: `127.0.10.${(nextSource++ % 250) + 1}`,
            ...(nextSource % 2 ? { clientCert: cert.certPem, clientKey: cert.keyPem } : {}),
          },
          r,
        ),
      400,
    );
  }, 120_000);

  it('local API: 2xx or a coded 4xx to generated hostile requests', async () => {
    await fuzz(
      'agent socket',
      requestArb(AGENT_LOCAL_PATHS, AGENT_FIELDS, 16 * 1024),
      (r) => request({ kind: 'socket', socketPath: agent.socketPath }, r),
      300,
    );
  }, 60_000);

  it('header injection and broken request lines get a coded 400, and the agent stays up', async () => {
    const raws = [
      `GET ${AGENT_PATHS.hello} HTTP/1.1\r\nHost: x\r\nX-A: a\rX-Injected: 1\r\nConnection: close\r\n\r\n`,
      `GET ${AGENT_PATHS.hello}\r\nX-Injected: 1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `GET /api/v1/registration/hello%0d%0aX-Injected:%201 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `GET /../../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      `POST ${AGENT_PATHS.join} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n`,
      `GET ${AGENT_PATHS.hello} HTTP/1.1\r\nHost: x\r\nX-Bin: \u00ff\u00fe\r\nConnection: close\r\n\r\n`,
      `\u0016\u0003\u0001garbage\r\n\r\n`,
    ];
    const problems: string[] = [];
    for (const text of raws) {
      const res = await rawExchange({ host: agent.host, port: agent.port, tls: true }, text);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(res)?.[1] ?? 0);
      const head = res.slice(0, res.indexOf('\r\n\r\n'));
      if (/x-injected/i.test(head)) problems.push(`${JSON.stringify(text.slice(0, 60))}: injected header echoed`);
      if (status >= 500 || status === 0 || (status >= 400 && !/"code":"[A-Z_]+"/.test(res)))
        problems.push(`${JSON.stringify(text.slice(0, 60))}: ${res.slice(0, 160)}`);
    }
    expect(problems, 'raw requests answered badly').toEqual([]);
    expect(agent.child.exitCode, 'the agent exited').toBeNull();
  });

  it('answers a 1 MiB join body with 413 PAYLOAD_TOO_LARGE from its headers alone, before any of it is sent', async () => {
    const res = await rawExchange(
      { host: agent.host, port: agent.port, tls: true },
      `POST ${AGENT_PATHS.join} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024}\r\n\r\n`,
    );
    expect(res.slice(0, 600)).toMatch(/^HTTP\/1\.1 413 [^]*"code":"PAYLOAD_TOO_LARGE"/);
  });

  it('is still up afterwards and answers its local status', async () => {
    expect(agent.child.exitCode, 'the agent exited').toBeNull();
    const r = await request(
      { kind: 'socket', socketPath: agent.socketPath },
      { method: 'GET', path: '/api/v1/node/status' },
    );
    expect(r.status).toBe(200);
  });
});

/** Writes raw bytes (over TLS, TCP or a Unix socket) and returns everything the server sends until it closes, even if it closes before reading all of it. */
function rawExchange(to: { host: string; port: number; tls: true } | { path: string }, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock: net.Socket =
      'path' in to
        ? net.connect({ path: to.path })
        : tls.connect({
            host: to.host,
            port: to.port,
            rejectUnauthorized: false,
            localAddress: '127.0.10.251',
          } as tls.ConnectionOptions);
    const chunks: Buffer[] = [];
    sock.once('path' in to ? 'connect' : 'secureConnect', () =>
      sock.write(Buffer.from(text, 'latin1'), () => undefined),
    );
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.once('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    // A write error (EPIPE, reset) is expected when the server refuses early; 'close' still follows.
    sock.on('error', () => undefined);
    sock.setTimeout(20_000, () => reject(new Error('no answer within 20 s')));
  });
}
