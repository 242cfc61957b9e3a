/**
 * `quantix-node audit` against a real agent's state directory: the records
 * the agent wrote itself (token generate and revoke) after the rotated
 * file's, filtered by time, action and outcome, as text and as JSON; lines
 * that are not records skipped and counted; bad flags refused with
 * USAGE_ERROR and exit 2; a missing log coded; and a 24 MiB rotated file
 * holding one endless line read within a fixed memory budget.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { AGENT_MAIN, type AgentProcess, runAgentCli, startAgent } from '../helpers/agent.js';

let a: AgentProcess;
const audit = (...args: string[]) => runAgentCli(['audit', '--state-dir', a.stateDir, ...args]);

const OLD = [
  {
    at: '2020-01-01T00:00:00.000Z',
    action: 'proof.failed',
    outcome: 'error',
    source: '192.0.2.7',
    code: 'TOKEN_INVALID',
    path: '/api/v1/registration/join',
  },
  {
    at: '2020-01-02T00:00:00.000Z',
    action: 'join',
    outcome: 'ok',
    source: '192.0.2.8',
    vdcId: 'v1',
    nodeId: 'n1',
    clusterId: 'c1',
  },
];

beforeAll(async () => {
  a = await startAgent();
  const local = new LocalAgentClient({ socketPath: a.socketPath });
  await local.generateToken({ ttlSeconds: 900 });
  await local.revokeToken();
  // The rotated file, as the agent leaves it at 16 MiB, with lines that are not records.
  writeFileSync(
    path.join(a.stateDir, 'audit.log.1'),
    [JSON.stringify(OLD[0]), 'not json', '{"at":1}', '\u001b[2J', JSON.stringify(OLD[1])].join('\n') + '\n',
    { mode: 0o600 },
  );
});

afterAll(async () => {
  await a.cleanup();
});

describe('quantix-node audit', () => {
  it("prints the rotated records first, then the agent's own, and counts lines that are not records", async () => {
    const r = await audit();
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(['proof.failed', 'join', 'token.generate', 'token.revoke']);
    expect(lines[0]).toMatch(/^2020-01-01T00:00:00.000Z\s+proof.failed\s+refused\s+192.0.2.7\s+code=TOKEN_INVALID/);
    expect(lines[2]).toMatch(/token.generate\s+ok\s+local\s+expires \S+, lifetime 900 s/);
    expect(r.stderr).toContain('3 lines were not audit records and were skipped.');
    expect(r.stdout).not.toContain('\u001b');
  });

  it('filters by time, action and outcome, and gives JSON', async () => {
    const recent = await audit('--since', '1h', '--json');
    expect(recent.code).toBe(0);
    expect((JSON.parse(recent.stdout) as Array<{ action: string }>).map((x) => x.action)).toEqual([
      'token.generate',
      'token.revoke',
    ]);
    const iso = JSON.parse((await audit('--since', '2020-01-02T00:00:00Z', '--json')).stdout) as unknown[];
    expect(iso).toHaveLength(3);
    const refused = JSON.parse((await audit('--outcome', 'refused', '--json')).stdout) as Array<{
      action: string;
      code: string;
    }>;
    expect(refused).toEqual([expect.objectContaining({ action: 'proof.failed', code: 'TOKEN_INVALID' })]);
    const joins = JSON.parse((await audit('--action', 'join', '--outcome', 'ok', '--json')).stdout) as Array<{
      nodeId: string;
    }>;
    expect(joins.map((j) => j.nodeId)).toEqual(['n1']);
    const none = await audit('--action', 'leave', '--json');
    expect(JSON.parse(none.stdout)).toEqual([]);
  });

  it('refuses bad flags with USAGE_ERROR and exit 2, and a missing log with NOT_FOUND and exit 1', async () => {
    for (const args of [['--since', 'yesterday'], ['--action', 'token.steal'], ['--outcome', 'maybe'], ['--bogus']]) {
      const r = await audit(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^quantix-node: USAGE_ERROR: /);
    }
    const empty = mkdtempSync(path.join(os.tmpdir(), 'qx-audit-none-'));
    try {
      const r = await runAgentCli(['audit', '--state-dir', empty]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^quantix-node: NOT_FOUND: There is no audit log in .*--state-dir/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('reads a 24 MiB rotated file holding one endless line within a fixed memory budget', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-audit-big-'));
    try {
      const fd = openSync(path.join(dir, 'audit.log.1'), 'w', 0o600);
      const block = Buffer.alloc(1024 * 1024, 0x61);
      for (let i = 0; i < 24; i++) writeSync(fd, block);
      writeSync(fd, `\n${JSON.stringify(OLD[1])}\n`);
      closeSync(fd);
      writeFileSync(path.join(dir, 'audit.log'), `${JSON.stringify(OLD[0])}\n`, { mode: 0o600 });
      const small = await maxRssKiB(['audit', '--state-dir', a.stateDir]);
      const big = await maxRssKiB(['audit', '--state-dir', dir]);
      expect(
        big.stdout
          .trim()
          .split('\n')
          .map((l) => l.split(/\s+/)[1]),
      ).toEqual(['join', 'proof.failed']);
      expect(big.stderr).toContain('1 line was not audit records and was skipped.');
      // Holding the line (or the file) would cost at least 24 MiB more than reading a small log.
      expect(big.kib - small.kib).toBeLessThan(12 * 1024);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** Runs the CLI under /usr/bin/time and returns its peak resident size (KiB) with its output. */
function maxRssKiB(args: string[]): Promise<{ kib: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'maxrss=%M', process.execPath, AGENT_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => {
      const m = /maxrss=(\d+)/.exec(stderr);
      if (!m) reject(new Error(`no peak size in: ${stderr.slice(0, 200)}`));
      else resolve({ kib: Number(m[1]), stdout, stderr });
    });
  });
}
