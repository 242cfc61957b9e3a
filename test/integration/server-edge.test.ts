/**
 * One HTTP edge for every Quantix server: the vDC API, the agent's local API
 * and the agent's network API answer malformed JSON, HEAD and wrong methods
 * the same way, and the clients check answers in full against the schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import https from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { VDC_PATHS } from '../../common/protocol/vdc-api.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { expectQuantixError } from '../helpers/expect-error.js';

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

type Target = { kind: 'socket'; socketPath: string } | { kind: 'tls'; host: string; port: number };

/** One request with any method, read to the end. */
function send(t: Target, method: string, urlPath: string, body?: string): Promise<Answer> {
  const headers: Record<string, string> =
    body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  const opts =
    t.kind === 'socket'
      ? { socketPath: t.socketPath, method, path: urlPath, headers }
      : { host: t.host, port: t.port, method, path: urlPath, headers, rejectUnauthorized: false };
  return new Promise((resolve, reject) => {
    const req = (t.kind === 'socket' ? http : https).request(opts, (res) => {
      let b = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (b += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: b }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

let vdc: VdcProcess;
let agent: AgentProcess;

beforeAll(async () => {
  [vdc, agent] = await Promise.all([startVdc(), startAgent({ host: '127.0.0.61' })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([vdc.cleanup(), agent.cleanup()]);
});

/** Each server with a GET path and a POST-only path. */
const servers = (): Array<{ name: string; target: Target; get: string; postOnly: string }> => [
  {
    name: 'the vDC API',
    target: { kind: 'socket', socketPath: vdc.socketPath },
    get: VDC_PATHS.health,
    postOnly: VDC_PATHS.discover,
  },
  {
    name: "the agent's local API",
    target: { kind: 'socket', socketPath: agent.socketPath },
    get: AGENT_PATHS.nodeStatus,
    postOnly: AGENT_PATHS.nodeLeave,
  },
  {
    name: "the agent's network API",
    target: { kind: 'tls', host: agent.host, port: agent.port },
    get: AGENT_PATHS.hello,
    postOnly: AGENT_PATHS.nodeLeave,
  },
];

describe('one HTTP edge', () => {
  it('answers a body that is not JSON with BAD_REQUEST on every server, before doing anything', async () => {
    for (const s of servers()) {
      const r = await send(s.target, 'POST', s.postOnly, '{"name":');
      expect({ server: s.name, status: r.status, code: (JSON.parse(r.body) as { code: string }).code }).toEqual({
        server: s.name,
        status: 400,
        code: 'BAD_REQUEST',
      });
      expect(JSON.parse(r.body)).toMatchObject({ message: 'The request body is not valid JSON.' });
    }
    // The agent did nothing with it: still standalone, its token untouched.
    const status = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
    expect(status.membership).toBeNull();
  });

  it('answers HEAD as GET without a body wherever GET is accepted', async () => {
    for (const s of servers()) {
      const get = await send(s.target, 'GET', s.get);
      const head = await send(s.target, 'HEAD', s.get);
      expect({ server: s.name, status: head.status, body: head.body }).toEqual({
        server: s.name,
        status: get.status,
        body: '',
      });
      expect(head.headers['content-type']).toBe(get.headers['content-type']);
    }
  });

  it('answers HEAD with 405 and Allow where GET is not accepted', async () => {
    for (const s of servers()) {
      const r = await send(s.target, 'HEAD', s.postOnly);
      expect({ server: s.name, status: r.status, allow: r.headers.allow }).toEqual({
        server: s.name,
        status: 405,
        allow: 'POST',
      });
    }
  });

  it('names HEAD in Allow along with GET when refusing another method', async () => {
    for (const s of servers()) {
      const r = await send(s.target, 'PUT', s.get);
      expect({ server: s.name, status: r.status, allow: r.headers.allow }).toEqual({
        server: s.name,
        status: 405,
        allow: 'GET, HEAD',
      });
      expect(JSON.parse(r.body)).toMatchObject({ code: 'METHOD_NOT_ALLOWED', message: `${s.get} accepts GET, HEAD.` });
    }
  });
});

/** A server on a Unix socket that answers every request with `body`. */
async function fakeServer(body: unknown): Promise<{ socketPath: string; close(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-edge-'));
  const socketPath = path.join(dir, 'fake.sock');
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    socketPath,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('clients check answers in full', () => {
  it('refuses a vDC health answer whose nested figures have the wrong type', async () => {
    const health = await new VdcClient({ kind: 'socket', socketPath: vdc.socketPath }).health();
    const fake = await fakeServer({ ...health, hosts: { ...health.hosts, total: 'many' } });
    try {
      const e = await expectQuantixError(new VdcClient({ kind: 'socket', socketPath: fake.socketPath }).health());
      expect(e.code).toBe('HOST_PROTOCOL_ERROR');
      expect(e.message).toContain('health.hosts.total');
    } finally {
      await fake.close();
    }
  });

  it("refuses an agent's inventory whose disk size is not a number, and drops fields it does not know", async () => {
    const local = new LocalAgentClient({ socketPath: agent.socketPath });
    const inventory = await local.inventory();
    const disk = {
      name: 'sda',
      model: null,
      serial: null,
      sizeBytes: '1 TB',
      kind: 'hdd',
      transport: null,
      removable: false,
      partitions: [],
      filesystem: null,
    };
    const bad = await fakeServer({ ...inventory, storage: { ...inventory.storage, disks: [disk] } });
    const extra = await fakeServer({ ...inventory, secret: 'x' });
    try {
      const e = await expectQuantixError(new LocalAgentClient({ socketPath: bad.socketPath }).inventory());
      expect(e.code).toBe('HOST_PROTOCOL_ERROR');
      expect(e.message).toContain('inventory.storage.disks.0.sizeBytes');
      expect(await new LocalAgentClient({ socketPath: extra.socketPath }).inventory()).not.toHaveProperty('secret');
    } finally {
      await Promise.all([bad.close(), extra.close()]);
    }
  });
});
