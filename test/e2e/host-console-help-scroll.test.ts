/**
 * The host console's help at the smallest terminal: every key it lists can
 * be read, on a standalone host (the longest list) and for every terminal
 * type's footer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';

const CONSOLE = 'dist/host-console/console/main.js';
let dir: string;
let agent: AgentProcess;
let program: PtyProgram | null = null;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-hc-help-'));
  agent = await startAgent({ stateDir: path.join(dir, 'state'), socketPath: path.join(dir, 'node.sock') });
});

afterAll(async () => {
  await agent.cleanup();
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await program?.dispose();
  program = null;
});

describe.each(['vt100', 'linux', 'xterm-256color'])('help at 80x24, TERM=%s', (term) => {
  it('scrolls to its last line with G, one line with j and k, back to the top with g', async () => {
    const p = (program = spawnInPty({
      script: CONSOLE,
      args: [
        '--socket',
        path.join(dir, 'node.sock'),
        '--log-file',
        path.join(dir, `console-${term}.log`),
        '--exitable',
      ],
      term,
      cols: 80,
      rows: 24,
    }));
    await p.waitForText('Direct Console');
    p.press('F1');
    await p.waitForText(/Main screen/);
    // More lines than the window: the border says which are shown, the footer how to see the rest.
    await p.waitForText(/Help .* 1-17\/27 \d\d:\d\d UTC/);
    expect(p.screen()).toContain('j/k Scroll');
    expect(p.screen()).not.toContain('there is no valid token to revoke');
    p.press('G');
    await p.waitForText(/11-27\/27 \d\d:\d\d UTC/);
    expect(p.screen()).toContain('there is no valid token to revoke.');
    expect(p.screen()).toMatch(/Esc +Back to the main screen/);
    // The keys that scroll are listed too, under the screens that take them.
    expect(p.screen()).toContain('Help, System and Network (F1-F3)');
    expect(p.screen()).toMatch(/G +Scroll to the bottom/);
    // Past the end: the first k moves up at once.
    p.press('j', 'j', 'k');
    await p.waitForText(/10-26\/27 \d\d:\d\d UTC/);
    p.press('g');
    await p.waitForText(/1-17\/27 \d\d:\d\d UTC/);
    expect(p.screen()).toContain('Main screen');
    // Another screen opens at its top, and one that fits shows no position.
    p.press('G', 'Esc');
    await p.waitForText('Direct Console');
    p.press('F1');
    await p.waitForText(/1-17\/27 \d\d:\d\d UTC/);
    p.press('Esc', 'F3');
    await p.waitForText(/Network/);
    await p.waitForSettled();
    expect(p.screen()).not.toMatch(/\d+-\d+\/\d+ \d\d:\d\d UTC/);
  });
});
