/**
 * The direct console at its edges, against a real agent in a real
 * pseudo-terminal at 80x24: a crash (an uncaught exception) still restores
 * the terminal and keeps the stack trace off the screen; with
 * --allow-power, F10 runs the real power command (a stand-in systemctl on
 * PATH, since this machine must not reboot); a token revoked after too many
 * failed proofs says so and why; a vDC that joined, called and went away
 * leaves its last contact on the main screen; on vt100 and vt220 under
 * LANG=C every F-key is reachable through its fallback keys; and the
 * console says it is idle only once the agent has answered what a key
 * asked and the answer is drawn.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { resetToStandalone } from '../helpers/host-join.js';
import { spawnInPty, type PtyProgram, type PtySpawnOptions } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';

const CONSOLE = 'dist/host-console/console/main.js';

let dir: string;
let agent: AgentProcess;
let client: LocalAgentClient;

async function until<T>(
  fn: () => T | null | false | Promise<T | null | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-hc-edges-'));
  agent = await startAgent();
  client = new LocalAgentClient({ socketPath: agent.socketPath });
});

afterAll(async () => {
  await stopAll(agent);
  fs.rmSync(dir, { recursive: true, force: true });
});

// Every test starts from a standalone host without a token.
beforeEach(async () => {
  await resetToStandalone(client);
});

let program: PtyProgram | null = null;
afterEach(async () => {
  await program?.dispose();
  program = null;
});

const open = (args: string[] = ['--exitable'], extra: Partial<PtySpawnOptions> = {}, logName = 'console.log') =>
  (program = spawnInPty({
    script: CONSOLE,
    args: ['--socket', agent.socketPath, '--log-file', path.join(dir, logName), ...args],
    term: 'xterm-256color',
    cols: 80,
    rows: 24,
    ...extra,
  }));

describe('crash', () => {
  it('an uncaught exception restores the terminal, exits 1, says so in one line, and logs the error', async () => {
    // Loaded before the console, this makes the real program throw from the event loop on SIGUSR2.
    const crash = path.join(dir, 'crash-on-usr2.mjs');
    fs.writeFileSync(
      crash,
      "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('injected crash for the restore test'); }));\n",
    );
    const p = open(['--exitable'], { env: { NODE_OPTIONS: `--import ${pathToFileURL(crash).href}` } }, 'crash.log');
    await p.waitForText(/Standalone/);
    p.press('F4');
    await p.waitForText('Registration token');
    p.kill('SIGUSR2');
    const exit = await p.exit();
    expect(exit.exitCode).toBe(1);
    expect(exit.restored, `normal buffer ${exit.normalBuffer}, cursor visible ${exit.cursorVisible}`).toBe(true);
    // One plain line on the restored terminal, no stack trace.
    // One line, wrapped by the 80-column terminal.
    expect(p.screenText().join(' ').replace(/\s+/g, ' ')).toContain(
      'quantix-host-console: INTERNAL: Unexpected error, the console stopped: injected crash for the restore test. The details are in its log file; start it again.',
    );
    expect(p.screen()).not.toMatch(/\bat .*\.js:\d+|^Error:/m);
    const log = fs.readFileSync(path.join(dir, 'crash.log'), 'utf8');
    expect(log).toContain('console stopped on an unexpected error');
    expect(log).toContain('injected crash for the restore test');
  });
});

describe('--allow-power', () => {
  it('F10 asks, then runs systemctl reboot or poweroff', async () => {
    // A stand-in systemctl, alone on PATH so the machine's own can never be reached, records what the console asked for.
    const bin = path.join(dir, 'bin');
    const record = path.join(dir, 'power.log');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'systemctl'), `#!/bin/sh\nprintf '%s\\n' "$*" >> '${record}'\n`, { mode: 0o755 });
    const p = open(['--exitable', '--allow-power'], { env: { PATH: bin } });
    await p.waitForText(/Standalone/);
    p.press('F1');
    await p.waitForText(/F10, F12, 0 +Reboot or shut down \(asks first\)/);
    expect(p.screen()).not.toContain('simulated');
    p.press('Esc');
    await p.waitForText('Direct Console');

    p.press('F10');
    await p.waitForText('Reboot or shut down this host?');
    expect(p.screen()).not.toContain('Simulated');
    // Cancelling runs nothing.
    p.press('n');
    await p.waitForNoText('Reboot or shut down this host?');
    p.press('0');
    await p.waitForText('Reboot or shut down this host?');
    p.press('r');
    await p.waitForText(/Rebooting/);
    await until(() => fs.existsSync(record) && fs.readFileSync(record, 'utf8'), 'systemctl to be run');
    expect(fs.readFileSync(record, 'utf8')).toBe('reboot\n');

    p.press('0');
    await p.waitForText('Reboot or shut down this host?');
    p.press('s');
    await p.waitForText(/Shutting down/);
    await until(() => fs.readFileSync(record, 'utf8').includes('poweroff'), 'systemctl poweroff');
    expect(fs.readFileSync(record, 'utf8')).toBe('reboot\npoweroff\n');
  });
});

describe('the idle signal', () => {
  it('comes only after the requests a key started have answered and are drawn', async () => {
    const p = open();
    await p.waitForText(/Standalone/);
    p.press('F4');
    await p.waitForSettled();
    expect(p.screen()).toContain('No token. Press G to generate one.');
    // No wait for the text: settled means the agent made the token and the console drew it.
    p.press('G');
    await p.waitForSettled();
    expect(p.screen()).toMatch(/QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    expect(p.screen()).toContain('New token generated');
    p.press('R');
    await p.waitForSettled();
    expect(p.screen()).toContain('Token revoked. Press G for a new one.');
    expect((await client.status()).token.state).toBe('revoked');
    // F5 asks the agent again, inventory included, before saying so.
    p.press('F5');
    await p.waitForSettled();
    expect(p.screen()).toContain('Refreshed.');
  });
});

describe('failed proofs against the token', () => {
  it('the token screen counts them with the last source, keeps the token and R revokes it', async () => {
    const p = open();
    await p.waitForText(/Standalone/);
    p.press('F4');
    p.press('G');
    const shown = (await p.waitForText(/QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/))[0];
    // 20 wrong proofs from five loopback addresses, each under the per-address limit.
    for (let i = 0; i < 20; i++) {
      const host = new HostAgentClient({
        host: agent.host,
        port: agent.port,
        localAddress: `127.0.2.${10 + Math.floor(i / 4)}`,
      });
      await host.hello();
      const err = await host.discovery(Buffer.alloc(32, i)).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(QuantixError);
      expect((err as QuantixError).code).toBe('TOKEN_INVALID');
    }
    await p.waitForText('20 failed attempts, last from 127.0.2.14');
    expect(p.screen()).toContain(shown);
    expect(p.screen()).toContain('Expires in');
    p.press('R');
    await p.waitForText('No token. Press G to generate one.');
    expect((await client.status()).token.state).toBe('revoked');
  });
});

describe('a vDC that joined and went away', () => {
  let vdc: CertificatePair;
  beforeAll(async () => {
    vdc = await createSelfSignedCertificate('edges-vdc');
  });

  it('the main screen shows its last contact, which keeps ageing once it stops calling', async () => {
    const p = open();
    await p.waitForText(/Standalone/);
    const token = canonicalizeToken((await client.generateToken()).token)!;
    const host = new HostAgentClient({
      host: agent.host,
      port: agent.port,
      clientCertificate: { certPem: vdc.certPem, keyPem: vdc.keyPem },
    });
    await host.hello();
    await host.join(await deriveKey(token), {
      nodeId: 'node-edges-1',
      vdc: { id: 'vdc-edges', name: 'vdc-east', url: 'https://127.0.0.1:9443', clientCertFingerprint: vdc.fingerprint },
      cluster: { id: 'c-edges', name: 'Edge' },
    });
    await p.waitForText(/Managed by vDC vdc-east/);
    await p.waitForText('no contact from the vDC yet');
    // The vDC's health check over mutual TLS is the contact the host sees.
    await host.status();
    await p.waitForText(/last contact \d+s ago/);
    // The vDC goes away: no more calls, and the age on screen grows by itself.
    await p.waitForText(/last contact ([3-9]|\d\d)s ago/);
    expect((await client.status()).membership?.lastContactAt).not.toBeNull();
  });
});

describe.each(['vt100', 'vt220'])('TERM=%s, LANG=C: fallback keys', (term) => {
  it('reach F1-F5, F9 and F10 with digits on the main screen and Esc then a digit elsewhere', async () => {
    const p = open(['--exitable'], { term, lang: 'C' });
    await p.waitForText(/Standalone/);
    // Digits alone on the main screen.
    p.press('5');
    await p.waitForText('Refreshed.');
    p.press('9');
    await p.waitForText(/not in a cluster: nothing to leave/);
    p.press('1');
    await p.waitForText(/Quantix-OS \S+ . Help/);
    // Esc then a digit from another screen, as separate reads.
    p.press('Esc');
    await p.waitForText('Direct Console');
    p.press('2');
    await p.waitForText(/Quantix-OS \S+ . System/);
    p.press('Esc');
    await p.waitForSettled();
    p.press('3');
    await p.waitForText(/Quantix-OS \S+ . Network/);
    p.press({ raw: '\x1b4' });
    await p.waitForText('Registration token');
    p.press({ raw: '\x1b5' });
    await p.waitForText('Refreshed.');
    p.press({ raw: '\x1b0' });
    await p.waitForText(/Simulated: started without --allow-power/);
    p.press('Esc');
    await p.waitForNoText(/Simulated: started/);
    const high = [...p.output()].filter((b) => b > 0x7f).length;
    expect(high, 'bytes above 0x7F under LANG=C').toBe(0);
  });
});
