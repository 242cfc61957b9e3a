/**
 * Secrets never travel on a command line, where every local user reads
 * them in /proc/PID/cmdline. The compiled `quantix-vdc-console` refuses
 * `--token` (and `--token=`, for `hosts add` and `login` alike) with a coded
 * error naming the safe forms, before anything is sent; each safe form
 * (stdin, a private file, the environment, the no-echo prompt) works; a
 * token file others can read is refused unread; and while every run is in
 * flight, no process on the machine has the secret in its command line.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { containsToken } from '../helpers/attack.js';
import { stopAll } from '../helpers/teardown.js';
import { spawnInPty } from '../helpers/pty.js';
import { type ProgramRun } from '../helpers/run.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';
import { agentAddress, CONSOLE, newToken, runConsoleCli, tempDir } from '../e2e/vdc-console-support.js';

let vdc: VdcProcess;
let agent: AgentProcess;
let home: string;

beforeAll(async () => {
  [vdc, agent] = await Promise.all([
    startVdc({ name: 'vdc-argv', listen: '127.0.0.97:0' }),
    startAgent({ host: '127.0.0.98' }),
  ]);
  home = tempDir('qx-argv-home-');
  await vdc.client().createCluster({ name: 'Lab' });
});
afterAll(async () => {
  await stopAll(agent, vdc);
  fs.rmSync(home, { recursive: true, force: true });
});

/** Every process's command line on the machine, NUL separators as spaces. */
function allCommandLines(): string[] {
  const lines: string[] = [];
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      lines.push(fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '));
    } catch {
      // the process ended while we looked
    }
  }
  return lines;
}

