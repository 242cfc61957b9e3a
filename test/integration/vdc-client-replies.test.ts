/**
 * VdcClient and LocalAgentClient against a peer that answers what it
 * should not: a real HTTP server on a Unix socket plays the vDC (or the
 * agent) and sends error bodies with fields of the wrong type, discovery
 * progress streams with a malformed line, a stage of the wrong type, more
 * after the last line, or a line that never ends. Every answer is checked
 * against its schema; what does not match is HOST_PROTOCOL_ERROR at once.
 */
import http from 'node:http';
import type net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VdcClient } from '../../common/http/vdc-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { DiscoverResponse, DiscoverStage } from '../../common/protocol/vdc-api.js';
import { createInventoryCollector } from '../../host-console/inventory/index.js';
import { expectQuantixError } from '../helpers/expect-error.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let dir: string;
let socketPath: string;
let server: http.Server;
let handler: Handler = (_req, res) => res.end();
const sockets = new Set<net.Socket>();
let result: DiscoverResponse;

const DISCOVER = { address: '127.0.0.1', token: 'QUANTIX-AAAA-AAAA-AAAA' };

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
  const hosts = fileURLToPath(new URL('../fixtures/hosts/', import.meta.url));
  const inventory = await createInventoryCollector({
    root: join(hosts, 'vm-minimal'),
    stateDir: dir,
    now: () => 0,
  }).refresh();
  result = {
    discoveryId: 'd1',
    expiresAt: new Date(0).toISOString(),
    host: {
      hostId: 'h1',
      hostname: 'vm',
      address: '127.0.0.1',
      port: 8443,
      certificateFingerprint: 'ab'.repeat(32),
      identityVerified: true,
      agentVersion: '1.0.0',
      clockOffsetSeconds: 0,
    },
    inventory,
    warnings: [],
  };
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

/** Streams `lines` (written as they are: each a whole line with its newline, or a part of one), then ends unless `hold`. */
function answerStream(lines: string[], hold = false): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    for (const l of lines) res.write(l);
    if (!hold) res.end();
  };
}

const stageLine = (stage: string, phase = 'connect') => `${JSON.stringify({ stage, phase })}\n`;
const resultLine = () => `${JSON.stringify({ result })}\n`;

function client(): VdcClient {
  return new VdcClient({ kind: 'socket', socketPath }, { hostOperationTimeoutMs: 20_000 });
}

