/**
 * API tokens cannot be guessed, and what the vDC keeps of them is useless
 * to a thief. Against the compiled vDC over loopback HTTPS: a bounded run
 * of wrong tokens from one source is answered 401 only up to the limit,
 * then API_TOKEN_RATE_LIMITED (429, Retry-After) while another source is
 * served; the refusals add a line or two to the log, not one per request;
 * the real SQLite files (database, WAL, shared memory), or the PostgreSQL
 * rows, hold no part of a token's secret; and a database of the previous
 * SQLite schema, whose tokens
 * kept six characters of their secret in clear, is migrated so that the
 * characters are gone and the token still works.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../common/http/request.js';
import { migrate, openDatabase } from '../../vdc-console/server/sqlite-store.js';
import { tempDir } from '../e2e/vdc-console-support.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';

const postgres = usePostgres();

/** GET /api/clusters over HTTPS from a chosen loopback source with a bearer token. */
async function call(
  v: VdcProcess,
  from: string,
  token: string,
): Promise<{ status: number; code: string | null; retryAfter: number | null }> {
  const res = await request(
    { kind: 'tls', host: '127.0.0.80', port: v.port, pinnedFingerprint: v.serverFingerprint, localAddress: from },
    { method: 'GET', path: '/api/clusters', headers: { authorization: `Bearer ${token}` } },
  );
  const body = JSON.parse(res.body.toString('utf8')) as { code?: string };
  const ra = res.headers['retry-after'];
  return { status: res.status, code: body.code ?? null, retryAfter: typeof ra === 'string' ? Number(ra) : null };
}

/** Every file of the SQLite database as it is on disk. */
function databaseBytes(stateDir: string): Buffer {
  const db = path.join(stateDir, 'vdc.db');
  return Buffer.concat([db, `${db}-wal`, `${db}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f)));
}

/** Every run of 8 characters of a secret: any one of them found in a file is secret material in clear. */
function windows(secret: string, size = 8): string[] {
  return Array.from({ length: secret.length - size + 1 }, (_, i) => secret.slice(i, i + size));
}

/** What the store keeps of API tokens: the SQLite files, or every row of the PostgreSQL table. */
async function storedBytes(v: VdcProcess): Promise<Buffer> {
  if (!v.database) return databaseBytes(v.stateDir);
  const rows = await (await postgres.server()).query(new URL(v.database).pathname.slice(1), 'SELECT * FROM api_tokens');
  return Buffer.from(JSON.stringify(rows));
}

async function createToken(
  v: VdcProcess,
  name: string,
): Promise<{ token: string; info: { id: string; publicId: string | null } }> {
  const r = await runVdcCli(['api-token', 'create', name, '--state-dir', v.stateDir, '--json'], v.cliEnv());
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { token: string; info: { id: string; publicId: string | null } };
}

// Both back ends: each guess that passes the limiter looks the token up in the store, a query on PostgreSQL.
describe.each(VDC_BACKENDS)('API tokens (%s)', (backend) => {
  let vdc: VdcProcess;

  beforeAll(async () => {
    const database = await postgres.database(backend);
    vdc = await startVdc({ name: 'vdc-guess', listen: '127.0.0.80:0', ...(database ? { database } : {}) });
  });
  afterAll(async () => {
    await vdc.cleanup();
  });

  it('have a public id and 256 secret bits, and the database holds nothing of the secret', async () => {
    const { token, info } = await createToken(vdc, 'guess-admin');
    const m = /^qxa_([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/.exec(token);
    expect(m, token).not.toBeNull();
    expect(info.publicId).toBe(m![1]);
    expect((await call(vdc, '127.0.0.83', token)).status).toBe(200);

    const bytes = await storedBytes(vdc);
    const secret = m![2]!;
    expect(bytes.includes(createHash('sha256').update(token).digest('hex'))).toBe(true);
    for (const w of windows(secret)) expect(bytes.includes(w), `"${w}" of the secret is in the database`).toBe(false);
    const list = await runVdcCli(['api-token', 'list', '--state-dir', vdc.stateDir], vdc.cliEnv());
    expect(list.stdout).toContain(m![1]);
    for (const w of windows(secret)) expect(list.stdout).not.toContain(w);
  });

  it('guessing from one source is cut off after 10 failures with 429 and Retry-After; another source is served; the log grows by a line', async () => {
    const { token } = await createToken(vdc, 'guess-victim');
    const publicId = /^qxa_([0-9a-f]{12})\./.exec(token)![1]!;
    const logBefore = vdc.logs().length;
    const statuses = new Map<number, number>();
    const retryAfters = new Set<number | null>();
    // 300 guesses aimed at the real token's public id, 10 at a time.
    for (let round = 0; round < 30; round++) {
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          call(vdc, '127.0.0.81', `qxa_${publicId}.${randomBytes(32).toString('base64url')}`),
        ),
      );
      for (const a of answers) {
        statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
        if (a.status === 429) {
          expect(a.code).toBe('API_TOKEN_RATE_LIMITED');
          retryAfters.add(a.retryAfter);
        } else expect(a).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      }
    }
    expect(statuses.get(200)).toBeUndefined();
    expect(statuses.get(401)).toBe(10);
    expect(statuses.get(429)).toBe(290);
    for (const r of retryAfters) {
      expect(r).toBeGreaterThanOrEqual(1);
      expect(r).toBeLessThanOrEqual(60);
    }
    // While the window lasts the guessing source is refused even with the right token; other sources are not.
    expect((await call(vdc, '127.0.0.81', token)).status).toBe(429);
    expect((await call(vdc, '127.0.0.82', token)).status).toBe(200);

    const refusals = vdc
      .logs()
      .slice(logBefore)
      .filter((l) => l.includes('refused'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('127.0.0.81');
    expect(refusals.join('\n').length).toBeLessThan(1024);
  });
});

// SQLite only: the previous schema that kept characters in clear never existed on PostgreSQL.
describe('API tokens of the previous schema', () => {
  it('lose the characters kept in clear on migration and keep working', async () => {
    const dir = tempDir('qx-legacy-');
    const stateDir = path.join(dir, 'state');
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const legacy = `qxa_${randomBytes(32).toString('base64url')}`;
    const db = openDatabase(path.join(stateDir, 'vdc.db'));
    migrate(db, 2);
    // The secure_delete of today's code is not what the old version ran with.
    db.pragma('secure_delete = OFF');
    db.prepare('INSERT INTO api_tokens (id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
      '11111111-1111-4111-8111-111111111111',
      'old-console',
      legacy.slice(0, 10),
      createHash('sha256').update(legacy).digest('hex'),
      '2026-01-01T00:00:00.000Z',
    );
    db.close();
    expect(databaseBytes(stateDir).includes(legacy.slice(4, 10))).toBe(true);

    const old = await startVdc({ stateDir, listen: '127.0.0.80:0', name: 'vdc-legacy' });
    try {
      expect((await call(old, '127.0.0.84', legacy)).status).toBe(200);
      const bytes = databaseBytes(stateDir);
      for (const w of windows(legacy.slice(4), 6))
        expect(bytes.includes(w), `"${w}" of the old secret is in the database`).toBe(false);
      const list = JSON.parse((await runVdcCli(['api-token', 'list', '--state-dir', stateDir, '--json'])).stdout) as {
        tokens: Array<{ name: string; publicId: string | null }>;
      };
      expect(list.tokens).toEqual([expect.objectContaining({ name: 'old-console', publicId: null })]);
    } finally {
      await old.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
