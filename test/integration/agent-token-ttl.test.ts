/**
 * Per-token lifetimes against a real agent on a real Unix socket:
 * `token generate --ttl` sets the expiry that `token show` and `status`
 * report, lifetimes outside 5 min to 24 h are refused by the command line
 * (USAGE_ERROR, exit 2, the allowed range named) and by the agent itself
 * (BAD_REQUEST, HTTP 400), and without --ttl the agent's default applies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { request } from '../../common/http/request.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { type AgentProcess, runAgentCli, startAgent } from '../helpers/agent.js';
import { expectQuantixError } from '../helpers/expect-error.js';

let a: AgentProcess;
const cli = (...args: string[]) => runAgentCli([...args, '--socket', a.socketPath]);

beforeAll(async () => {
  a = await startAgent();
});

afterAll(async () => {
  await a.cleanup();
});

/** Seconds from now until the ISO time, as the test's clock sees it. */
function secondsAhead(iso: string): number {
  return (Date.parse(iso) - Date.now()) / 1000;
}

describe('token lifetime per token', () => {
  it('generate --ttl 15m makes a token expiring about 15 minutes ahead, shown by token show and status', async () => {
    const r = await cli('token', 'generate', '--ttl', '15m', '--json');
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout) as { expiresAt: string; createdAt: string; expiresInSeconds: number };
    expect(Date.parse(t.expiresAt) - Date.parse(t.createdAt)).toBe(15 * 60_000);
    expect(secondsAhead(t.expiresAt)).toBeGreaterThan(14 * 60);
    expect(secondsAhead(t.expiresAt)).toBeLessThanOrEqual(15 * 60);

    const show = await cli('token', 'show');
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Expires\s+in 1[45]m \d\ds \(/);
    expect(show.stdout).toContain(t.expiresAt);

    const status = await cli('status');
    expect(status.stdout).toMatch(/Token\s+active, expires in 1[45]m \d\ds \(/);
    expect(status.stdout).toContain(t.expiresAt);
  });

  it('accepts 5m, 90m, 1h and 24h', async () => {
    for (const [ttl, seconds] of [
      ['5m', 300],
      ['90m', 5400],
      ['1h', 3600],
      ['24h', 86_400],
    ] as const) {
      const r = await cli('token', 'generate', '--ttl', ttl, '--json');
      expect(r.code, ttl).toBe(0);
      const t = JSON.parse(r.stdout) as { expiresAt: string; createdAt: string };
      expect(Date.parse(t.expiresAt) - Date.parse(t.createdAt), ttl).toBe(seconds * 1000);
    }
  });

  it('without --ttl the token lives the default hour', async () => {
    const r = await cli('token', 'generate', '--json');
    const t = JSON.parse(r.stdout) as { expiresAt: string; createdAt: string };
    expect(Date.parse(t.expiresAt) - Date.parse(t.createdAt)).toBe(3600_000);
  });

  it('refuses lifetimes out of bounds or malformed with USAGE_ERROR, exit 2 and the range, sending nothing', async () => {
    const before = JSON.parse((await cli('token', 'show', '--json')).stdout) as { token: string };
    for (const bad of ['4m', '299', '25h', '86401', '15x', '-5m', '1.5h', '', 'm']) {
      // A value starting with '-' would read as an option, so it goes after '='.
      const r = await cli('token', 'generate', ...(bad.startsWith('-') ? [`--ttl=${bad}`] : ['--ttl', bad]));
      expect(r.code, bad).toBe(2);
      expect(r.stderr, bad).toMatch(
        /^quantix-node: USAGE_ERROR: --ttl: .* is not a token lifetime between 5 min and 24 h \(e\.g\. 15m, 90m, 1h, 24h\)/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    // The refused commands never reached the agent: the token is unchanged.
    const after = JSON.parse((await cli('token', 'show', '--json')).stdout) as { token: string };
    expect(after.token).toBe(before.token);
  });

  it('the agent itself refuses a lifetime out of bounds or of the wrong type with BAD_REQUEST (HTTP 400)', async () => {
    const local = new LocalAgentClient({ socketPath: a.socketPath });
    const before = (await local.getToken()).token;
    for (const bad of [299, 86_401, 900.5, -1, '15m', null]) {
      const err = await expectQuantixError(local.generateToken({ ttlSeconds: bad as number }));
      expect(err.code, String(bad)).toBe('BAD_REQUEST');
      expect(err.message).toContain('ttlSeconds must be a whole number of seconds from 300 (5 min) to 86400 (24 h)');
    }
    // On the wire: HTTP 400 with the coded body, and unknown fields refused too.
    for (const body of ['{"ttlSeconds":60}', '{"ttlSeconds":900,"extra":1}']) {
      const res = await request(
        { kind: 'socket', socketPath: a.socketPath },
        { method: 'POST', path: AGENT_PATHS.token, body, connectTimeoutMs: 2_000, responseTimeoutMs: 20_000 },
      );
      expect(res.status, body).toBe(400);
      expect((JSON.parse(res.body.toString('utf8')) as { code: string }).code, body).toBe('BAD_REQUEST');
    }
    expect((await local.getToken()).token).toBe(before);
    const ok = await local.generateToken({ ttlSeconds: 300 });
    expect(Date.parse(ok.expiresAt) - Date.parse(ok.createdAt)).toBe(300_000);
  });
});
