/**
 * Who may use the vDC API: the local socket (mode 0600) without
 * credentials, the HTTPS listener only with a live API token and a pinned
 * server certificate; `quantix-vdc api-token` shows a token once, stores
 * its hash, records its use, and revocation takes effect at once. Also the
 * command line's help and one-line errors, and the HTTP edge's handling of
 * bad input. On both store back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fetchVdcFingerprint, VdcClient } from '../../common/http/vdc-client.js';
import { request } from '../../common/http/request.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';
import { expectQuantixError } from '../helpers/expect-error.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';

const postgres = usePostgres();

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let vdc: VdcProcess;

  beforeAll(async () => {
    const database = await postgres.database(backend);
    vdc = await startVdc({ name: 'vdc-access', ...(database ? { database } : {}) });
  });

  afterAll(async () => {
    await stopAll(vdc);
  });

  const cli = (args: string[]) => runVdcCli([...args, '--state-dir', vdc.stateDir], vdc.cliEnv());

  /** Every stored API token row, read from the store itself, as one string. */
  async function storedApiTokens(): Promise<string> {
    if (vdc.database) {
      const rows = await (
        await postgres.server()
      ).query(new URL(vdc.database).pathname.slice(1), 'SELECT * FROM api_tokens');
      expect(rows.length).toBeGreaterThan(0);
      return JSON.stringify(rows);
    }
    const db = new Database(path.join(vdc.stateDir, 'vdc.db'), { readonly: true });
    try {
      const rows = db.prepare('SELECT * FROM api_tokens').all();
      expect(rows.length).toBeGreaterThan(0);
      return JSON.stringify(rows);
    } finally {
      db.close();
    }
  }

  function remote(apiToken: string, fingerprint = vdc.serverFingerprint): VdcClient {
    return new VdcClient({ kind: 'https', host: '127.0.0.1', port: vdc.port, apiToken, fingerprint });
  }

  describe('local socket', () => {
    it('is private to the vDC user and needs no credentials', async () => {
      expect(statSync(vdc.socketPath).mode & 0o777).toBe(0o600);
      expect((await vdc.client().health()).vdc.name).toBe('vdc-access');
    });
  });

  describe('HTTPS with API tokens', () => {
    let token: string;
    let tokenId: string;

    it('shows the server certificate fingerprint before any credential is sent', async () => {
      expect(await fetchVdcFingerprint('127.0.0.1', vdc.port)).toBe(vdc.serverFingerprint);
    });

    it('refuses a request without a token, and one with a malformed token', async () => {
      const none = await expectQuantixError(remote('').health());
      expect(none).toMatchObject({ code: 'UNAUTHORIZED', message: 'An API token is required.' });
      expect(none.hint).toMatch(/api-token create/);
      const bogus = await expectQuantixError(remote(`qxa_${'A'.repeat(43)}`).listClusters());
      expect(bogus).toMatchObject({
        code: 'UNAUTHORIZED',
        message: expect.stringMatching(/not valid or has been revoked/),
      });
    });

    it('creates a token shown once and stored only as its hash', async () => {
      const r = await cli(['api-token', 'create', 'ops-laptop', '--json']);
      expect(r.code).toBe(0);
      const created = JSON.parse(r.stdout) as { token: string; info: { id: string; name: string; publicId: string } };
      token = created.token;
      tokenId = created.info.id;
      expect(token).toMatch(/^qxa_[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/);
      expect(token.startsWith(`qxa_${created.info.publicId}.`)).toBe(true);

      const list = await cli(['api-token', 'list']);
      expect(list.stdout).toMatch(/ops-laptop/);
      expect(list.stdout).not.toContain(token);
      expect(await storedApiTokens()).not.toContain(token);
    });

    it('lets a remote console in with the token and the pinned certificate, and records the use', async () => {
      const client = remote(token);
      const cluster = await client.createCluster({ name: 'Remote' });
      expect((await client.listClusters()).map((c) => c.id)).toContain(cluster.id);
      const [info] = (await vdc.client().listApiTokens()).filter((t) => t.id === tokenId);
      expect(info?.lastUsedAt).not.toBeNull();
      const audit = await vdc.client().audit({ limit: 5 });
      expect(audit.find((e) => e.action === 'cluster.create' && e.clusterId === cluster.id)).toMatchObject({
        source: 'https 127.0.0.1',
        actor: 'ops-laptop',
      });
    });

    it('refuses a server whose certificate is not the pinned one, before sending the token', async () => {
      const e = await expectQuantixError(remote(token, '0'.repeat(64)).health());
      expect(e.code).toBe('VDC_IDENTITY_CHANGED');
    });

    it('keeps token management on the vDC itself', async () => {
      const e = await expectQuantixError(remote(token).createApiToken('sneaky'));
      expect(e.code).toBe('LOCAL_ONLY');
    });

    it('refuses a revoked token at once', async () => {
      const r = await cli(['api-token', 'revoke', 'ops-laptop']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/revoked/);
      const e = await expectQuantixError(remote(token).listClusters());
      expect(e).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/revoked/) });
      const audit = await vdc.client().audit({ limit: 10 });
      expect(audit.map((x) => `${x.action}:${x.source}`)).toEqual(
        expect.arrayContaining(['api-token.create:cli', 'api-token.revoke:cli']),
      );
    });

    it('manages tokens over the local socket too', async () => {
      const client = vdc.client();
      const created = await client.createApiToken('automation');
      expect((await remote(created.token).health()).status).toBe('ok');
      await client.revokeApiToken(created.info.id);
      expect((await expectQuantixError(remote(created.token).health())).code).toBe('UNAUTHORIZED');
      expect((await expectQuantixError(client.revokeApiToken('nobody'))).code).toBe('API_TOKEN_NOT_FOUND');
    });
  });

  describe('the HTTP edge', () => {
    const raw = (opts: {
      method: 'GET' | 'POST' | 'DELETE' | 'PUT';
      path: string;
      body?: string;
      headers?: Record<string, string>;
    }) =>
      request({ kind: 'socket', socketPath: vdc.socketPath }, opts).then((r) => ({
        status: r.status,
        body: JSON.parse(r.body.toString('utf8')) as Record<string, unknown>,
      }));

    // Each case: what is sent, and the status and code the vDC must answer with.
    const cases: Record<
      string,
      {
        method: 'GET' | 'POST' | 'DELETE' | 'PUT';
        path: string;
        body?: string;
        headers?: Record<string, string>;
        status: number;
        code: string;
      }
    > = {
      'body that is not JSON': {
        method: 'POST',
        path: '/api/clusters',
        body: '{name:',
        status: 400,
        code: 'BAD_REQUEST',
      },
      'text/plain body': {
        method: 'POST',
        path: '/api/clusters',
        body: 'name=x',
        headers: { 'content-type': 'text/plain' },
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      },
      'body over the limit': {
        method: 'POST',
        path: '/api/clusters',
        body: JSON.stringify({ name: 'x', description: 'y'.repeat(70_000) }),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      'JSON array instead of an object': {
        method: 'POST',
        path: '/api/clusters',
        body: '[]',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'unknown field': {
        method: 'POST',
        path: '/api/clusters',
        body: '{"name":"a","colour":"red"}',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'cluster name with a slash': {
        method: 'POST',
        path: '/api/clusters',
        body: '{"name":"a/b"}',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'cluster name of 64 characters': {
        method: 'POST',
        path: '/api/clusters',
        body: JSON.stringify({ name: 'a'.repeat(64) }),
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'description with an escape sequence': {
        method: 'POST',
        path: '/api/clusters',
        body: JSON.stringify({ name: 'ok', description: '\u001b[2J' }),
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'address of another scheme': {
        method: 'POST',
        path: '/api/nodes/discover',
        body: '{"address":"file:///etc/passwd","token":"x"}',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'token that is not text': {
        method: 'POST',
        path: '/api/nodes/discover',
        body: '{"address":"10.0.0.1","token":12}',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'audit limit out of range': {
        method: 'GET',
        path: '/api/audit?limit=100000',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'unknown node query parameter': {
        method: 'GET',
        path: '/api/nodes?cluster=x',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'force flag that is not a boolean': {
        method: 'DELETE',
        path: '/api/nodes/x?force=maybe',
        status: 400,
        code: 'VALIDATION_ERROR',
      },
      'unknown path': { method: 'GET', path: '/api/v1/registration/hello', status: 404, code: 'NOT_FOUND' },
      'wrong method': { method: 'PUT', path: '/api/nodes/discover', status: 405, code: 'METHOD_NOT_ALLOWED' },
      'unknown cluster filter': {
        method: 'GET',
        path: '/api/nodes?clusterId=nope',
        status: 404,
        code: 'CLUSTER_NOT_FOUND',
      },
    };
    for (const [name, c] of Object.entries(cases)) {
      it(`answers ${c.status} ${c.code} for a ${name}`, async () => {
        const r = await raw(c);
        expect(r.status).toBe(c.status);
        expect(r.body).toMatchObject({ code: c.code, message: expect.any(String), hint: expect.any(String) });
      });
    }

    it('answers a malformed request line with a JSON error, not a dropped connection', async () => {
      const body = await new Promise<string>((resolve, reject) => {
        const req = http.request({
          socketPath: vdc.socketPath,
          path: '/api/health',
          method: 'GET',
          headers: { 'x-bad': 'a'.repeat(20_000) },
        });
        req.on('response', (res) => {
          let b = '';
          res
            .setEncoding('utf8')
            .on('data', (d: string) => (b += d))
            .on('end', () => resolve(`${res.statusCode} ${b}`));
        });
        req.on('error', reject);
        req.end();
      });
      expect(body).toMatch(/^431|^413|^400/);
    });
  });

  describe('quantix-vdc command line', () => {
    it('prints help for every command', async () => {
      for (const args of [['--help'], ['serve', '--help'], ['api-token', '--help']]) {
        const r = await runVdcCli(args);
        expect(r.code).toBe(0);
        expect(r.stdout).toMatch(/Usage/);
      }
      const serveHelp = (await runVdcCli(['serve', '--help'])).stdout;
      for (const env of [
        'QUANTIX_VDC_STATE_DIR',
        'QUANTIX_VDC_SOCKET',
        'QUANTIX_VDC_LISTEN',
        'QUANTIX_VDC_POLL_INTERVAL',
        'QUANTIX_VDC_CONNECT_TIMEOUT',
        'QUANTIX_VDC_RESPONSE_TIMEOUT',
      ]) {
        expect(serveHelp).toContain(env);
      }
    });

    it('answers usage mistakes with one line and exit code 2', async () => {
      for (const args of [
        ['serve', '--bogus'],
        ['serve', '--listen', 'nowhere'],
        ['serve', '--poll-interval', 'soon'],
        ['api-token', 'create'],
        ['frobnicate'],
      ]) {
        const r = await runVdcCli(args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(/^quantix-vdc: /);
        expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
      }
    });

    it('refuses a second server on the same socket with a clear line', async () => {
      const r = await runVdcCli(
        ['serve', '--state-dir', vdc.stateDir, '--socket', vdc.socketPath, '--listen', 'none'],
        vdc.cliEnv(),
      );
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n').pop()).toMatch(/already serving/);
    });

    it('takes a setting from its environment variable when no flag gives it', async () => {
      const database = await postgres.database(backend);
      const other = await startVdc({
        listen: 'none',
        env: { QUANTIX_VDC_NAME: 'from-env' },
        ...(database ? { database } : {}),
      });
      try {
        expect((await other.client().health()).vdc.name).toBe('from-env');
      } finally {
        await other.cleanup();
      }
    });
  });
});
