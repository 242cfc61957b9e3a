/**
 * The shared connection guard on a real HTTP server with small bounds:
 * the cap per source, the cap in total, and connections that stall are
 * closed after a malformed request or a missed header deadline, even
 * when the client never closes its own side.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { answerClientError, type ConnectionLimits, guardConnections } from '../../common/http/connection-guard.js';
import { waitFor } from '../helpers/vdc.js';

const LIMITS: ConnectionLimits = {
  handshakeTimeoutMs: 1_000,
  headersTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  keepAliveTimeoutMs: 500,
  idleTimeoutMs: 3_000,
  maxConnections: 12,
  maxPerSource: 4,
  checkIntervalMs: 200,
};

const servers: http.Server[] = [];
const clients: net.Socket[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(): Promise<{ port: number; guard: ReturnType<typeof guardConnections> }> {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.on('clientError', (err: Error & { code?: string }, socket: net.Socket) =>
    answerClientError(err, socket, () => 'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
  );
  const guard = guardConnections(server, LIMITS);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as net.AddressInfo).port, guard };
}

/** A client that never closes its side by itself (allowHalfOpen), as an attacker's would not. */
function connect(port: number, localAddress: string): net.Socket {
  const s = net.connect({ host: '127.0.0.1', port, localAddress, allowHalfOpen: true });
  s.on('error', () => {});
  // Reads what the server sends, so its end of the connection is seen.
  s.resume();
  clients.push(s);
  return s;
}

describe('connection guard', () => {
  it('destroys connections past the cap of their source, other sources unaffected', async () => {
    const { port, guard } = await serve();
    for (let i = 0; i < 10; i++) connect(port, '127.0.13.1');
    await waitFor('the source to be capped', () => guard.refusedPerSource === 6);
    expect(guard.open).toBe(4);
    const other = connect(port, '127.0.13.2');
    await waitFor('another source to get in', () => guard.open === 5);
    expect(other.destroyed).toBe(false);
  });

  it('drops connections past the total cap', async () => {
    const { port, guard } = await serve();
    for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) connect(port, `127.0.14.${i + 1}`);
    await waitFor('the total cap', () => guard.open === 12 && guard.refusedTotal === 8);
  });

  it('closes connections whose headers never complete, that sent garbage or that send nothing, though the client never closes its side', async () => {
    const { port, guard } = await serve();
    connect(port, '127.0.15.1').write('GET / HTTP/1.1\r\nHost: x\r\n');
    connect(port, '127.0.15.2').write('\u0000\u0001 nonsense\r\n\r\n');
    connect(port, '127.0.15.3');
    await waitFor('three connections', () => guard.accepted === 3);
    await waitFor('the server to let go of all three', () => guard.open === 0);
  });
});
