/**
 * Discover never relays a target's words. The compiled vDC is pointed at
 * real TLS services over loopback that are not Quantix agents (JSON errors
 * with their own code, message, hint and details, a 3 MiB message full of
 * escape sequences, unknown codes, a 200 that is no hello, the vDC itself),
 * and at one that answers hello like an agent and then refuses with known
 * agent codes wrapped in hostile text. Every answer must be in the vDC's
 * own words, with a status from the vDC's catalogue (never the target's,
 * never a 500), and none of the target's text may reach the caller, over
 * plain JSON or the NDJSON stream.
 */
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { request } from '../../common/http/request.js';
import { AGENT_API_VERSION, AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { ERRORS } from '../../common/protocol/errors.js';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

/** What the foreign service answers: to hello, and to everything else. */
interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** Text no vDC message contains: found anywhere in an answer, the target's words got through. */
const MARK = 'FOREIGN-WORDS';
const HOSTILE = `${MARK} \x1b]0;pwned\x07\x1b[2J\x1b[31m{red-fg}\u202e${MARK}`;

function errorAnswer(status: number, code: string, size = 0): Answer {
  const message = size > 0 ? `${HOSTILE}${'\x1b[5m'.repeat(Math.ceil(size / 4))}` : HOSTILE;
  return {
    status,
    body: JSON.stringify({
      code,
      message,
      hint: `${MARK} run curl evil | sh`,
      details: [HOSTILE, MARK],
      retryAfterSeconds: 99_999_999,
      phase: 'register',
    }),
    headers: { 'retry-after': '99999999' },
  };
}

const AGENT_HELLO: Answer = {
  status: 200,
  body: JSON.stringify({
    apiVersion: AGENT_API_VERSION,
    hostId: 'f0f0f0f0-0000-4000-8000-000000000001',
    hostname: 'foreign',
    agentVersion: '1.0.0',
    managed: false,
    time: new Date().toISOString(),
  }),
};

/** A TLS service on a loopback address whose answers the test sets. */
interface Foreign {
  port: number;
  hello: Answer;
  other: Answer;
  close(): Promise<void>;
}

async function foreignService(host: string): Promise<Foreign> {
  const cert = await createSelfSignedCertificate(`foreign-${host}`);
  const f: Foreign = {
    port: 0,
    hello: errorAnswer(401, 'UNAUTHORIZED'),
    other: errorAnswer(401, 'UNAUTHORIZED'),
    close: async () => undefined,
  };
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const a = req.url === AGENT_PATHS.hello ? f.hello : f.other;
    res.on('error', () => undefined);
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
    res.end(a.body);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  f.port = (server.address() as net.AddressInfo).port;
  f.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return f;
}

let vdc: VdcProcess;
let foreign: Foreign;

beforeAll(async () => {
  [vdc, foreign] = await Promise.all([
    startVdc({ name: 'vdc-foreign', listen: '127.0.0.70:0' }),
    foreignService('127.0.0.71'),
  ]);
});
afterAll(async () => {
  await stopAll(vdc, foreign);
});

const token = formatToken(tokenFromRandom(new Uint8Array(16).map((_, i) => (i * 53 + 7) & 0xff)));

/** A raw discover over the vDC's socket: status, headers and body as sent. */
async function discover(
  address: string,
  stream = false,
): Promise<{ status: number; retryAfter: string | undefined; text: string; error: Record<string, unknown> }> {
  const res = await request(
    { kind: 'socket', socketPath: vdc.socketPath },
    {
      method: 'POST',
      path: '/api/nodes/discover',
      body: JSON.stringify({ address, token }),
      headers: stream ? { accept: 'application/x-ndjson' } : {},
      responseTimeoutMs: 30_000,
    },
  );
  const text = res.body.toString('utf8');
  const last = text.trim().split('\n').at(-1)!;
  const parsed = JSON.parse(last) as Record<string, unknown>;
  const ra = res.headers['retry-after'];
  return {
    status: res.status,
    retryAfter: typeof ra === 'string' ? ra : undefined,
    text,
    error: (stream ? parsed.error : parsed) as Record<string, unknown>,
  };
}

/** The checks every answer to a foreign target must pass. */
function expectOwnWords(r: Awaited<ReturnType<typeof discover>>, code: keyof typeof ERRORS): void {
  expect(r.error.code).toBe(code);
  expect(r.status === 200 || r.status === ERRORS[code].status, `status ${r.status}`).toBe(true);
  expect(r.status).not.toBe(500);
  expect(r.text).not.toContain(MARK);
  expect(r.text).not.toMatch(/curl|\\u001b|\x1b|\u202e|red-fg/);
  expect(r.error.details).toBeUndefined();
  // An answer of the vDC's own: a sentence and a next step, short.
  expect(r.text.length).toBeLessThan(2048);
  expect(String(r.error.hint)).toMatch(/\S/);
}

describe('discover pointed at something that is not a Quantix agent', () => {
  const address = () => `127.0.0.71:${foreign.port}`;

  it.each<[string, Answer]>([
    // A vDC code with the status it would carry: the vDC must not say its own caller lacks an API token.
    ['UNAUTHORIZED with 401 and hostile text', errorAnswer(401, 'UNAUTHORIZED')],
    // A code no one knows, with a 500: not an INTERNAL of the vDC's.
    ['an unknown code with 500', errorAnswer(500, 'FROBNICATOR_MELTDOWN')],
    // A 3 MiB message full of escape sequences.
    ['a 3 MiB message of escapes', errorAnswer(400, 'BAD_REQUEST', 3 * 1024 * 1024)],
    // A 200 that is not a hello.
    ['a 200 that is no hello', { status: 200, body: JSON.stringify({ message: HOSTILE, hint: MARK }) }],
    // Not JSON at all.
    ['an HTML page', { status: 404, body: `<html>${HOSTILE}</html>` }],
  ])('%s: HOST_PROTOCOL_ERROR, "not a Quantix host agent", nothing of the target', async (_name, answer) => {
    foreign.hello = answer;
    for (const stream of [false, true]) {
      const r = await discover(address(), stream);
      expectOwnWords(r, 'HOST_PROTOCOL_ERROR');
      expect(r.error.message).toBe(`The service at ${address()} is not a Quantix host agent.`);
      expect(r.error.hint).toMatch(/port 8443/);
    }
  });

  it('a hello whose host id is 20 KB (under the answer cap): refused, and neither the answer nor the audit holds any of it', async () => {
    const hello = JSON.parse(AGENT_HELLO.body) as Record<string, unknown>;
    foreign.hello = { status: 200, body: JSON.stringify({ ...hello, hostId: `${MARK}${'x'.repeat(20_000)}` }) };
    const r = await discover(address());
    expectOwnWords(r, 'HOST_PROTOCOL_ERROR');
    const audit = JSON.stringify(await vdc.client().audit({ limit: 5 }));
    expect(audit).not.toContain(MARK);
    expect(audit.length).toBeLessThan(8 * 1024);
  });

  it("the vDC itself: not a host agent, and not a 401 about the caller's API token", async () => {
    const self = `127.0.0.70:${vdc.port}`;
    const r = await discover(self);
    expectOwnWords(r, 'HOST_PROTOCOL_ERROR');
    expect(r.status).toBe(502);
    expect(r.error.message).toBe(`The service at ${self} is not a Quantix host agent.`);
  });

  it("known agent codes after a good hello: mapped to the vDC's own words, the target's text and status dropped, its Retry-After bounded", async () => {
    foreign.hello = AGENT_HELLO;
    const cases: Array<[Answer, keyof typeof ERRORS]> = [
      [errorAnswer(418, 'TOKEN_INVALID'), 'TOKEN_INVALID'],
      [errorAnswer(302, 'TOKEN_EXPIRED'), 'TOKEN_EXPIRED'],
      [errorAnswer(429, 'RATE_LIMITED'), 'RATE_LIMITED'],
      [errorAnswer(400, 'BAD_REQUEST'), 'HOST_PROTOCOL_ERROR'],
      [errorAnswer(500, 'INTERNAL'), 'HOST_AGENT_FAILED'],
      [errorAnswer(503, 'STATE_WRITE_FAILED'), 'HOST_STATE_WRITE_FAILED'],
      [errorAnswer(401, 'UNAUTHORIZED'), 'HOST_PROTOCOL_ERROR'],
      [errorAnswer(500, 'NO_SUCH_CODE'), 'HOST_PROTOCOL_ERROR'],
    ];
    for (const [answer, code] of cases) {
      foreign.other = answer;
      const r = await discover(`127.0.0.71:${foreign.port}`);
      expectOwnWords(r, code);
      if (code === 'TOKEN_INVALID' || code === 'TOKEN_EXPIRED')
        expect(r.error).toMatchObject({ message: ERRORS[code].message, hint: ERRORS[code].hint });
      if (code === 'RATE_LIMITED') {
        expect(r.error.retryAfterSeconds).toBe(3600);
        expect(r.retryAfter).toBe('3600');
      }
    }
  });
});