/** Watches every command line on the machine until `done` settles; returns those holding the secret. */
async function watchCommandLines<T>(
  done: Promise<T>,
  holds: (line: string) => boolean,
): Promise<{ result: T; leaks: string[]; scans: number }> {
  const finished = new AbortController();
  const leaks: string[] = [];
  let scans = 0;
  const watching = (async () => {
    while (!finished.signal.aborted) {
      for (const l of allCommandLines()) if (holds(l)) leaks.push(l);
      scans++;
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  try {
    return { result: await done, leaks, scans };
  } finally {
    finished.abort();
    await watching;
  }
}

/** The console CLI without a terminal, its environment clean of tokens and desktop sessions. */
function cli(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; socketPath?: string } = {},
): Promise<ProgramRun> {
  return runConsoleCli(args, { ...opts, home, socketPath: opts.socketPath ?? vdc.socketPath });
}

/** A Unix socket standing in for the vDC that counts the connections it gets. */
async function countingSocket(): Promise<{ path: string; connections: () => number; close: () => Promise<void> }> {
  const dir = tempDir('qx-argv-sock-');
  const p = path.join(dir, 'vdc.sock');
  let n = 0;
  const server = net.createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((resolve) => server.listen(p, resolve));
  return {
    path: p,
    connections: () => n,
    close: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          fs.rmSync(dir, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}

/** Removes the agent's host from the vDC so the next form can add it again. */
async function removeHost(): Promise<void> {
  const node = (await vdc.client().listNodes()).find((n) => n.port === agent.port);
  if (node) await vdc.client().removeNode(node.id);
}

describe('secrets on the command line', () => {
  it('--token is refused with its code and the safe forms, the value never repeated, and nothing sent', async () => {
    const sock = await countingSocket();
    try {
      const token = await newToken(agent);
      const apiToken = `qxa_${'A'.repeat(43)}`;
      const attempts: Array<{ args: string[]; secret: string; env: string }> = [
        {
          args: ['hosts', 'add', '--address', agentAddress(agent), '--token', token, '--cluster', 'Lab', '--yes'],
          secret: token,
          env: '$QUANTIX_TOKEN',
        },
        {
          args: [
            'hosts',
            'add',
            `--token=${token}`,
            '--address',
            agentAddress(agent),
            '--cluster',
            'Lab',
            '--yes',
            '--json',
          ],
          secret: token,
          env: '$QUANTIX_TOKEN',
        },
        {
          args: ['login', '--server', `127.0.0.97:${vdc.port}`, '--yes', '--token', apiToken],
          secret: apiToken,
          env: '$QUANTIX_API_TOKEN',
        },
      ];
      for (const a of attempts) {
        const r = await cli(a.args, { socketPath: sock.path });
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(
          /^quantix-vdc-console: SECRET_ON_COMMAND_LINE: --token is refused: .*--token-stdin.*--token-file FILE.*/,
        );
        expect(r.stderr).toContain(a.env);
        expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(1);
        expect(r.stderr + r.stdout).not.toContain(a.secret.slice(-8));
        if (a.args.includes('--json')) expect(JSON.parse(r.stdout).error.code).toBe('SECRET_ON_COMMAND_LINE');
      }
      // Not even a connection to the vDC was opened.
      expect(sock.connections()).toBe(0);
    } finally {
      await sock.close();
    }
  });

  it('hosts add takes the token from stdin, a private file, $QUANTIX_TOKEN or the prompt, and no command line ever holds it', async () => {
    const dir = tempDir('qx-argv-files-');
    try {
      const forms: Array<{ name: string; run: (token: string) => Promise<ProgramRun> }> = [
        {
          name: 'stdin',
          run: (t) =>
            cli(
              [
                'hosts',
                'add',
                '--address',
                agentAddress(agent),
                '--cluster',
                'Lab',
                '--yes',
                '--token-stdin',
                '--json',
              ],
              { input: `${t}\n` },
            ),
        },
        {
          name: 'file',
          run: (t) => {
            const f = path.join(dir, 'token');
            fs.writeFileSync(f, `${t}\n`, { mode: 0o600 });
            return cli([
              'hosts',
              'add',
              '--address',
              agentAddress(agent),
              '--cluster',
              'Lab',
              '--yes',
              '--token-file',
              f,
              '--json',
            ]);
          },
        },
        {
          name: 'environment',
          run: (t) =>
            cli(['hosts', 'add', '--address', agentAddress(agent), '--cluster', 'Lab', '--yes', '--json'], {
              env: { QUANTIX_TOKEN: t },
            }),
        },
      ];
      for (const form of forms) {
        const token = await newToken(agent);
        const { result, leaks, scans } = await watchCommandLines(form.run(token), (l) => containsToken(l, token));
        expect(result.code, `${form.name}: ${result.stderr}`).toBe(0);
        expect(JSON.parse(result.stdout).discovery.host.identityVerified, form.name).toBe(true);
        expect(leaks, form.name).toEqual([]);
        expect(scans, form.name).toBeGreaterThan(0);
        await removeHost();
      }

      // The prompt: typed without echo on a terminal, the console waiting while every command line is read.
      const token = await newToken(agent);
      const p = spawnInPty({
        script: CONSOLE,
        args: ['hosts', 'add', '--address', agentAddress(agent), '--cluster', 'Lab'],
        env: {
          HOME: home,
          QUANTIX_VDC_SOCKET: vdc.socketPath,
          QUANTIX_VDC_SERVER: undefined,
          QUANTIX_TOKEN: undefined,
        },
      });
      try {
        await p.waitForText('Registration token (host console, F4): ');
        p.write(`${token}\r`);
        const { leaks } = await watchCommandLines(
          p.waitForText(/Add \S+ \(127\.0\.0\.98:\d+\) to cluster Lab\? \[y\/N\]/, { timeoutMs: 20_000 }),
          (l) => containsToken(l, token),
        );
        expect(leaks).toEqual([]);
        expect(containsToken(p.screen(), token)).toBe(false);
        p.write('y\r');
        await p.waitForText('Added ');
        expect((await p.exit()).exitCode).toBe(0);
      } finally {
        await p.dispose();
      }
      await removeHost();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a token file others can read, or that is a link, is refused unread with the next step', async () => {
    const dir = tempDir('qx-argv-open-');
    try {
      const token = await newToken(agent);
      const open = path.join(dir, 'token');
      fs.writeFileSync(open, token);
      fs.chmodSync(open, 0o644);
      const r = await cli([
        'hosts',
        'add',
        '--address',
        agentAddress(agent),
        '--cluster',
        'Lab',
        '--yes',
        '--token-file',
        open,
        '--json',
      ]);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error).toMatchObject({
        code: 'SECRET_FILE_NOT_PRIVATE',
        hint: `Run \`chmod 600 ${open}\`, then try again.`,
      });
      expect(r.stderr).toContain('has mode 0644: other users can read it');
      expect(containsToken(r.stderr + r.stdout, token)).toBe(false);

      const link = path.join(dir, 'link');
      fs.chmodSync(open, 0o600);
      fs.symlinkSync(open, link);
      const viaLink = await cli([
        'hosts',
        'add',
        '--address',
        agentAddress(agent),
        '--cluster',
        'Lab',
        '--yes',
        '--token-file',
        link,
        '--json',
      ]);
      expect(viaLink.code).toBe(2);
      expect(JSON.parse(viaLink.stdout).error.code).toBe('SECRET_FILE_NOT_PRIVATE');
      expect((await vdc.client().listNodes()).some((n) => n.port === agent.port)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('login takes the API token from a private file or $QUANTIX_API_TOKEN, never from a command line', async () => {
    const created = await runVdcCli(['api-token', 'create', 'argv-admin', '--state-dir', vdc.stateDir, '--json']);
    const apiToken = (JSON.parse(created.stdout) as { token: string }).token;
    const server = `127.0.0.97:${vdc.port}`;
    const dir = tempDir('qx-argv-login-');
    try {
      const f = path.join(dir, 'api-token');
      fs.writeFileSync(f, `${apiToken}\n`, { mode: 0o600 });
      const holds = (l: string) => l.includes(apiToken.slice(4));
      const byFile = await watchCommandLines(
        cli(['login', '--server', server, '--yes', '--token-file', f, '--json']),
        holds,
      );
      expect(byFile.result.code, byFile.result.stderr).toBe(0);
      expect(byFile.leaks).toEqual([]);
      const byEnv = await watchCommandLines(
        cli(['login', '--server', server, '--json'], { env: { QUANTIX_API_TOKEN: apiToken } }),
        holds,
      );
      expect(byEnv.result.code, byEnv.result.stderr).toBe(0);
      expect(JSON.parse(byEnv.result.stdout).server).toBe(server);
      expect(byEnv.leaks).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
