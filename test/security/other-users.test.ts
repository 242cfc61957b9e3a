/**
 * Another user of the machine, without access to a service's socket or
 * state, is told "permission denied" with its own code and what to do, not
 * that the service is down: the agent's CLI and the direct console before
 * the agent's socket, the vDC console before the vDC's socket, and
 * `quantix-vdc api-token` before the vDC's database. As root the real
 * programs run as the user nobody; as any other user the directory holding
 * the socket or state is made unreadable to that same user. Either way the
 * refusal is the kernel's own EACCES.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_MAIN, REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';
import { runNodeProgram } from '../helpers/run.js';
import { startVdc, VDC_MAIN, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const ROOT = process.getuid?.() === 0;
/** Who runs the programs: nobody when the tests run as root (root passes every permission check). */
const AS = ROOT ? { uid: 65534, gid: 65534 } : {};
const VDC_CONSOLE = path.join(REPO_ROOT, 'dist/vdc-console/console/main.js');

let home: string;
let agent: AgentProcess;
let vdc: VdcProcess;
const locked: string[] = [];

/** The environment of the other user: its own empty home, no settings of ours. */
function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, LANG: 'C.UTF-8' };
  return e;
}

/** Takes the directory away from the test's own user (non-root runs only). */
function lock(dir: string): void {
  if (ROOT) return;
  fs.chmodSync(dir, 0o000);
  locked.push(dir);
}

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-other-user-'));
  fs.chmodSync(home, 0o777);
  [agent, vdc] = await Promise.all([startAgent(), startVdc({ name: 'vdc-perm', listen: 'none' })]);
  // Inner directories first: a locked parent would hide them from chmod.
  lock(vdc.stateDir);
  lock(path.dirname(agent.socketPath));
  lock(path.dirname(vdc.socketPath));
});

afterAll(async () => {
  for (const d of locked.reverse()) fs.chmodSync(d, 0o700);
  await stopAll(agent, vdc);
  fs.rmSync(home, { recursive: true, force: true });
});

describe(`another user (${ROOT ? 'nobody, run by root' : 'this user, with the directories locked'})`, () => {
  it('quantix-node: PERMISSION_DENIED and exit 3, not "start it"', async () => {
    const r = await runNodeProgram(AGENT_MAIN, ['status', '--socket', agent.socketPath], {
      env: env(),
      detached: true,
      ...AS,
    });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toBe(
      `quantix-node: PERMISSION_DENIED: Permission denied opening the host agent's socket ${agent.socketPath}. Run it as the user quantix-node runs as (root on a host), e.g. with sudo.`,
    );
    expect(r.stderr).not.toMatch(/not reachable|quantix-node serve/);
    // The agent itself is untouched and still answers its own user.
    expect(
      (await runNodeProgram(AGENT_MAIN, ['status', '--socket', agent.socketPath, '--json'], { detached: true })).code,
    ).toBe(ROOT ? 0 : 3);
  });

  it('quantix-host-console: says permission denied on the socket, with what to do', async () => {
    let p: PtyProgram | null = null;
    try {
      p = spawnInPty({
        script: 'dist/host-console/console/main.js',
        args: ['--socket', agent.socketPath, '--exitable', '--log-file', '/dev/null'],
        env: { ...env(), QUANTIX_NODE_SOCKET: undefined },
        ...AS,
      });
      await p.waitForText("permission denied on quantix-node's socket");
      await p.waitForText('quantix-node: permission denied, retrying (PERMISSION_DENIED)');
      const screen = p.screen();
      expect(screen).toContain('PERMISSION_DENIED: Permission denied opening the host agent');
      expect(screen).toContain('Run it as the user');
      expect(screen).toContain('unknown (no permission to ask the agent)');
      expect(screen).not.toContain('not answering');
    } finally {
      await p?.dispose();
    }
  });

  it('quantix-vdc-console on the local socket: PERMISSION_DENIED and exit 3', async () => {
    const r = await runNodeProgram(VDC_CONSOLE, ['--socket', vdc.socketPath, 'clusters', 'list'], {
      env: env(),
      detached: true,
      ...AS,
    });
    expect(r.code).toBe(3);
    expect(r.stderr.trim()).toMatch(
      /^quantix-vdc-console: PERMISSION_DENIED: Permission denied opening the vDC socket \S+\. Run it as the user quantix-vdc runs as/,
    );
    expect(r.stderr).not.toMatch(/VDC_UNREACHABLE|could not be reached/);
  });

  it('quantix-vdc api-token: PERMISSION_DENIED, not "unable to open database file"', async () => {
    for (const args of [
      ['api-token', 'create', 'intruder'],
      ['api-token', 'list'],
    ]) {
      const r = await runNodeProgram(VDC_MAIN, [...args, '--state-dir', vdc.stateDir], {
        env: env(),
        detached: true,
        ...AS,
      });
      expect({ args, code: r.code }).toEqual({ args, code: 1 });
      expect(r.stderr.trim()).toBe(
        `quantix-vdc: PERMISSION_DENIED: Permission denied opening the vDC's state in ${vdc.stateDir}. Run it as the user quantix-vdc runs as (root on the appliance), e.g. with sudo.`,
      );
      expect(r.stderr).not.toMatch(/unable to open database/);
    }
  });
});
