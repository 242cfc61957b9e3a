/**
 * The poller's kept connections: bounded, and once full the pool keeps the
 * connections it has (a fleet polled in a cycle would otherwise evict each
 * one just before its reuse). Real TLS on loopback, real sockets counted on
 * the server side.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { request, TlsConnectionPool, type Endpoint } from '../../common/http/request.js';
import { parseCommandLine } from '../../vdc-console/server/options.js';

const HOSTS = 4;
/** One HTTPS server per simulated host, each on its own loopback address. */
const servers: { server: https.Server; address: string; port: number }[] = [];
let fingerprint = '';
/** Connections the servers accepted (TLS handshakes done). */
const accepted: string[] = [];

beforeAll(async () => {
  const cert = await createSelfSignedCertificate('pool-test');
  fingerprint = cert.fingerprint;
  for (let i = 0; i < HOSTS; i++) {
    const address = `127.0.7.${i + 1}`;
    const server = https.createServer(
      { cert: cert.certPem, key: cert.keyPem, keepAliveTimeout: 60_000 },
      (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      },
    );
    server.on('secureConnection', () => accepted.push(address));
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    servers.push({ server, address, port: (server.address() as AddressInfo).port });
  }
});

afterAll(async () => {
  for (const { server } of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function host(i: number, pool: TlsConnectionPool): Endpoint {
  const s = servers[i]!;
  return { kind: 'tls', host: s.address, port: s.port, pinnedFingerprint: fingerprint, pool };
}

async function round(pool: TlsConnectionPool, hosts: number): Promise<void> {
  for (let i = 0; i < hosts; i++) {
    const res = await request(host(i, pool), { method: 'GET', path: '/status' });
    expect(res.status).toBe(200);
  }
}

describe('TlsConnectionPool', () => {
  it('keeps at most its limit, and keeps the same connections round after round', async () => {
    const pool = new TlsConnectionPool(2);
    accepted.length = 0;
    await round(pool, HOSTS);
    expect(pool.size).toBe(2);
    expect(accepted).toHaveLength(4);
    // Round two: the two kept hosts reuse their connection, the other two dial again (evicting the oldest instead
    // would have made all four dial).
    accepted.length = 0;
    await round(pool, HOSTS);
    expect(accepted).toHaveLength(2);
    expect(pool.size).toBe(2);
    pool.close();
  });

  it('keeps nothing with a limit of 0', async () => {
    const pool = new TlsConnectionPool(0);
    accepted.length = 0;
    await round(pool, 2);
    await round(pool, 2);
    expect(accepted).toHaveLength(4);
    expect(pool.size).toBe(0);
  });
});

describe('quantix-vdc serve --poll-connections', () => {
  const serve = (args: string[], env: Record<string, string> = {}) =>
    parseCommandLine(['serve', ...args], env, 1000, '/home/x');

  it('defaults to 256 and takes a flag or the environment', () => {
    const def = serve([]);
    const flag = serve(['--poll-connections', '0']);
    const fromEnv = serve([], { QUANTIX_VDC_POLL_CONNECTIONS: '1000' });
    expect(def.kind === 'serve' && def.config.pollConnections).toBe(256);
    expect(flag.kind === 'serve' && flag.config.pollConnections).toBe(0);
    expect(fromEnv.kind === 'serve' && fromEnv.config.pollConnections).toBe(1000);
  });

  it('refuses what is not a whole number in bounds, saying the bounds', () => {
    for (const bad of ['-1', '1.5', 'many', '100001'])
      expect(() => serve([`--poll-connections=${bad}`])).toThrow(
        /--poll-connections must be a whole number from 0 to 100000/,
      );
  });
});
