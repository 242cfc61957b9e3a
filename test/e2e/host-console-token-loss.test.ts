/**
 * A token the agent no longer holds never stays on the direct console. The
 * real agent is stopped under a console showing a token: the token and its
 * countdown go at the next poll, replaced by what happened (the agent
 * stopped, with its own code, AGENT_UNREACHABLE, not the vDC's
 * HOST_UNREACHABLE). When the agent is started again the console says the
 * agent restarted and the previous token no longer exists, until G makes a
 * new one. Run in a pseudo-terminal at 80x24 under the Linux console and
 * vt220 with LANG=C.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';

const CONSOLE = 'dist/host-console/console/main.js';
const TOKEN = /QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/;

let dir: string;
let agent: AgentProcess | null = null;

/** The agent on this file's state and socket, so a restart is the same host. */
async function start(): Promise<void> {
  agent = await startAgent({ stateDir: path.join(dir, 'state'), socketPath: path.join(dir, 'node.sock') });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-token-loss-'));
  await start();
});

afterAll(async () => {
  await agent?.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe.each([
  { term: 'linux', lang: 'C.UTF-8' },
  { term: 'vt220', lang: 'C' },
])('the token screen when the agent stops and restarts ($term, LANG=$lang)', ({ term, lang }) => {
  it('drops the token and countdown at once, says why, then says the agent restarted', async () => {
    let p: PtyProgram | null = null;
    try {
      if (!agent) await start();
      p = spawnInPty({
        script: CONSOLE,
        args: ['--socket', path.join(dir, 'node.sock'), '--exitable'],
        term,
        lang,
        cols: 80,
        rows: 24,
      });
      await p.waitForText('Direct Console');
      p.press('4');
      await p.waitForText('Registration token');
      p.press('G');
      const shown = (await p.waitForText(TOKEN))[0];
      await p.waitForText(/Expires in \d\d:\d\d/);

      await agent!.stop();
      agent = null;
      await p.waitForText('quantix-node has stopped: no registration token exists now.');
      await p.waitForText('The token shown before is gone with it.');
      const stopped = p.screen();
      expect(stopped).not.toContain(shown);
      expect(stopped).not.toMatch(/Expires in/);
      expect(stopped).toContain('AGENT_UNREACHABLE');
      expect(stopped).not.toContain('HOST_UNREACHABLE');
      // The status line says it too once the flash about the new token has cleared.
      await p.waitForText(/quantix-node: unreachable, retrying \(AGENT_UNREACHABLE\)/, { timeoutMs: 20_000 });

      await start();
      await p.waitForText('The agent restarted; the previous token no longer exists.');
      await p.waitForText('Press G for a new one.');
      await p.waitForText('token: gone (the agent restarted)', { timeoutMs: 20_000 });
      expect(p.screen()).not.toContain(shown);
      expect(p.screen()).not.toMatch(/Expires in|quantix-node has stopped/);

      p.press('G');
      const fresh = (await p.waitForText(TOKEN))[0];
      expect(fresh).not.toBe(shown);
      await p.waitForNoText('The agent restarted');
      await p.waitForText(/token: active, \d+ min left/);
    } finally {
      await p?.dispose();
      // The next terminal starts with an agent that never showed a token.
      await agent?.cleanup();
      agent = null;
    }
  }, 90_000);
});
