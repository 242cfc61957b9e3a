/**
 * Every program words its errors the same way, `program: CODE: message
 * next step`, run as a user would run it: the agent's CLI, the direct
 * console, the vDC and the vDC console. A refusal with a wait says when to
 * retry; a bad listen address is a usage error that creates nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { REPO_ROOT, runAgentCli, startAgent, type AgentProcess } from '../helpers/agent.js';
import { runNodeProgram } from '../helpers/run.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const HOST_CONSOLE = path.join(REPO_ROOT, 'dist/host-console/console/main.js');
const VDC_CONSOLE = path.join(REPO_ROOT, 'dist/vdc-console/console/main.js');
/** `program: CODE: Message. Next step.` on the first line, and never a stack. */
const LINE = (program: string, code: string) => new RegExp(`^${program}: ${code}: \\S[^\\n]*\\. \\S[^\\n]*\\.$`, 'm');
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at |\.js:\d+/);

let dir: string;
let vdc: VdcProcess;
let agent: AgentProcess;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-error-format-'));
  [vdc, agent] = await Promise.all([startVdc({ name: 'vdc-errors' }), startAgent()]);
});

afterAll(async () => {
  await stopAll(vdc, agent);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('one error format', () => {
  it('quantix-node: an absent agent and a usage error', async () => {
    const absent = await runAgentCli(['status', '--socket', path.join(dir, 'absent.sock')]);
    expect(absent.code).toBe(3);
    expect(absent.stderr).toMatch(LINE('quantix-node', 'AGENT_UNREACHABLE'));
    const usage = await runAgentCli(['status', '--bogus']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(LINE('quantix-node', 'USAGE_ERROR'));
    noStack(absent.stderr + usage.stderr);
  });

  it("quantix-host-console --bogus: the program's own usage error, not the parser's text", async () => {
    const r = await runNodeProgram(HOST_CONSOLE, ['--bogus'], { detached: true });
    expect(r.code).toBe(2);
    const first = r.stderr.split('\n')[0]!;
    expect(first).toBe(
      'quantix-host-console: USAGE_ERROR: Unknown option --bogus. See the usage below, or run the command with --help.',
    );
    expect(r.stderr).toContain('Usage: quantix-host-console');
    expect(r.stderr).not.toMatch(/To specify a positional|Unknown option '/);
    const value = await runNodeProgram(HOST_CONSOLE, ['--socket'], { detached: true });
    expect(value.stderr.split('\n')[0]).toBe(
      'quantix-host-console: USAGE_ERROR: Option --socket needs a value. See the usage below, or run the command with --help.',
    );
  });

  it('quantix-vdc serve --listen 999.1.1.1:9443: a usage error, exit 2, nothing created', async () => {
    const stateDir = path.join(dir, 'vdc-state');
    const socket = path.join(dir, 'vdc-run', 'vdc.sock');
    for (const listen of ['999.1.1.1:9443', '[::zz]:9443', 'bad_name:9443', 'a..example:9443']) {
      const r = await runVdcCli(['serve', '--state-dir', stateDir, '--socket', socket, '--listen', listen]);
      expect({ listen, code: r.code }).toEqual({ listen, code: 2 });
      expect(r.stderr).toMatch(LINE('quantix-vdc', 'USAGE_ERROR'));
      expect(r.stderr).toContain(JSON.stringify(listen));
      expect(fs.existsSync(stateDir), 'state directory after a usage error').toBe(false);
      expect(fs.existsSync(path.dirname(socket)), 'socket directory after a usage error').toBe(false);
    }
    // A well-formed address this machine does not have fails before anything is created too.
    const foreign = await runVdcCli([
      'serve',
      '--state-dir',
      stateDir,
      '--socket',
      socket,
      '--listen',
      '192.0.2.1:9443',
    ]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toMatch(
      /^quantix-vdc: LISTEN_FAILED: Cannot listen on 192\.0\.2\.1:9443: no such local address\. Choose another --listen/m,
    );
    expect(fs.existsSync(stateDir)).toBe(false);
    noStack(foreign.stderr);
  }, 60_000);

  it('quantix-vdc-console: an unreachable vDC and a usage error', async () => {
    const env = { ...process.env, QUANTIX_VDC_SERVER: '', HOME: dir };
    const r = await runNodeProgram(VDC_CONSOLE, ['--socket', path.join(dir, 'no-vdc.sock'), 'clusters', 'list'], {
      env,
      detached: true,
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(LINE('quantix-vdc-console', 'VDC_UNREACHABLE'));
    const usage = await runNodeProgram(VDC_CONSOLE, ['clusters', 'list', '--bogus'], { env, detached: true });
    expect(usage.code).toBe(2);
    expect(usage.stderr.split('\n')[0]).toBe(
      'quantix-vdc-console: USAGE_ERROR: Unknown option --bogus. See the usage below, or run the command with --help.',
    );
  });

  it('a rate-limited command says when to retry', async () => {
    const address = `${agent.host}:${agent.port}`;
    const wrong = 'QUANTIX-0000-0000-0000';
    await vdc.client().createCluster({ name: 'Limits' });
    await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken();
    // Wrong proofs from the vDC's address until the agent refuses it for a while (5 a minute by default; bounded).
    let limited: QuantixError | null = null;
    for (let i = 0; i < 10 && !limited; i++) {
      const e = await vdc
        .client()
        .discover({ address, token: wrong })
        .then(
          () => null,
          (err: unknown) => err as QuantixError,
        );
      if (e?.code === 'RATE_LIMITED') limited = e;
    }
    expect(limited?.retryAfterSeconds).toBeGreaterThan(0);
    const env = { ...process.env, QUANTIX_VDC_SOCKET: vdc.socketPath, QUANTIX_VDC_SERVER: '', HOME: dir };
    const r = await runNodeProgram(
      VDC_CONSOLE,
      ['hosts', 'add', '--address', address, '--token-stdin', '--cluster', 'Limits', '--yes', '--json'],
      { env, detached: true, input: wrong },
    );
    expect(r.code).toBe(4);
    const body = JSON.parse(r.stdout).error as { code: string; retryAfterSeconds: number };
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.retryAfterSeconds).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/^quantix-vdc-console: RATE_LIMITED: .*\. Retry in \d+ s\.$/m);
    expect(Number(/Retry in (\d+) s/.exec(r.stderr)![1])).toBe(Math.ceil(body.retryAfterSeconds));
  }, 60_000);
});
