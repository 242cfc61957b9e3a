/**
 * Roles of API tokens over real HTTPS with real tokens, on both store back
 * ends: a viewer token lists, watches and reads its session; every change
 * (every non-GET method on every path the vDC serves, discovery among them)
 * is refused with 403 ROLE_FORBIDDEN before it runs, and audited within a
 * bound; an admin token does everything; the socket keeps full access; the
 * command line creates and lists tokens with their role; a token stored
 * before roles existed is admin after the vDC upgrades its store.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { request } from '../../common/http/request.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { VDC_PATHS, VDC_ROUTES } from '../../common/protocol/vdc-api.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { expectQuantixError } from '../helpers/expect-error.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';
import { runVdcCli, startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import { generateApiToken } from '../../vdc-console/server/api-tokens.js';
import { PG_MIGRATIONS } from '../../vdc-console/server/pg-store.js';
import { migrate, MIGRATIONS, openDatabase } from '../../vdc-console/server/sqlite-store.js';

const postgres = usePostgres();

/** Every path the vDC serves: the fixed ones, and each `:id` route with an id that names nothing. */
const ALL_PATHS = [
  ...Object.values(VDC_PATHS).filter((p): p is Extract<typeof p, string> => typeof p === 'string'),
  ...Object.values(VDC_ROUTES).map((r) => r.replace(':id', 'no-such-object')),
];
const CHANGE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let vdc: VdcProcess;
  let agent: AgentProcess;
  let viewerToken: string;
  let adminToken: string;

  const cli = (args: string[]) => runVdcCli([...args, '--state-dir', vdc.stateDir], vdc.cliEnv());
  const remote = (apiToken: string) =>
    new VdcClient({ kind: 'https', host: '127.0.0.1', port: vdc.port, apiToken, fingerprint: vdc.serverFingerprint });
  /** One raw request over HTTPS with a token: status and parsed body. */
  const raw = async (apiToken: string, method: (typeof CHANGE_METHODS)[number] | 'GET', path: string) => {
    const r = await request(
      { kind: 'tls', host: '127.0.0.1', port: vdc.port, pinnedFingerprint: vdc.serverFingerprint },
      {
        method,
        path,
        headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { body: '{}' }),
      },
    );
    const text = r.body.toString('utf8');
    return { status: r.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  beforeAll(async () => {
    const database = await postgres.database(backend);
    [vdc, agent] = await Promise.all([
      startVdc({ name: 'vdc-roles', ...(database ? { database } : {}) }),
      startAgent({ host: '127.0.0.217' }),
    ]);
    const viewer = await cli(['api-token', 'create', 'watcher', '--role', 'viewer', '--json']);
    expect(viewer.code).toBe(0);
    viewerToken = (JSON.parse(viewer.stdout) as { token: string }).token;
    // Without --role a token is admin, as every token was before roles.
    const admin = await cli(['api-token', 'create', 'operator', '--json']);
    expect(JSON.parse(admin.stdout)).toMatchObject({ info: { name: 'operator', role: 'admin' } });
    adminToken = (JSON.parse(admin.stdout) as { token: string }).token;
  });

  afterAll(async () => {
    await stopAll(agent, vdc);
  });

  it('lists tokens with their role, in text and JSON, and refuses an unknown role', async () => {
    const list = await cli(['api-token', 'list', '--json']);
    const tokens = (JSON.parse(list.stdout) as { tokens: Array<{ name: string; role: string }> }).tokens;
    expect(tokens.map((t) => [t.name, t.role])).toEqual([
      ['watcher', 'viewer'],
      ['operator', 'admin'],
    ]);
    const text = await cli(['api-token', 'list']);
    expect(text.stdout).toMatch(/^NAME\s+ROLE\s+ID/);
    expect(text.stdout).toMatch(/^watcher\s+viewer\s/m);
    const bad = await cli(['api-token', 'create', 'x', '--role', 'root']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/USAGE_ERROR: .*--role must be admin or viewer/);
  });

  it('tells each caller its role: the socket has full access', async () => {
    expect(await remote(viewerToken).session()).toEqual({
      access: 'api-token',
      role: 'viewer',
      token: { name: 'watcher', publicId: viewerToken.slice(4, 16) },
    });
    expect((await remote(adminToken).session()).role).toBe('admin');
    expect(await vdc.client().session()).toEqual({ access: 'socket', role: 'admin', token: null });
  });

  it('lets a viewer list and watch (a list answered 304 when unchanged)', async () => {
    await vdc.client().createCluster({ name: 'Production', description: '' });
    const v = remote(viewerToken);
    expect((await v.listClusters()).map((c) => c.name)).toEqual(['Production']);
    expect(await v.listNodes()).toEqual([]);
    expect((await v.health()).vdc.name).toBe('vdc-roles');
    expect(await v.audit({ limit: 5 })).not.toHaveLength(0);
    // Watching: the second read of an unchanged list is a 304 the client turns back into the same list.
    const first = await v.listClusters();
    expect(await v.listClusters()).toBe(first);
  });

  it('refuses a viewer every non-GET method on every path with 403 ROLE_FORBIDDEN, naming role and next step', async () => {
    const refused: string[] = [];
    for (const path of ALL_PATHS)
      for (const method of CHANGE_METHODS) {
        const r = await raw(viewerToken, method, path);
        if (r.status !== 403 || r.body.code !== 'ROLE_FORBIDDEN') refused.push(`${method} ${path}: ${r.status}`);
        else {
          expect(r.body.message).toContain('"watcher" has the viewer role');
          expect(r.body.hint).toMatch(/admin token/);
        }
      }
    // Every one of them was refused for the role (none slipped through to a handler, a 404 or a 405).
    expect(refused).toEqual([]);
    expect(ALL_PATHS.length * CHANGE_METHODS.length).toBeGreaterThanOrEqual(40);
  });

  it('refuses a viewer the typed changes, discovery included, and changes nothing', async () => {
    const v = remote(viewerToken);
    const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
    const attempts = [
      () => v.createCluster({ name: 'Staging', description: '' }),
      () => v.deleteCluster('Production'),
      () => v.discover({ address: `${agent.host}:${agent.port}`, token }),
      () => v.register({ discoveryId: 'x', clusterId: 'y' }),
      () => v.removeNode('no-such-node'),
    ];
    for (const a of attempts) expect((await expectQuantixError(a())).code).toBe('ROLE_FORBIDDEN');
    expect((await vdc.client().listClusters()).map((c) => c.name)).toEqual(['Production']);
    // The host was never told to join: it has no vDC, and its token is still the active one.
    const local = new LocalAgentClient({ socketPath: agent.socketPath });
    expect((await local.status()).membership).toBeNull();
    expect((await local.getToken()).token).toBe(token);
  });

  it('audits refusals within a bound: one record for dozens of refusals in a minute', async () => {
    const audit = await waitFor('the refusal in the audit', async () => {
      const events = (await vdc.client().audit({ limit: 200 })).filter((e) => e.action === 'auth.forbidden');
      return events.length > 0 ? events : null;
    });
    // Dozens of refusals above, one record so far: the rest are counted for the summary at the minute's end.
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ outcome: 'error', code: 'ROLE_FORBIDDEN', actor: 'watcher' });
    expect(audit[0]!.source).toMatch(/^https 127\.0\.0\.1/);
    expect(audit[0]!.detail).toMatch(/^(POST|PUT|PATCH|DELETE) \/api\//);
    expect(vdc.logs().filter((l) => l.includes('the token role does not allow it'))).toHaveLength(1);
  });

  it('lets an admin token do everything: create, discover, register, remove, delete', async () => {
    const a = remote(adminToken);
    const cluster = await a.createCluster({ name: 'Staging', description: '' });
    const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
    const d = await a.discover({ address: `${agent.host}:${agent.port}`, token });
    const node = await a.register({ discoveryId: d.discoveryId, clusterId: cluster.id });
    expect(node.hostId).toBe(agent.hostId);
    expect((await remote(viewerToken).listNodes()).map((n) => n.id)).toEqual([node.id]);
    expect((await a.removeNode(node.id)).node.id).toBe(node.id);
    expect((await a.deleteCluster('Staging')).name).toBe('Staging');
    const actions = (await vdc.client().audit({ limit: 50 })).filter(
      (e) => e.actor === 'operator' && e.outcome === 'ok',
    );
    expect(actions.map((e) => e.action)).toEqual(
      expect.arrayContaining(['cluster.create', 'node.register', 'node.remove', 'cluster.delete']),
    );
  });
});

