/**
 * The lifetime choice on the direct console's token screen, in a real
 * pseudo-terminal at 80x24 against a real agent: L opens the choice, a
 * digit picks it, G makes a token that the agent itself says lives that
 * long, and the countdown starts from it (mm:ss up to an hour, h:mm:ss
 * beyond). Esc keeps the current choice.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { resetToStandalone } from '../helpers/host-join.js';
import { footerText, spawnInPty, type PtyProgram } from '../helpers/pty.js';

const CONSOLE = 'dist/host-console/console/main.js';

let dir: string;
let agent: AgentProcess;
let client: LocalAgentClient;
let program: PtyProgram | null = null;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-hc-ttl-'));
  agent = await startAgent();
  client = new LocalAgentClient({ socketPath: agent.socketPath });
});

afterAll(async () => {
  await agent.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await program?.dispose();
  program = null;
});

/** The agent's own lifetime of the active token, seconds. */
async function agentTtl(): Promise<number> {
  const t = await client.getToken();
  return (Date.parse(t.expiresAt) - Date.parse(t.createdAt)) / 1000;
}

describe.each([
  { term: 'xterm-256color', lang: 'C.UTF-8' },
  { term: 'vt100', lang: 'C' },
])('TERM=$term LANG=$lang', ({ term, lang }) => {
  it('L chooses the lifetime, G makes a token that lives it, and the countdown starts from it', async () => {
    await resetToStandalone(client);
    const p = (program = spawnInPty({
      script: CONSOLE,
      args: ['--socket', agent.socketPath, '--log-file', path.join(dir, `console-${term}.log`), '--exitable'],
      term,
      lang,
      cols: 80,
      rows: 24,
    }));
    await p.waitForText('Direct Console');
    p.press('F4');
    await p.waitForText('Registration token');
    await p.waitForText('The next token works once, for the default lifetime (L changes it).');
    await p.waitForSettled();
    expect(footerText(p.screenText())).toMatch(/L Lifetime/);

    // Esc keeps the current choice.
    p.press('L');
    await p.waitForText('Token lifetime');
    await p.waitForText('Now: the default lifetime.');
    p.press('Esc');
    await p.waitForNoText('Token lifetime');
    await p.waitForText('The next token works once, for the default lifetime');

    p.press('L');
    await p.waitForText('Token lifetime');
    await p.waitForText(/1 15 min {3}2 1 hour {3}3 4 hours {3}4 24 hours/);
    p.press('1');
    await p.waitForText('New tokens will be valid for 15 minutes. Press G to generate one.');
    await p.waitForText('The next token works once, for 15 minutes (L changes it).');
    p.press('G');
    await p.waitForText(/Expires in (15:00|14:[45]\d) /);
    await p.waitForText('The token works once, for 15 minutes');
    await p.waitForSettled();
    expect(await agentTtl()).toBe(900);
    // Every row still fits the 80 columns.
    for (const row of p.screenText()) expect(Array.from(row).length).toBeLessThanOrEqual(80);

    // 24 hours, replacing the valid token after the usual question.
    p.press('L');
    await p.waitForText('Token lifetime');
    await p.waitForText('Now: 15 minutes.');
    p.press('4');
    await p.waitForText('New tokens will be valid for 24 hours.');
    p.press('G');
    await p.waitForText('Replace the token?');
    p.press('y');
    await p.waitForText(/Expires in (24:00:00|23:59:[45]\d) /);
    await p.waitForText('The token works once, for 24 hours');
    await p.waitForSettled();
    expect(await agentTtl()).toBe(86_400);
  }, 90_000);
});
