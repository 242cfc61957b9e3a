/**
 * Every error of the add-host flow produced for real: real agents (child
 * processes) in the states that cause them, and real sockets that misbehave
 * the way broken networks do, on both store back ends. Each error must
 * carry its stable code, the phase it happened in, and a hint that says
 * what to do next.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { canonicalizeToken, formatToken, tokenFromRandom } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { expectQuantixError } from '../helpers/expect-error.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';

const postgres = usePostgres();

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let vdc: VdcProcess;
  let other: VdcProcess;
  let main: AgentProcess;
  let emptyRoot: string;
  const servers: net.Server[] = [];
  const agents: AgentProcess[] = [];
  let clusterId: string;
  /** The token the shared agent joined with, spent by the join. */
  let joinToken = '';

  /** A token of the right shape that no host issued. */
  function foreignToken(): string {
    return formatToken(tokenFromRandom(new Uint8Array(16).map((_, i) => (i * 37 + 11) & 0xff)));
  }

  async function listen(server: net.Server, host: string): Promise<number> {
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    return (server.address() as net.AddressInfo).port;
  }

  function local(a: AgentProcess): LocalAgentClient {
    return new LocalAgentClient({ socketPath: a.socketPath });
  }

  beforeAll(async () => {
    // An inventory root with no SMBIOS or machine-id gives each agent its own generated hostId.
    emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
    const [database, otherDatabase] = await Promise.all([postgres.database(backend), postgres.database(backend)]);
    [vdc, other, main] = await Promise.all([
      startVdc({ name: 'vdc-a', connectTimeout: '1s', responseTimeout: '3s', ...(database ? { database } : {}) }),
      startVdc({ name: 'vdc-b', ...(otherDatabase ? { database: otherDatabase } : {}) }),
      startAgent({ host: '127.0.0.41' }),
    ]);
    agents.push(main);
    clusterId = (await vdc.client().createCluster({ name: 'Errors' })).id;
    await other.client().createCluster({ name: 'Elsewhere' });
  });

  afterAll(async () => {
    for (const s of servers) s.close();
    await stopAll(vdc, other, ...agents);
    rmSync(emptyRoot, { recursive: true, force: true });
  });

  describe('input checked before any network call', () => {
    it('TOKEN_FORMAT for a typo, even toward an address where nothing listens', async () => {
      const good = (await local(main).generateToken()).token;
      // Swap two different neighbouring symbols (equal ones would swap into the same token): the check symbol catches it.
      const i = Array.from(good).findIndex(
        (c, k) => k >= 8 && c !== '-' && good[k + 1] !== undefined && good[k + 1] !== '-' && good[k + 1] !== c,
      );
      const typo = `${good.slice(0, i)}${good[i + 1]}${good[i]}${good.slice(i + 2)}`;
      expect(typo).not.toBe(good);
      const e = await expectQuantixError(vdc.client().discover({ address: '127.0.0.1:1', token: typo }));
      expect(e).toMatchObject({ code: 'TOKEN_FORMAT', phase: 'verify' });
      expect(e.hint).toMatch(/host console \(F4\)/);
    });

    it('VALIDATION_ERROR for an address that is a URL with a path', async () => {
      const e = await expectQuantixError(
        vdc
          .client()
          .discover({ address: `https://${main.host}:${main.port}/api/v1/node/leave`, token: foreignToken() }),
      );
      expect(e).toMatchObject({ code: 'VALIDATION_ERROR', phase: 'connect' });
      expect(e.message).toMatch(/paths are not accepted/);
    });

    it('VALIDATION_ERROR for unknown fields and a missing cluster on register', async () => {
      const e = await expectQuantixError(vdc.client().register({ discoveryId: 'x', clusterId: '' }));
      expect(e.code).toBe('VALIDATION_ERROR');
      expect(e.details).toContain('clusterId is required');
    });
  });

  describe('the network', () => {
    it('HOST_UNREACHABLE when the agent is stopped', async () => {
      const a = await startAgent({ host: '127.0.0.48' });
      agents.push(a);
      const token = (await local(a).generateToken()).token;
      await a.stop();
      const e = await expectQuantixError(vdc.client().discover({ address: `${a.host}:${a.port}`, token }));
      expect(e).toMatchObject({ code: 'HOST_UNREACHABLE', phase: 'connect' });
      expect(e.message).toMatch(/connection refused/);
      expect(e.hint).toMatch(/8443/);
      // The failed discovery is audited with where it came from, the address tried and the code.
      const [event] = await vdc.client().audit({ limit: 1 });
      expect(event).toMatchObject({
        action: 'node.discover',
        outcome: 'error',
        source: 'socket',
        address: `${a.host}:${a.port}`,
        code: 'HOST_UNREACHABLE',
      });
      for (const form of [token, canonicalizeToken(token)]) expect(JSON.stringify(event)).not.toContain(form);
    });

    it('HOST_UNREACHABLE when the host name does not resolve', async () => {
      const e = await expectQuantixError(
        vdc.client().discover({ address: 'no-such-host.invalid', token: foreignToken() }),
      );
      expect(e).toMatchObject({ code: 'HOST_UNREACHABLE', phase: 'connect' });
      expect(e.message).toMatch(/name not found/);
    });

    it('CONNECTION_TIMEOUT when a port accepts TCP but never speaks TLS', async () => {
      const silent = net.createServer(() => undefined);
      const port = await listen(silent, '127.0.0.45');
      const e = await expectQuantixError(
        vdc.client().discover({ address: `127.0.0.45:${port}`, token: foreignToken() }),
      );
      expect(e).toMatchObject({ code: 'CONNECTION_TIMEOUT', phase: 'connect' });
    });

    it('CONNECTION_TIMEOUT when the TLS handshake completes but no answer follows', async () => {
      const cert = await createSelfSignedCertificate('mute');
      const mute = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, () => undefined);
      const port = await listen(mute, '127.0.0.47');
      const e = await expectQuantixError(
        vdc.client().discover({ address: `127.0.0.47:${port}`, token: foreignToken() }),
      );
      expect(e).toMatchObject({ code: 'CONNECTION_TIMEOUT', phase: 'connect' });
    });

    it('TLS_ERROR when the port speaks plain HTTP', async () => {
      const plain = net.createServer((s) =>
        s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
      );
      const port = await listen(plain, '127.0.0.46');
      const e = await expectQuantixError(
        vdc.client().discover({ address: `127.0.0.46:${port}`, token: foreignToken() }),
      );
      expect(e).toMatchObject({ code: 'TLS_ERROR', phase: 'connect' });
      expect(e.hint).toMatch(/HTTPS/);
    });

    it('abandons the discovery when the console hangs up, and audits it as cancelled', async () => {
      const silent = net.createServer(() => undefined);
      const port = await listen(silent, '127.0.0.49');
      const database = await postgres.database(backend);
      const slow = await startVdc({ connectTimeout: '60s', ...(database ? { database } : {}) });
      try {
        const controller = new AbortController();
        const pending = slow
          .client()
          .discover(
            { address: `127.0.0.49:${port}`, token: foreignToken() },
            { signal: controller.signal, onStage: (s) => s === 'connecting' && controller.abort() },
          );
        await expect(pending).rejects.toBeInstanceOf(QuantixError);
        const event = await waitFor('the cancelled discovery in the audit', async () => {
          const events = await slow.client().audit({ limit: 5 });
          return events.find((e) => e.action === 'node.discover' && e.outcome === 'error');
        });
        expect(event.detail).toBe('cancelled by the client');
      } finally {
        await slow.cleanup();
      }
    });
  });

  describe('discover cannot be turned against other addresses', () => {
    it('asks only the agent path, and does not follow a redirect to another address', async () => {
      const cert = await createSelfSignedCertificate('elsewhere');
      let targetHits = 0;
      const target = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
        targetHits++;
        res.end('{}');
      });
      const targetPort = await listen(target, '127.0.0.49');
      const asked: string[] = [];
      const redirector = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
        asked.push(`${req.method} ${req.url}`);
        res.writeHead(302, { location: `https://127.0.0.49:${targetPort}/internal/admin` });
        res.end();
      });
      const port = await listen(redirector, '127.0.0.50');
      const e = await expectQuantixError(
        vdc.client().discover({ address: `127.0.0.50:${port}`, token: foreignToken() }),
      );
      expect(e.code).toBe('HOST_PROTOCOL_ERROR');
      expect(asked).toEqual(['GET /api/v1/registration/hello']);
      expect(targetHits).toBe(0);
    });

    it('cuts off an answer larger than the response cap', async () => {
      const cert = await createSelfSignedCertificate('flood');
      const flood = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const more = () => {
          while (sent < 64 * 1024 * 1024 && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', more);
          }
          res.end();
        };
        res.on('error', () => undefined);
        more();
      });
      const port = await listen(flood, '127.0.0.51');
      const e = await expectQuantixError(
        vdc.client().discover({ address: `127.0.0.51:${port}`, token: foreignToken() }),
      );
      // Cut off at the hello cap (64 KiB): no agent says hello at that length.
      expect(e.code).toBe('HOST_PROTOCOL_ERROR');
      expect(e.message).toMatch(/is not a Quantix host agent/);
    });
  });

  describe('the token', () => {
    it('TOKEN_INVALID for a well-formed token the host did not issue', async () => {
      await local(main).generateToken();
      const e = await expectQuantixError(
        vdc.client().discover({ address: `${main.host}:${main.port}`, token: foreignToken() }),
      );
      expect(e).toMatchObject({ code: 'TOKEN_INVALID', phase: 'verify' });
      expect(e.hint).toMatch(/F4/);
    });

    it('NO_ACTIVE_TOKEN when the host restarted since it showed the token', async () => {
      const token = (await local(main).generateToken()).token;
      // The token lives only in the agent's memory: a restart forgets it.
      await main.stop();
      main = await startAgent({ host: main.host, port: main.port, stateDir: main.stateDir });
      agents.push(main);
      const e = await expectQuantixError(vdc.client().discover({ address: `${main.host}:${main.port}`, token }));
      expect(e).toMatchObject({ code: 'NO_ACTIVE_TOKEN', phase: 'verify' });
      expect(e.hint).toMatch(/F4, then G/);
    });

    it('TOKEN_REVOKED when the operator revoked the token that was typed', async () => {
      const token = (await local(main).generateToken()).token;
      await local(main).revokeToken();
      const e = await expectQuantixError(vdc.client().discover({ address: `${main.host}:${main.port}`, token }));
      expect(e).toMatchObject({ code: 'TOKEN_REVOKED', phase: 'verify' });
    });

    it('TOKEN_EXPIRED at register when the token ran out after the review, leaving no host record behind', async () => {
      const a = await startAgent({ host: '127.0.0.42', tokenTtl: '10s', inventoryRoot: emptyRoot });
      agents.push(a);
      const token = (await local(a).generateToken()).token;
      const d = await vdc.client().discover({ address: `${a.host}:${a.port}`, token });
      expect(d.warnings.map((w) => w.code)).toContain('NO_VIRTUALIZATION');
      await waitFor(
        'the token to expire on the host',
        async () => (await local(a).status()).token.state === 'expired',
        20_000,
        250,
      );
      const e = await expectQuantixError(vdc.client().register({ discoveryId: d.discoveryId, clusterId }));
      expect(e).toMatchObject({ code: 'TOKEN_EXPIRED', phase: 'register' });
      expect(e.hint).toMatch(/F4, then G/);
      expect((await vdc.client().listNodes()).map((n) => n.hostId)).not.toContain(a.hostId);
      // Discovering with it now fails the same way.
      const again = await expectQuantixError(vdc.client().discover({ address: `${a.host}:${a.port}`, token }));
      expect(again).toMatchObject({ code: 'TOKEN_EXPIRED', phase: 'verify' });
    }, 40_000);

    it('RATE_LIMITED with the retry time after repeated wrong tokens', async () => {
      const a = await startAgent({ host: '127.0.0.44', inventoryRoot: emptyRoot });
      agents.push(a);
      await local(a).generateToken();
      let last: QuantixError | null = null;
      for (let i = 0; i < 8 && last?.code !== 'RATE_LIMITED'; i++) {
        last = await expectQuantixError(
          vdc.client().discover({ address: `${a.host}:${a.port}`, token: foreignToken() }),
        );
      }
      expect(last).toMatchObject({ code: 'RATE_LIMITED', phase: 'verify' });
      expect(last!.retryAfterSeconds).toBeGreaterThan(0);
    });
  });

  describe('the host changes between review and registration', () => {
    it('HOST_IDENTITY_CHANGED when the certificate at the address is no longer the one reviewed', async () => {
      const a = await startAgent({ host: '127.0.0.43', inventoryRoot: emptyRoot });
      agents.push(a);
      const token = (await local(a).generateToken()).token;
      const d = await vdc.client().discover({ address: `${a.host}:${a.port}`, token });
      await a.stop();
      unlinkSync(path.join(a.stateDir, 'agent.crt'));
      unlinkSync(path.join(a.stateDir, 'agent.key'));
      const b = await startAgent({ host: a.host, port: a.port, stateDir: a.stateDir, inventoryRoot: emptyRoot });
      agents.push(b);
      expect(b.fingerprint).not.toBe(a.fingerprint);
      const e = await expectQuantixError(vdc.client().register({ discoveryId: d.discoveryId, clusterId }));
      expect(e).toMatchObject({ code: 'HOST_IDENTITY_CHANGED', phase: 'verify' });
      expect(e.hint).toMatch(/discovery/);
      expect(await vdc.client().listNodes()).toEqual([]);
    });
  });

  describe('a host that is already managed', () => {
    it('HOST_ALREADY_REGISTERED, HOST_MANAGED_ELSEWHERE, and a second vDC cannot take the host', async () => {
      const a = vdc.client();
      const b = other.client();
      const token = (await local(main).generateToken()).token;
      joinToken = token;
      const address = `${main.host}:${main.port}`;
      const first = await a.discover({ address, token });
      const second = await a.discover({ address, token });
      const rival = await b.discover({ address, token });
      const node = await a.register({ discoveryId: first.discoveryId, clusterId });
      expect(node.state).toBe('connected');

      // The same vDC again, with a discovery made before the join.
      const dup = await expectQuantixError(a.register({ discoveryId: second.discoveryId, clusterId }));
      expect(dup).toMatchObject({ code: 'HOST_ALREADY_REGISTERED', phase: 'register' });
      // Named as this vDC knows it, with the command that moves that very host.
      expect(dup.message).toContain(`as "${node.hostname}" (node ${node.id}), in cluster "Errors"`);
      expect(dup.hint).toContain(`quantix-vdc-console hosts move ${node.id} --cluster OTHER`);

      // Another vDC that reviewed the host before the join, then tries to register it.
      const [rivalCluster] = await b.listClusters();
      const taken = await expectQuantixError(
        b.register({ discoveryId: rival.discoveryId, clusterId: rivalCluster!.id }),
      );
      expect(taken).toMatchObject({ code: 'HOST_MANAGED_ELSEWHERE', phase: 'register' });
      expect(taken.hint).toMatch(/F9/);

      // And after the join: the spent token does not get anyone in, and the reason is given.
      const later = await expectQuantixError(b.discover({ address, token }));
      expect(later).toMatchObject({ code: 'HOST_MANAGED_ELSEWHERE', phase: 'verify' });
      const own = await expectQuantixError(a.discover({ address, token }));
      expect(own).toMatchObject({ code: 'HOST_ALREADY_REGISTERED', phase: 'verify' });
      expect(own.message).toContain(`(node ${node.id})`);
      expect(await b.listNodes()).toEqual([]);

      // The host still belongs to the first vDC.
      expect((await local(main).status()).membership?.vdc.id).toBe(vdc.vdcId);
      const audit = await b.audit({ limit: 10 });
      expect(audit.filter((e) => e.outcome === 'error').map((e) => e.code)).toEqual(
        expect.arrayContaining(['HOST_MANAGED_ELSEWHERE']),
      );
    });

    it('TOKEN_ALREADY_USED once the host left the cluster and the spent token is typed again', async () => {
      const c = vdc.client();
      expect((await local(main).status()).token.state).toBe('used');
      const [node] = await c.listNodes();
      expect((await c.removeNode(node!.id)).hostNotified).toBe(true);
      const spent = await expectQuantixError(c.discover({ address: `${main.host}:${main.port}`, token: joinToken }));
      expect(spent).toMatchObject({ code: 'TOKEN_ALREADY_USED', phase: 'verify' });
      expect(spent.hint).toMatch(/F9|F4/);
    });
  });

  describe('register against the vDC state', () => {
    it('CLUSTER_NOT_FOUND for a cluster that does not exist', async () => {
      const token = (await local(main).generateToken()).token;
      const d = await vdc.client().discover({ address: `${main.host}:${main.port}`, token });
      const e = await expectQuantixError(
        vdc.client().register({ discoveryId: d.discoveryId, clusterId: 'no-such-cluster' }),
      );
      expect(e).toMatchObject({ code: 'CLUSTER_NOT_FOUND', phase: 'register' });
      expect(e.hint).toMatch(/create one/);
    });

    it('DISCOVERY_NOT_FOUND for an unknown or expired discovery', async () => {
      const e = await expectQuantixError(
        vdc.client().register({ discoveryId: '00000000-0000-4000-8000-000000000000', clusterId }),
      );
      expect(e).toMatchObject({ code: 'DISCOVERY_NOT_FOUND', phase: 'register' });
    });

    it('CLUSTER_EXISTS for a duplicate name and HOST_NOT_FOUND for an unknown host', async () => {
      await expect(vdc.client().createCluster({ name: 'errors' })).rejects.toMatchObject({ code: 'CLUSTER_EXISTS' });
      await expect(vdc.client().removeNode('nope')).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' });
    });
  });
});
