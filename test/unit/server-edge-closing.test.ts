/**
 * While a server closes, a peer may still send a request over a connection
 * it kept alive (the vDC's poller does). That request gets our own coded
 * answer, SERVICE_STOPPING, and the connection ends: the vDC then reports a
 * host that is going away, never "not a Quantix host agent" as it did for
 * the framework's own uncoded 503.
 */
import net from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { installEdge } from '../../common/http/server-edge.js';
import { createLogger } from '../../common/log/logger.js';
import { AGENT_REQUEST_WORDS } from '../../common/protocol/agent-api.js';

describe('a closing server', () => {
  it('answers a request on a kept-alive connection with SERVICE_STOPPING', async () => {
    const app = Fastify({ return503OnClosing: false });
    installEdge(app, {
      log: createLogger({ name: 'test', level: 'silent' }),
      words: AGENT_REQUEST_WORDS,
      routes: [{ method: 'GET', url: '/ping', handler: (_req, reply) => void reply.send({ ok: true }) }],
    });
    // Holds the close after it began, so that a request can arrive in between.
    let closingBegan!: () => void;
    const closing = new Promise<void>((resolve) => (closingBegan = resolve));
    let finishClose!: () => void;
    const mayFinish = new Promise<void>((resolve) => (finishClose = resolve));
    app.addHook('preClose', (done) => {
      closingBegan();
      void mayFinish.then(() => done());
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as net.AddressInfo;
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let arrived: (() => void) | null = null;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      received += d;
      arrived?.();
    });
    const answer = (n: number) =>
      new Promise<void>((resolve) => {
        arrived = () => {
          if ((received.match(/HTTP\/1\.1 /g) ?? []).length >= n && /\r\n\r\n[^]*\}$/.test(received)) resolve();
        };
        arrived();
      });
    socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await answer(1);
    const closed = app.close();
    await closing;
    socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    await answer(2);
    finishClose();
    await closed;
    socket.destroy();
    const second = received.slice(received.lastIndexOf('HTTP/1.1 '));
    expect(second).toMatch(/^HTTP\/1\.1 503/);
    expect(second).toMatch(/connection: close/i);
    const body = JSON.parse(second.slice(second.indexOf('\r\n\r\n') + 4)) as { code: string };
    expect(body.code).toBe('SERVICE_STOPPING');
  });
});
