/**
 * VdcClient and LocalAgentClient against a peer that answers what it
 * should not: a real HTTP server on a Unix socket plays the vDC (or the
 * agent) and sends error bodies with fields of the wrong type. Every answer
 * is checked against its schema; what does not match is HOST_PROTOCOL_ERROR.
 */
import http from 'node:http';
import type net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VdcClient } from '../../common/http/vdc-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { expectQuantixError } from '../helpers/expect-error.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let dir: string;
let socketPath: string;
let server: http.Server;
let handler: Handler = (_req, res) => res.end();
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qx-replies-'));
  socketPath = join(dir, 'peer.sock');
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(socketPath, r));
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

function answerJson(status: number, body: unknown): Handler {
  return (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

function client(): VdcClient {
  return new VdcClient({ kind: 'socket', socketPath }, { hostOperationTimeoutMs: 20_000 });
}

describe('error bodies from the vDC are checked against their schema', () => {
  it('refuses a body whose fields have the wrong type, naming the field', async () => {
    handler = answerJson(409, { code: 'CLUSTER_EXISTS', message: 42, hint: 'x' });
    const e = await expectQuantixError(client().createCluster({ name: 'a' }));
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
    expect(e.message).toBe('The vDC answered HTTP 409 with an error body that does not match (error.message).');
    expect(e.hint).toMatch(/same Quantix version/);
  });

  it('refuses a phase, a retry time or details of the wrong kind', async () => {
    for (const extra of [{ phase: 'elsewhere' }, { retryAfterSeconds: '5' }, { details: ['a', 7] }]) {
      handler = answerJson(400, { code: 'VALIDATION_ERROR', message: 'm', hint: 'h', ...extra });
      const e = await expectQuantixError(client().createCluster({ name: 'a' }));
      expect(e.code, JSON.stringify(extra)).toBe('HOST_PROTOCOL_ERROR');
    }
  });

  it('is INTERNAL for a 5xx body that does not match', async () => {
    handler = answerJson(503, { code: 'DATABASE_UNAVAILABLE', message: 'm' });
    const e = await expectQuantixError(client().health());
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe('The vDC answered HTTP 503 with an error body that does not match (error.hint).');
  });

  it('keeps the words of a code it does not know, as INTERNAL, and hostile words as data', async () => {
    const words = 'newer \u001b[2J\u001b]0;owned\u0007 words';
    handler = answerJson(418, { code: 'SOME_FUTURE_CODE', message: words, hint: 'h', extra: true });
    const e = await expectQuantixError(client().health());
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe(words);
    expect(e.hint).toBe('h');
  });

  it('keeps every field of a good body', async () => {
    handler = answerJson(429, {
      code: 'RATE_LIMITED',
      message: 'm',
      hint: 'h',
      phase: 'verify',
      retryAfterSeconds: 7,
      details: ['d'],
    });
    const e = await expectQuantixError(client().health());
    expect([e.code, e.message, e.hint, e.phase, e.retryAfterSeconds, e.details]).toEqual([
      'RATE_LIMITED',
      'm',
      'h',
      'verify',
      7,
      ['d'],
    ]);
  });

  it('says when a body has no code, as before', async () => {
    handler = answerJson(404, { message: 'no code' });
    expect((await expectQuantixError(client().health())).message).toBe(
      'The vDC answered HTTP 404 without an error code.',
    );
    handler = answerJson(500, []);
    expect((await expectQuantixError(client().health())).code).toBe('INTERNAL');
  });
});

describe('error bodies from the local agent are checked against their schema', () => {
  it('refuses a body whose fields have the wrong type', async () => {
    handler = answerJson(400, { code: 'BAD_REQUEST', message: 'm', hint: 'h', details: 'not a list' });
    const e = await expectQuantixError(new LocalAgentClient({ socketPath }).status());
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
    expect(e.message).toBe(
      `the agent socket ${socketPath} answered HTTP 400 with an error body that does not match (error.details).`,
    );
  });

  it('keeps the code and words of a good body', async () => {
    handler = answerJson(409, { code: 'HOST_MANAGED', message: 'managed', hint: 'leave first' });
    const e = await expectQuantixError(new LocalAgentClient({ socketPath }).status());
    expect([e.code, e.message, e.hint]).toEqual(['HOST_MANAGED', 'managed', 'leave first']);
  });
});
