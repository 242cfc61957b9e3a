/**
 * The lists a console re-reads every two seconds (clusters, hosts) carry a
 * tag of their content: a console that already holds the current list gets
 * an empty 304 and keeps its copy, so a large fleet is parsed only when it
 * changed. Against a real vDC process over its Unix socket and HTTPS, on
 * both back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../common/http/request.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const postgres = usePostgres();

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let vdc: VdcProcess;

  beforeAll(async () => {
    const database = await postgres.database(backend);
    vdc = await startVdc({ name: 'vdc-lists', ...(database ? { database } : {}) });
  });

  afterAll(async () => {
    await stopAll(vdc);
  });

  describe('lists re-read by consoles', () => {
    it('answers 304 without a body when the console holds the current list, and the full list once it changed', async () => {
      const socket = { kind: 'socket' as const, socketPath: vdc.socketPath };
      await vdc.client().createCluster({ name: 'first' });
      const first = await request(socket, { method: 'GET', path: '/api/clusters' });
      expect(first.status).toBe(200);
      const etag = first.headers.etag!;
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);

      const same = await request(socket, { method: 'GET', path: '/api/clusters', headers: { 'if-none-match': etag } });
      expect(same.status).toBe(304);
      expect(same.body.length).toBe(0);

      await vdc.client().createCluster({ name: 'second' });
      const changed = await request(socket, {
        method: 'GET',
        path: '/api/clusters',
        headers: { 'if-none-match': etag },
      });
      expect(changed.status).toBe(200);
      expect(changed.headers.etag).not.toBe(etag);
      expect(
        (JSON.parse(changed.body.toString('utf8')) as { clusters: { name: string }[] }).clusters
          .map((c) => c.name)
          .sort(),
      ).toEqual(['first', 'second']);
    });

    it('gives a client the same list object back while nothing changed, on the socket and over HTTPS', async () => {
      const created = await runVdcCli(
        ['api-token', 'create', 'lists', '--json', '--state-dir', vdc.stateDir],
        vdc.cliEnv(),
      );
      expect(created.code).toBe(0);
      const { token } = JSON.parse(created.stdout) as { token: string };
      const clients = [
        vdc.client(),
        new VdcClient({
          kind: 'https',
          host: '127.0.0.1',
          port: vdc.port,
          apiToken: token,
          fingerprint: vdc.serverFingerprint,
        }),
      ];
      for (const client of clients) {
        const a = await client.listClusters();
        const b = await client.listClusters();
        expect(b).toBe(a);
        const nodes = await client.listNodes();
        expect(await client.listNodes()).toBe(nodes);
        // A filtered list is its own list, with its own tag.
        expect(await client.listNodes({ clusterId: 'first' })).toEqual([]);
      }
      await vdc.client().createCluster({ name: 'third' });
      for (const client of clients) {
        expect((await client.listClusters()).map((c) => c.name)).toContain('third');
      }
    });
  });
});
