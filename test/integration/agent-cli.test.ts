/**
 * The `quantix-node` command line against a real agent: every command with
 * readable and JSON output, help on every command, usage errors, refusals
 * and an absent agent, each with its documented exit code and one clear
 * line on stderr (never a stack trace); leave asks on a terminal (read in a
 * real pseudo-terminal) and otherwise needs --yes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, REPO_ROOT, runAgentCli, startAgent } from '../helpers/agent.js';
import { spawnInPty } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';

let a: AgentProcess;
const cli = (...args: string[]) => runAgentCli([...args, '--socket', a.socketPath]);
let local: LocalAgentClient;

beforeAll(async () => {
  a = await startAgent();
  local = new LocalAgentClient({ socketPath: a.socketPath });
});

afterAll(async () => {
  await stopAll(a);
});

/** Joins the host to cluster lab of a test vDC with a fresh token. */
async function joinLab(): Promise<void> {
  const token = JSON.parse((await cli('token', 'generate', '--json')).stdout).token as string;
  const vdc = await createSelfSignedCertificate('vdc-cli');
  await new HostAgentClient({ host: a.host, port: a.port, clientCertificate: vdc }).join(
    await deriveKey(canonicalizeToken(token)!),
    {
      nodeId: 'n-cli',
      vdc: { id: 'v1', name: 'Lab vDC', url: 'https://vdc.lab:9443', clientCertFingerprint: vdc.fingerprint },
      cluster: { id: 'c1', name: 'lab' },
    },
  );
}

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('quantix-node CLI', () => {
  it('status shows a standalone host and no token', async () => {
    const r = await cli('status');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`https://127.0.0.1:${a.port}`);
    expect(r.stdout).toMatch(/Cluster\s+standalone/);
    expect(r.stdout).toMatch(new RegExp(`Host ID\\s+${a.hostId}`));
    expect(r.stdout).toMatch(/Token\s+none/);
    const j = await cli('status', '--json');
    expect(JSON.parse(j.stdout)).toMatchObject({ hostId: a.hostId, membership: null, token: { state: 'none' } });
  });

  it('token show without a token is refused with exit 4 and one line', async () => {
    const r = await cli('token', 'show');
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^quantix-node: NO_ACTIVE_TOKEN: .*F4/);
    const j = await cli('token', 'show', '--json');
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout).error.code).toBe('NO_ACTIVE_TOKEN');
  });

  it('token generate, show and revoke', async () => {
    const g = await cli('token', 'generate');
    expect(g.code).toBe(0);
    const shown = /QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/.exec(g.stdout)?.[0];
    expect(shown).toBeDefined();
    expect(g.stdout).toMatch(/Expires\s+in 59m 5\ds|Expires\s+in 1h 00m/);
    expect(g.stdout).toContain(a.fingerprint.slice(0, 4) + ' ' + a.fingerprint.slice(4, 8));
    const s = await cli('token', 'show', '--json');
    expect(JSON.parse(s.stdout).token).toBe(shown);
    const st = await cli('status');
    expect(st.stdout).toMatch(/Token\s+active, expires in/);
    expect(st.stdout).not.toContain(shown!);
    const rv = await cli('token', 'revoke');
    expect(rv.code).toBe(0);
    expect(rv.stdout).toMatch(/revoked/);
    const again = await cli('token', 'revoke');
    expect(again.code).toBe(4);
    expect(again.stderr).toMatch(/NO_ACTIVE_TOKEN/);
    expect((await cli('status', '--json')).stdout).toContain('"state": "revoked"');
  });

  it('inventory in both forms', async () => {
    const r = await cli('inventory');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^System/);
    expect(r.stdout).toMatch(/Network interfaces \(\d+\)/);
    const j = await cli('inventory', '--json', '--refresh');
    expect(JSON.parse(j.stdout).system.hostId).toBe(a.hostId);
  });

  it('inventory shows an IPv6 iSCSI portal with its port in brackets', async () => {
    const fixture = await startAgent({ inventoryRoot: path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s') });
    try {
      const r = await runAgentCli(['inventory', '--socket', fixture.socketPath]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('at 10.30.0.10:3260');
      expect(r.stdout).toContain('at [fd00:30::20]:3261');
    } finally {
      await fixture.cleanup();
    }
  });

  it('leave: refused while standalone, asks first, and without a terminal or with --json needs --yes', async () => {
    const refused = await cli('leave');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/NOT_MANAGED/);
    await joinLab();
    const st = await cli('status');
    expect(st.stdout).toMatch(/Cluster\s+lab on vDC Lab vDC/);
    // The vDC's id for this host, named as the vDC console names it.
    expect(st.stdout).toMatch(/Node ID\s+n-cli/);
    const gen = await cli('token', 'generate');
    expect(gen.code).toBe(4);
    expect(gen.stderr).toMatch(/HOST_MANAGED/);

    // No terminal to ask on (as here, stdin is not a tty): refused with a stable code, nothing changed.
    const unasked = await cli('leave');
    expect(unasked.code).toBe(2);
    expect(unasked.stderr.trim().split('\n')).toHaveLength(1);
    expect(unasked.stderr).toMatch(/CONFIRMATION_REQUIRED: .* add --yes/);
    noStack(unasked.stderr);
    const unaskedJson = await cli('leave', '--json');
    expect(unaskedJson.code).toBe(2);
    expect(JSON.parse(unaskedJson.stdout).error.code).toBe('CONFIRMATION_REQUIRED');
    expect(JSON.parse((await cli('status', '--json')).stdout).membership.cluster.name).toBe('lab');

    const left = await cli('leave', '--yes');
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(/Left cluster lab on vDC Lab vDC/);
    await joinLab();
    const leftJson = await cli('leave', '-y', '--json');
    expect(leftJson.code).toBe(0);
    expect(JSON.parse(leftJson.stdout).cluster.name).toBe('lab');
    // A dozen CLI runs, each a node start: slow on a loaded machine.
  }, 120_000);

  it('leave on a terminal names the cluster and vDC and leaves only on yes', async () => {
    // Standalone first, whatever an earlier test left.
    if ((await local.status()).membership) await local.leave();
    await joinLab();
    const run = async (answer: string) => {
      const p = spawnInPty({
        script: 'dist/host-console/agent/main.js',
        args: ['leave', '--socket', a.socketPath],
        cols: 100,
        rows: 10,
      });
      try {
        await p.waitForText(
          /Leave cluster lab on vDC Lab vDC \(https:\/\/vdc\.lab:9443\)\? .*virtual machines keep running\. \[y\/N\]/s,
        );
        p.write(`${answer}\r`);
        const exit = await p.exit();
        return { code: exit.exitCode, screen: p.screen() };
      } finally {
        await p.dispose();
      }
    };
    const no = await run('n');
    expect(no.code).toBe(0);
    expect(no.screen).toContain('Nothing was changed: this host is still in cluster lab.');
    expect(JSON.parse((await cli('status', '--json')).stdout).membership).not.toBeNull();
    const yes = await run('y');
    expect(yes.code).toBe(0);
    expect(yes.screen).toContain('Left cluster lab on vDC Lab vDC.');
    expect(JSON.parse((await cli('status', '--json')).stdout).membership).toBeNull();
  }, 120_000);

  it('--help works on every command and exits 0', async () => {
    for (const args of [
      ['--help'],
      ['serve', '--help'],
      ['token', '--help'],
      ['status', '--help'],
      ['inventory', '--help'],
      ['leave', '--help'],
      ['token', 'show', '--help'],
    ]) {
      const r = await runAgentCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toMatch(/^Usage: quantix-node/);
    }
  });

  it('usage errors exit 2 with the usage text', async () => {
    for (const args of [
      ['frobnicate'],
      ['token'],
      ['token', 'eat'],
      ['status', '--bogus'],
      ['serve', '--listen', 'nowhere'],
      ['serve', '--token-ttl', '3d'],
      ['--json'],
    ]) {
      const r = await runAgentCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^quantix-node: USAGE_ERROR: \S.*\. /);
      expect(r.stderr).toContain('Usage: quantix-node');
      noStack(r.stderr);
    }
    const bogus = await runAgentCli(['status', '--bogus']);
    expect(bogus.stderr.split('\n')[0]).toBe(
      'quantix-node: USAGE_ERROR: Unknown option --bogus. See the usage below, or run the command with --help.',
    );
  });

  it('takes options before the command as after it', async () => {
    for (const args of [
      ['--socket', a.socketPath, 'status'],
      [`--socket=${a.socketPath}`, '--json', 'status'],
      ['--json', '--socket', a.socketPath, 'status'],
    ]) {
      const r = await runAgentCli(args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(r.stdout).toContain(a.hostId);
    }
    // A two-word command after the options: the agent's own answer, not a usage error.
    const show = await runAgentCli(['--socket', a.socketPath, 'token', 'show', '--json']);
    expect(JSON.parse(show.stdout).error.code).not.toBe('USAGE_ERROR');
    expect(show.stderr).toMatch(/^quantix-node: (NO_ACTIVE_TOKEN|TOKEN_[A-Z_]+): /);
  });

  it('an absent agent exits 3 with a hint to start it', async () => {
    const r = await runAgentCli(['status', '--socket', path.join(a.tmpDir, 'absent.sock')]);
    expect(r.code).toBe(3);
    // The vDC's HOST_UNREACHABLE means a host it cannot reach; a local agent that is not running has its own code.
    expect(r.stderr).toMatch(
      /^quantix-node: AGENT_UNREACHABLE: The host agent is not reachable on .*absent\.sock \(socket not found\)\. Start it with `quantix-node serve`/,
    );
    noStack(r.stderr);
  });

  it('serve exits 1 with one line when it cannot start', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-agent-cli-'));
    try {
      // The same socket as the running agent: refused, the running agent untouched.
      const r = await runAgentCli([
        'serve',
        '--state-dir',
        path.join(dir, 's'),
        '--socket',
        a.socketPath,
        '--listen',
        '127.0.0.1:0',
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(
        /^quantix-node: LISTEN_FAILED: Another agent is already listening on .*\. Stop it first/m,
      );
      noStack(r.stderr);
      const busy = await runAgentCli([
        'serve',
        '--state-dir',
        path.join(dir, 's'),
        '--socket',
        path.join(dir, 'n.sock'),
        '--listen',
        `127.0.0.1:${a.port}`,
      ]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/address is in use/);
      expect((await cli('status')).code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads its settings from the environment', async () => {
    const r = await runAgentCli(['status', '--json'], { QUANTIX_NODE_SOCKET: a.socketPath });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).hostId).toBe(a.hostId);
  });
});
