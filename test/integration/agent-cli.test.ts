/**
 * The `quantix-node` command line against a real agent: every command with
 * readable and JSON output, help on every command, usage errors, refusals
 * and an absent agent, each with its documented exit code and one clear
 * line on stderr (never a stack trace).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../common/http/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, runAgentCli, startAgent } from '../helpers/agent.js';

let a: AgentProcess;
const cli = (...args: string[]) => runAgentCli([...args, '--socket', a.socketPath]);

beforeAll(async () => {
  a = await startAgent();
});

afterAll(async () => {
  await a?.cleanup();
});

function noStack(stderr: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe('quantix-node CLI', () => {
  it('status shows a standalone host and no token', async () => {
    const r = await cli('status');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`https://127.0.0.1:${a.port}`);
    expect(r.stdout).toMatch(/Cluster\s+standalone/);
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

  it('leave: refused while standalone, then leaves after a join', async () => {
    const refused = await cli('leave');
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/NOT_MANAGED/);
    const token = JSON.parse((await cli('token', 'generate', '--json')).stdout).token as string;
    const vdc = await createSelfSignedCertificate('vdc-cli');
    await new HostAgentClient({ host: a.host, port: a.port, clientCertificate: vdc }).join(await deriveKey(canonicalizeToken(token)!), {
      nodeId: 'n-cli',
      vdc: { id: 'v1', name: 'Lab vDC', url: 'https://vdc.lab:9443', clientCertFingerprint: vdc.fingerprint },
      cluster: { id: 'c1', name: 'lab' },
    });
    const st = await cli('status');
    expect(st.stdout).toMatch(/Cluster\s+lab on vDC Lab vDC/);
    const gen = await cli('token', 'generate');
    expect(gen.code).toBe(4);
    expect(gen.stderr).toMatch(/HOST_MANAGED/);
    const left = await cli('leave');
    expect(left.code).toBe(0);
    expect(left.stdout).toMatch(/Left cluster lab on vDC Lab vDC/);
  });

  it('--help works on every command and exits 0', async () => {
    for (const args of [['--help'], ['serve', '--help'], ['token', '--help'], ['status', '--help'], ['inventory', '--help'], ['leave', '--help'], ['token', 'show', '--help']]) {
      const r = await runAgentCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 0 });
      expect(r.stdout).toMatch(/^Usage: quantix-node/);
    }
  });

  it('usage errors exit 2 with the usage text', async () => {
    for (const args of [['frobnicate'], ['token'], ['token', 'eat'], ['status', '--bogus'], ['serve', '--listen', 'nowhere'], ['serve', '--token-ttl', '3d']]) {
      const r = await runAgentCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^quantix-node: /);
      noStack(r.stderr);
    }
  });

  it('an absent agent exits 3 with a hint to start it', async () => {
    const r = await runAgentCli(['status', '--socket', path.join(a.tmpDir, 'absent.sock')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HOST_UNREACHABLE: The host agent is not reachable on .*quantix-node serve/);
    noStack(r.stderr);
  });

  it('serve exits 1 with one line when it cannot start', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-agent-cli-'));
    try {
      // The same socket as the running agent: refused, the running agent untouched.
      const r = await runAgentCli(['serve', '--state-dir', path.join(dir, 's'), '--socket', a.socketPath, '--listen', '127.0.0.1:0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/quantix-node: the agent could not start: another agent is already listening/);
      noStack(r.stderr);
      const busy = await runAgentCli(['serve', '--state-dir', path.join(dir, 's'), '--socket', path.join(dir, 'n.sock'), '--listen', `127.0.0.1:${a.port}`]);
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
