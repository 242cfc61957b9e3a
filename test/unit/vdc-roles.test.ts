/**
 * The role check walks the vDC's real route table: every route whose
 * method is not a read refuses a viewer token with 403 ROLE_FORBIDDEN
 * before its handler runs (a route added later is covered by its method),
 * an admin token reaches the handler, and the refusals are audited within a
 * bound: one record per token and minute, then one summary with the count.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../common/log/logger.js';
import { isReadMethod } from '../../common/protocol/vdc-api.js';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { generateApiToken } from '../../vdc-console/server/api-tokens.js';
import { type ApiServerOptions, buildApiServer, routes } from '../../vdc-console/server/http.js';
import type { InventoryRefresher } from '../../vdc-console/server/inventory-refresh.js';
import type { RequestContext, VdcService } from '../../vdc-console/server/service.js';
import type { ApiTokenRecord, AuditInput, Store } from '../../vdc-console/server/store.js';

const viewer = generateApiToken();
const admin = generateApiToken();
const record = (name: string, g: typeof viewer, role: ApiTokenRecord['role']): ApiTokenRecord => ({
  id: `id-${name}`,
  name,
  publicId: g.publicId,
  role,
  tokenHash: g.hash,
  createdAt: 't',
  lastUsedAt: null,
  revokedAt: null,
});
const TOKENS = new Map([
  [viewer.hash, record('watcher', viewer, 'viewer')],
  [admin.hash, record('operator', admin, 'admin')],
]);

const clock = { t: 1_000_000 };
const audits: Array<Omit<AuditInput, 'at'>> = [];
const handled: string[] = [];
const store = {
  findActiveApiToken: (hash: string) => Promise.resolve(TOKENS.get(hash) ?? null),
  touchApiToken: () => Promise.resolve(),
} as unknown as Store;
const service = {
  audit: (e: Omit<AuditInput, 'at'>) => {
    audits.push(e);
    return Promise.resolve();
  },
  createCluster: (_body: unknown, ctx: RequestContext) => {
    handled.push(`createCluster by ${ctx.actor ?? ''}`);
    return Promise.resolve({ id: 'c1', name: 'Lab', description: '', createdAt: 't', hosts: 0, connectedHosts: 0 });
  },
} as unknown as VdcService;

let app: FastifyInstance;
let options: ApiServerOptions;

beforeAll(async () => {
  const cert = await createSelfSignedCertificate('vdc-roles-test');
  const log = createLogger({ name: 't', level: 'info', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
  // A refresh reaches a host: recorded like the service's handlers, so a viewer's refusal is seen to run none.
  const inventory = {
    refresh: () => {
      handled.push('refresh');
      return Promise.reject(new Error('not in this test'));
    },
  } as unknown as InventoryRefresher;
  options = {
    service,
    store,
    log,
    inventory,
    remote: { keyPem: cert.keyPem, certPem: cert.certPem },
    now: () => clock.t,
  };
  app = buildApiServer(options);
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

const send = (token: string, method: string, url: string, payload = '{}') =>
  app.inject({
    method: method as 'POST',
    url: url.replace(':id', 'some-id'),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload,
  });

describe('API token roles over the route table', () => {
  it('refuses a viewer every non-read route of the table, before its handler', async () => {
    const changes = routes(options).flatMap((r) =>
      [r.method]
        .flat()
        .filter((m) => !isReadMethod(m))
        .map((method) => ({ method, url: r.url })),
    );
    // The table has its change routes (clusters, discovery, registration, removal, tokens at least).
    expect(changes.length).toBeGreaterThanOrEqual(7);
    expect(changes).toContainEqual({ method: 'POST', url: '/api/nodes/discover' });
    for (const c of changes) {
      const r = await send(viewer.token, c.method, c.url);
      expect({ ...c, status: r.statusCode, code: r.json<{ code: string }>().code }).toEqual({
        ...c,
        status: 403,
        code: 'ROLE_FORBIDDEN',
      });
    }
    expect(handled).toEqual([]);
  });

  it('lets an admin token reach the handler', async () => {
    const r = await send(admin.token, 'POST', '/api/clusters', '{"name":"Lab"}');
    expect(r.statusCode).toBe(201);
    expect(handled).toEqual(['createCluster by operator']);
  });

  it('audits the first refusal of a minute, then one summary with the count', async () => {
    // One refusal in a later minute ends the windows of the tests above (their summaries are not this test's).
    clock.t += 120_000;
    await send(viewer.token, 'DELETE', '/api/nodes/:id');
    clock.t += 120_000;
    audits.length = 0;
    for (let i = 0; i < 25; i++) await send(viewer.token, 'DELETE', '/api/nodes/:id');
    expect(audits).toEqual([
      {
        action: 'auth.forbidden',
        outcome: 'error',
        source: expect.stringMatching(/^https /),
        actor: 'watcher',
        code: 'ROLE_FORBIDDEN',
        detail: 'DELETE /api/nodes/:id',
      },
    ]);
    clock.t += 60_001;
    await send(viewer.token, 'POST', '/api/clusters');
    expect(audits.map((a) => a.detail)).toEqual([
      'DELETE /api/nodes/:id',
      '24 more requests refused within 60 s',
      'POST /api/clusters',
    ]);
  });
});
