/**
 * The installer as an operator runs it, staged into temporary directories:
 * its help and usage errors, the installed tree running without the
 * development packages, and unit files that systemd accepts with the prefix
 * and this machine's node substituted.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { REPO_ROOT } from '../helpers/agent.js';
import { waitFor } from '../helpers/vdc.js';

const INSTALL = path.join(REPO_ROOT, 'scripts/systemd/install.sh');
const UNITS = [
  'quantix-node.service',
  'quantix-host-console@.service',
  'quantix-host-console-serial@.service',
  'quantix-vdc.service',
];
const tmp = mkdtempSync(path.join(os.tmpdir(), 'qx-install-'));
const prefix = path.join(tmp, 'staged/quantix');
const unitDir = path.join(tmp, 'units');
let agent: ChildProcess | undefined;

function run(
  file: string,
  args: string[],
  timeout = 120_000,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, cwd: REPO_ROOT }, (err, stdout, stderr) => {
      resolve({
        code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0,
        stdout,
        stderr,
      });
    });
  });
}

beforeAll(async () => {
  const r = await run(INSTALL, ['--no-build', '--no-enable', '--prefix', prefix, '--unit-dir', unitDir]);
  expect(r.code, `install.sh failed:\n${r.stderr}`).toBe(0);
}, 180_000);

afterAll(() => {
  agent?.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

describe('scripts/systemd/install.sh', () => {
  it('explains itself with --help and refuses unknown options with exit code 2', async () => {
    const help = await run(INSTALL, ['--help']);
    expect(help.code).toBe(0);
    for (const word of [
      '--prefix',
      '--serial',
      '--no-enable',
      '--unit-dir',
      'quantix-node.service',
      'quantix-host-console@tty1.service',
    ])
      expect(help.stdout).toContain(word);
    const bad = await run(INSTALL, ['--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown option --frobnicate');
    const serial = await run(INSTALL, ['--serial', '/dev/ttyS0;reboot']);
    expect(serial.code).toBe(2);
  });

  it('installs the programs with production packages only, and the installed agent runs and answers its CLI', async () => {
    for (const f of ['dist/host-console/agent/main.js', 'dist/host-console/console/main.js', 'package.json'])
      expect(existsSync(path.join(prefix, f)), f).toBe(true);
    expect(existsSync(path.join(prefix, 'node_modules/fastify')), 'fastify installed').toBe(true);
    expect(existsSync(path.join(prefix, 'node_modules/vitest')), 'vitest (a dev package) left out').toBe(false);
    expect(readdirSync(path.dirname(prefix)), 'no staging directory left behind').toEqual(['quantix']);

    const state = path.join(tmp, 'state');
    const socketPath = path.join(tmp, 'node.sock');
    agent = spawn(
      process.execPath,
      [
        path.join(prefix, 'dist/host-console/agent/main.js'),
        'serve',
        '--state-dir',
        state,
        '--socket',
        socketPath,
        '--listen',
        '127.0.0.1:0',
      ],
      { stdio: 'ignore' },
    );
    const client = new LocalAgentClient({ socketPath });
    const status = await waitFor(
      'the installed agent answering on its socket',
      () => client.status().catch(() => null),
      30_000,
    );
    expect(status.membership).toBeNull();
    const cli = await run(process.execPath, [
      path.join(prefix, 'dist/host-console/agent/main.js'),
      'status',
      '--json',
      '--socket',
      socketPath,
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).hostId).toBe(status.hostId);
  });

  it('writes unit files that point at the prefix and this node, and that systemd-analyze accepts', async () => {
    const node = (await run('sh', ['-c', 'command -v node'])).stdout.trim();
    for (const unit of UNITS) {
      const text = readFileSync(path.join(unitDir, unit), 'utf8');
      expect(text).toMatch(new RegExp(`ExecStart=${node}( --\\S+)* ${prefix}/dist/`));
      expect(text, `${unit} still names /opt/quantix`).not.toContain('/opt/quantix');
    }
    expect(readFileSync(path.join(unitDir, 'quantix-host-console-serial@.service'), 'utf8')).toMatch(
      /115200[\s\S]*TERM=vt220/,
    );
    // The vDC's database URL comes from a root-only environment file, never from the unit or the command line.
    const vdcUnit = readFileSync(path.join(unitDir, 'quantix-vdc.service'), 'utf8');
    expect(vdcUnit).toMatch(/^EnvironmentFile=-\/etc\/quantix\/vdc\.env$/m);
    expect(vdcUnit.split('\n').filter((l) => !l.startsWith('#'))).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/postgres:\/\//)]),
    );
    expect(readFileSync(path.join(prefix, 'vdc.env.example'), 'utf8')).toMatch(/^QUANTIX_VDC_DATABASE=postgres:\/\//m);
    const verify = await run('systemd-analyze', ['verify', ...UNITS.map((u) => path.join(unitDir, u))]);
    expect(verify.code, `systemd-analyze verify:\n${verify.stderr}`).toBe(0);
  });
});
