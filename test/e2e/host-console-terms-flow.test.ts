/**
 * The rest of the direct console's story under every supported TERM, each
 * in a real pseudo-terminal at 80x24 against a real agent with a short
 * token lifetime: a join by a vDC client turns the token screen to
 * "Joined" with no key pressed; a token left alone shows "Expired"; the
 * agent stopped gives a message and the console recovers when it is back;
 * a too-small terminal gets the one-line request and the frame returns at
 * 80x24. Keys are the fallbacks (digits), which work on every terminal.
 * Serial-style terminals run with LANG=C and xterm with NO_COLOR, as in the
 * per-TERM basics.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { joinAsVdc, resetToStandalone } from '../helpers/host-join.js';
import { spawnInPty, TERMS, type PtyProgram } from '../helpers/pty.js';

const CONSOLE = 'dist/host-console/console/main.js';
const TTL = '10s';

let dir: string;
let socketPath: string;
let agent: AgentProcess | null = null;
let client: LocalAgentClient;

/** Starts the agent on this file's state dir and socket, so a restart is the same host. */
async function start(): Promise<void> {
  agent = await startAgent({ stateDir: path.join(dir, 'state'), socketPath, tokenTtl: TTL });
}

async function stop(): Promise<void> {
  const a = agent;
  agent = null;
  await a?.cleanup();
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-hc-flow-'));
  socketPath = path.join(dir, 'node.sock');
  client = new LocalAgentClient({ socketPath });
  await start();
});

afterAll(async () => {
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

let program: PtyProgram | null = null;
afterEach(async () => {
  await program?.dispose();
  program = null;
  // The next terminal starts from a running, standalone host without a token.
  if (!agent) await start();
  await resetToStandalone(client);
});

const serial = (term: string) => term === 'vt100' || term === 'vt220';

describe.each(TERMS)('TERM=%s', (term) => {
  it('join, expiry, agent gone and back, too small and back', async () => {
    const p = (program = spawnInPty({
      script: CONSOLE,
      args: ['--socket', socketPath, '--exitable', '--log-file', path.join(dir, `console-${term}.log`)],
      term,
      lang: serial(term) ? 'C' : 'C.UTF-8',
      noColor: term === 'xterm',
      cols: 80,
      rows: 24,
    }));
    await p.waitForText(/Standalone: not managed by a vDC/);

    // Joined, with no key pressed after the join.
    p.press('4');
    await p.waitForText('Registration token');
    p.press('g');
    await p.waitForText(/QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
    await joinAsVdc(client, 'vdc01', 'Edge');
    await p.waitForText(/Joined cluster Edge on vDC vdc01 at \d\d:\d\d/, { timeoutMs: 10_000 });

    // Back to standalone, a new token, and its short life running out.
    await client.leave();
    await p.waitForText('No token. Press G to generate one.');
    p.press('g');
    await p.waitForText(/Expires in 00:(0\d|10)/);
    await p.waitForText('Expired. Press G for a new token.', { timeoutMs: 30_000 });

    // The agent goes away and comes back.
    p.press('Esc');
    await p.waitForText('Direct Console');
    await stop();
    await p.waitForText('quantix-node is not answering');
    await p.waitForText(`Tried the local socket ${socketPath}`);
    await start();
    await p.waitForNoText('quantix-node is not answering', { timeoutMs: 20_000 });
    await p.waitForText(/quantix-node: running/);

    // Too small, then 80x24 again.
    p.resize(70, 20);
    await p.waitForText(/Enlarge the terminal to at least 80.24 \(now 70.20\)\./);
    p.resize(80, 24);
    await p.waitFor(
      () => /^[┌+].*[┐+]$/.test(p.screenText()[0] ?? '') && /^[└+].*[┘+]$/.test(p.screenText()[23] ?? ''),
      'the frame redrawn at 80x24',
    );
    expect(p.screen()).toContain('F1 Help');

    if (serial(term)) expect([...p.output()].filter((b) => b > 0x7f)).toHaveLength(0);
    p.press('q');
    const exit = await p.exit();
    expect(exit.exitCode).toBe(0);
    expect(exit.restored).toBe(true);
  }, 120_000);
});