describe.each(VDC_BACKENDS)('%s: a token made before roles', (backend) => {
  const old = generateApiToken();
  const insert = `INSERT INTO api_tokens (id, name, public_id, token_hash, created_at) VALUES ('t-old', 'legacy', '${old.publicId}', '${old.hash}', '2026-01-01T00:00:00Z')`;
  let vdc: VdcProcess | undefined;
  const dir = mkdtempSync(join(os.tmpdir(), 'qx-roles-old-'));

  afterAll(async () => {
    await stopAll(vdc);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is admin once the vDC has upgraded its store, and may still change things', async () => {
    // A store as the version before roles wrote it (the schema version found by content: merges renumber them).
    let database: string | undefined;
    const stateDir = join(dir, 'state');
    if (backend === 'postgresql') {
      database = await postgres.database(backend);
      const pg = await postgres.server();
      const db = new URL(database!).pathname.slice(1);
      const before = PG_MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN role'));
      await pg.query(db, 'CREATE TABLE schema_version (version INTEGER NOT NULL)');
      for (const m of PG_MIGRATIONS.slice(0, before)) await pg.query(db, m);
      await pg.query(db, 'INSERT INTO schema_version (version) VALUES ($1)', [before]);
      await pg.query(db, insert);
    } else {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      const db = openDatabase(join(stateDir, 'vdc.db'));
      migrate(
        db,
        MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN role')),
      );
      db.prepare(insert).run();
      db.close();
    }
    vdc = await startVdc({ name: 'vdc-old', stateDir, ...(database ? { database } : {}) });
    const client = new VdcClient({
      kind: 'https',
      host: '127.0.0.1',
      port: vdc.port,
      apiToken: old.token,
      fingerprint: vdc.serverFingerprint,
    });
    expect(await client.session()).toEqual({
      access: 'api-token',
      role: 'admin',
      token: { name: 'legacy', publicId: old.publicId },
    });
    expect((await client.createCluster({ name: 'Kept', description: '' })).name).toBe('Kept');
    const list = await runVdcCli(['api-token', 'list', '--json', '--state-dir', stateDir], vdc.cliEnv());
    expect(JSON.parse(list.stdout)).toMatchObject({ tokens: [{ name: 'legacy', role: 'admin' }] });
  });
});
