/**
 * The demo as a newcomer runs it without a terminal (as `npm start` does in
 * a pipe): real services start, the guide names the address to type and the
 * two console commands, a second run reuses the running services, the
 * simulated fleet is registered and connected, `--stop` then a plain run
 * brings the same fleet back, `npm start` in an 80x24 terminal shows both
 * consoles whole in tmux with the hint to switch between them, and reset
 * stops every process and deletes the directory.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { REPO_ROOT } from '../helpers/agent.js';
import { spawnInPty } from '../helpers/pty.js';
import { type ProgramRun, runNodeProgram } from '../helpers/run.js';
import { waitFor } from '../helpers/vdc.js';

const DEMO = path.join(REPO_ROOT, 'dist/scripts/demo/main.js');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qx-demo-'));
const dir = path.join(tmp, 'demo');
// A tmux server of this test's own, so no other tmux on the machine is touched.
const TMUX_ENV = { TMUX_TMPDIR: tmp, TMUX: undefined };

function demo(args: string[], where = dir): Promise<ProgramRun> {
  return runNodeProgram(DEMO, ['--dir', where, ...args], { timeoutMs: 120_000, env: { ...process.env, ...TMUX_ENV } });
}

function pids(where = dir): Record<string, number> {
  const { services } = JSON.parse(readFileSync(path.join(where, 'services.json'), 'utf8')) as {
    services: { name: string; pid: number }[];
  };
  return Object.fromEntries(services.map((s) => [s.name, s.pid]));
}

/** Whether the process still runs (a reaped-late zombie has an empty command line and counts as stopped). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').length > 0;
  } catch {
    return false;
  }
}

const replicasDir = path.join(tmp, 'replicas');

afterAll(async () => {
  if (existsSync(dir)) await demo(['--reset']);
  if (existsSync(replicasDir)) await demo(['--reset'], replicasDir);
  spawnSync('tmux', ['kill-server'], { env: { ...process.env, ...TMUX_ENV }, stdio: 'ignore' });
  rmSync(tmp, { recursive: true, force: true });
});

describe('npm start without a terminal', () => {
  let firstPids: Record<string, number> = {};

  it('starts a vDC with a Default cluster and an agent on this machine, and prints what to type and the two console commands', async () => {
    const run = await demo(['--no-attach']);
    expect(run.stderr, 'the demo wrote an error').toBe('');
    expect(run.code).toBe(0);
    const vdc = new VdcClient({ kind: 'socket', socketPath: path.join(dir, 'vdc.sock') });
    expect((await vdc.listClusters()).map((c) => c.name)).toContain('Default');
    const status = await new LocalAgentClient({ socketPath: path.join(dir, 'node.sock') }).status();
    expect(status.membership).toBeNull();
    expect(run.stdout).toContain(`address 127.0.0.1:${status.port}`);
    expect(run.stdout).toMatch(/dist\/host-console\/console\/main\.js --socket \S+node\.sock --exitable/);
    expect(run.stdout).toMatch(/dist\/vdc-console\/console\/main\.js --socket \S+vdc\.sock/);
    expect(run.stdout).toContain('npm run demo:reset');
    firstPids = pids();
    expect(Object.keys(firstPids).sort()).toEqual(['agent', 'vdc']);
  });

  it('a second run keeps the running services and adds a fleet of simulated hosts, each on its own 127.0.0.x address and connected', async () => {
    const run = await demo(['--no-attach', '--hosts', '3']);
    expect(run.code, run.stderr).toBe(0);
    const now = pids();
    expect(now.vdc).toBe(firstPids.vdc);
    expect(now.agent).toBe(firstPids.agent);
    expect(now.fleet).toBeGreaterThan(0);
    const vdc = new VdcClient({ kind: 'socket', socketPath: path.join(dir, 'vdc.sock') });
    const nodes = await waitFor('three connected simulated hosts', async () => {
      const list = await vdc.listNodes({ clusterId: 'Simulated' });
      return list.length === 3 && list.every((n) => n.state === 'connected') ? list : null;
    });
    expect(new Set(nodes.map((n) => n.address)).size).toBe(3);
    for (const n of nodes) expect(n.address).toMatch(/^127\.0\.0\.\d+$/);
    expect(new Set(nodes.map((n) => n.hostId)).size).toBe(3);
  });

  it('after --stop, a plain run brings back the simulated hosts it had, connected', async () => {
    const before = pids();
    const stop = await demo(['--stop']);
    expect(stop.code, stop.stderr).toBe(0);
    for (const pid of Object.values(before)) expect(alive(pid), `process ${pid} still runs after --stop`).toBe(false);
    const run = await demo(['--no-attach']);
    expect(run.code, run.stderr).toBe(0);
    const now = pids();
    expect(Object.keys(now).sort()).toEqual(['agent', 'fleet', 'vdc']);
    expect(now.fleet).not.toBe(before.fleet);
    const vdc = new VdcClient({ kind: 'socket', socketPath: path.join(dir, 'vdc.sock') });
    await waitFor(
      'the three simulated hosts connected again',
      async () => {
        const list = await vdc.listNodes({ clusterId: 'Simulated' });
        return list.length === 3 && list.every((n) => n.state === 'connected');
      },
      30_000,
    );
  }, 120_000);

  it('in an 80x24 terminal both consoles get the whole 80x24 in tmux, with the hint to switch', async () => {
    const p = spawnInPty({ script: DEMO, args: ['--dir', dir], cols: 80, rows: 24, env: TMUX_ENV });
    try {
      await p.waitForText('Direct Console', { timeoutMs: 60_000 });
      await p.waitForText('Ctrl-b n switches between the host and vDC consoles, Ctrl-b d detaches');
      // The host console has all 24 rows: its footer on row 23, the hint over its bottom border on row 24.
      await p.waitFor(
        () => /^[│|] F1 Help/.test(p.screenText()[22] ?? '') && /Ctrl-b n switches/.test(p.screenText()[23] ?? ''),
        'the host console footer on row 23 and the hint on row 24',
      );
      expect(p.screenText()[0]).toMatch(/^[┌+] Quantix-OS/);
      expect(p.screen()).not.toContain('Enlarge the terminal');
      p.press({ raw: '\x02n' });
      await p.waitForText('Quantix vDC');
      await p.waitFor(
        () =>
          /^[│|] a Add host.*\? Help/.test(p.screenText()[22] ?? '') &&
          /^[┌+] Quantix vDC/.test(p.screenText()[0] ?? ''),
        'the vDC console from row 1 to its footer on row 23',
      );
      expect(p.screen()).not.toContain('Enlarge the terminal');
      p.press({ raw: '\x02d' });
      expect((await p.exit()).exitCode).toBe(0);
    } finally {
      await p.dispose();
    }
  }, 120_000);

  it('refuses a bad host count with a usage error and touches nothing', async () => {
    const before = pids();
    const run = await demo(['--hosts', 'many']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--hosts takes a number from 0 to 250');
    expect(pids()).toEqual(before);
  });

  it('reset stops every service and deletes the demo directory', async () => {
    const before = Object.values(pids());
    const run = await demo(['--reset']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Stopped .*vdc.*\. Deleted /);
    for (const pid of before) expect(alive(pid), `process ${pid} still runs after reset`).toBe(false);
    expect(existsSync(dir)).toBe(false);
  });
});

describe('npm start -- --replicas 2', () => {
  it('runs two vDC replicas on an embedded PostgreSQL; one stopped, the other carries on; reset removes everything', async () => {
    const run = await demo(['--no-attach', '--replicas', '2'], replicasDir);
    expect(run.code, run.stderr).toBe(0);
    const started = pids(replicasDir);
    expect(Object.keys(started).sort()).toEqual(['agent', 'postgres', 'vdc', 'vdc-2']);
    expect(run.stdout).toContain(`kill ${started['vdc-2']}`);
    const vdc = new VdcClient({ kind: 'socket', socketPath: path.join(replicasDir, 'vdc.sock') });
    const health = await waitFor('two live replicas', async () => {
      const h = await vdc.health();
      return h.replicas?.filter((r) => r.alive).length === 2 ? h : null;
    });
    expect(health.backend).toBe('postgresql');
    // The database URL and its password stay out of the command lines.
    const { password, dataDir } = JSON.parse(readFileSync(path.join(replicasDir, 'postgres.json'), 'utf8')) as {
      password: string;
      dataDir: string;
    };
    for (const pid of Object.values(started))
      expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(password);

    process.kill(started['vdc-2']!, 'SIGTERM');
    await waitFor('replica 2 gone from the live replicas', async () => {
      const h = await vdc.health();
      return h.replicas?.filter((r) => r.alive).length === 1 ? h : null;
    });
    expect((await vdc.listClusters()).map((c) => c.name)).toContain('Default');

    const reset = await demo(['--reset'], replicasDir);
    expect(reset.code, reset.stderr).toBe(0);
    for (const pid of Object.values(started)) expect(alive(pid), `process ${pid} still runs after reset`).toBe(false);
    expect(existsSync(replicasDir)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });
});