async function discoverWithStages(): Promise<{ stages: DiscoverStage[]; outcome: Promise<DiscoverResponse> }> {
  const stages: DiscoverStage[] = [];
  const outcome = client().discover(DISCOVER, { onStage: (s) => stages.push(s) });
  await outcome.catch(() => undefined);
  return { stages, outcome };
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

  it('says when a body has no code, as before, with a next step about the vDC, not a host', async () => {
    handler = answerJson(404, { message: 'no code' });
    const err = await expectQuantixError(client().health());
    expect(err.message).toBe('The vDC answered HTTP 404 without an error code.');
    expect(err.hint).toBe('Check that the console and the vDC run the same Quantix version.');
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

describe('the discovery progress stream is checked line by line', () => {
  it('reads stages and the result', async () => {
    handler = answerStream([stageLine('connecting'), stageLine('verifying', 'verify'), resultLine()]);
    const { stages, outcome } = await discoverWithStages();
    expect((await outcome).discoveryId).toBe('d1');
    expect(stages).toEqual(['connecting', 'verifying']);
  });

  it("says a failure of the console's own progress display as its own, not as a lost connection", async () => {
    handler = answerStream([stageLine('connecting'), resultLine()]);
    const outcome = client().discover(DISCOVER, {
      onStage: () => {
        throw new Error('display gone');
      },
    });
    const e = await expectQuantixError(outcome);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe("Showing the discovery's progress failed: display gone");
  });

  it('stops at a line that is not JSON, without waiting for the rest', async () => {
    handler = answerStream([stageLine('connecting'), 'Proxy error <html>\n'], true);
    const { stages, outcome } = await discoverWithStages();
    const e = await expectQuantixError(outcome);
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
    expect(e.message).toBe('The vDC sent a discovery progress line that is not JSON.');
    expect(e.hint).toMatch(/same Quantix version/);
    expect(stages).toEqual(['connecting']);
  });

  it('refuses a stage line with a stage of the wrong type, even when a result follows', async () => {
    handler = answerStream([`${JSON.stringify({ stage: 7, phase: 'connect' })}\n`, resultLine()]);
    const e = await expectQuantixError((await discoverWithStages()).outcome);
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
    expect(e.message).toBe('The vDC answered something unexpected (progress.stage).');
  });

  it('refuses a line that is neither a stage, a result nor an error', async () => {
    handler = answerStream([`${JSON.stringify({ progress: 50 })}\n`, resultLine()]);
    const e = await expectQuantixError((await discoverWithStages()).outcome);
    expect(e.message).toBe('The vDC sent a discovery progress line that is neither a stage, a result nor an error.');
  });

  it('passes over a stage it does not know (a newer vDC), and still reads the result', async () => {
    handler = answerStream([stageLine('warming-up'), stageLine('collecting', 'discover'), resultLine()]);
    const { stages, outcome } = await discoverWithStages();
    expect((await outcome).discoveryId).toBe('d1');
    expect(stages).toEqual(['collecting']);
  });

  it('refuses a result line that does not match, and anything after the last line', async () => {
    const bad = { result: { ...result, host: { ...result.host, port: 'x' } } };
    handler = answerStream([`${JSON.stringify(bad)}\n`]);
    let e = await expectQuantixError((await discoverWithStages()).outcome);
    expect(e.message).toBe('The vDC answered something unexpected (progress.result.host.port).');
    handler = answerStream([resultLine(), stageLine('connecting')]);
    e = await expectQuantixError((await discoverWithStages()).outcome);
    expect(e.message).toBe('The vDC sent more after the last line of the discovery stream.');
  });

  it('reads an error line as the coded error, and one with wrong fields as a protocol error', async () => {
    const error = { code: 'TOKEN_INVALID', message: 'no', hint: 'check', phase: 'verify' };
    handler = answerStream([stageLine('connecting'), `${JSON.stringify({ error })}\n`]);
    let e = await expectQuantixError((await discoverWithStages()).outcome);
    expect([e.code, e.phase]).toEqual(['TOKEN_INVALID', 'verify']);
    handler = answerStream([stageLine('connecting'), `${JSON.stringify({ error: { ...error, hint: null } })}\n`]);
    e = await expectQuantixError((await discoverWithStages()).outcome);
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
  });

  it('reads lines cut anywhere, even inside a character', async () => {
    const withUtf8 = { ...result, host: { ...result.host, hostname: 'h\u00f6st-\u2603' } };
    const text = Buffer.from(`${stageLine('connecting')}${JSON.stringify({ result: withUtf8 })}\n`);
    const cut = text.indexOf(Buffer.from('\u2603')) + 1;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(text.subarray(0, 5));
      res.write(text.subarray(5, cut));
      setImmediate(() => res.end(text.subarray(cut)));
    };
    const { stages, outcome } = await discoverWithStages();
    expect((await outcome).host.hostname).toBe('h\u00f6st-\u2603');
    expect(stages).toEqual(['connecting']);
  });

  it('counts each piece of an answer against the limit, so a byte at a time cannot make it hold millions', async () => {
    // 20,000 one-byte HTTP chunks: 20 KB of answer, but 20,000 buffers to hold.
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 20_000; i++) res.write(' ');
      res.end('{}');
    };
    const e = await expectQuantixError(client().health());
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
    expect(e.message).toMatch(/sent more than 16777216 bytes \(each piece of the answer counted as 1024 bytes more\)/);
  });

  it('holds a line that never ends only up to the body limit, then hangs up', async () => {
    const limit = 16 * 1024 * 1024;
    let written = 0;
    let closed = false;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write(stageLine('connecting'));
      const block = Buffer.alloc(64 * 1024, 0x78);
      res.on('close', () => (closed = true));
      // Bounded: twice the limit at most, waiting for the console to read each block.
      const pump = () => {
        while (!closed && written < 2 * limit) {
          written += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
      };
      pump();
    };
    const { stages, outcome } = await discoverWithStages();
    const e = await expectQuantixError(outcome);
    expect(e.code).toBe('HOST_PROTOCOL_ERROR');
    expect(e.message).toMatch(/sent more than 16777216 bytes/);
    expect(stages).toEqual(['connecting']);
    await expect.poll(() => closed, { timeout: 10_000 }).toBe(true);
    // What was in flight when the console hung up stays within socket buffers of the limit.
    expect(written).toBeLessThan(limit + 4 * 1024 * 1024);
  });
});
