/**
 * Adding hosts from a file in the full-screen console, in a pseudo-terminal
 * against a real vDC and real agents: `b`, the file's path, the review
 * table, one confirmation, the progress and the report; a file others can
 * read refused with its code and next step; the same file loaded again
 * skips what was added. No token is ever drawn.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonicalizeToken, formatToken, tokenFromRandom } from '../../common/token/token.js';
import { REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agent.js';
import type { PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { agentAddress, closedPort, newToken, startConsole, tempDir } from './vdc-console-support.js';

let vdc: VdcProcess;
const agents: AgentProcess[] = [];
let dir: string;
let prog: PtyProgram | null = null;
/** Every token in the list, canonical. */
const secrets: string[] = [];

beforeAll(async () => {
  dir = tempDir('qx-bulk-e2e-');
  // A busy machine can take a while to start four programs at once.
  let started: AgentProcess[];
  [vdc, started] = await Promise.all([
    startVdc({ name: 'vdc-bulk', readyTimeoutMs: 60_000 }),
    // Three machines: two fixture hosts and this one, so each has its own host ID.
    Promise.all(
      ['server-2s', 'vm-minimal', null].map((fixture, i) =>
        startAgent({
          host: `127.0.71.${i + 1}`,
          readyTimeoutMs: 60_000,
          ...(fixture ? { inventoryRoot: path.join(REPO_ROOT, 'test/fixtures/hosts', fixture) } : {}),
        }),
      ),
    ),
  ]);
  agents.push(...started);
  await vdc.client().createCluster({ name: 'Rack' });
}, 120_000);
afterEach(async () => {
  await prog?.dispose();
  prog = null;
});
afterAll(async () => {
  await stopAll(vdc, ...agents);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Fails when any token shows in text, grouped or not. */
function expectNoToken(text: string): void {
  const flat = text.toUpperCase().replace(/-/g, '');
  for (const t of secrets) expect(flat).not.toContain(t);
}

/** The host list: the three agents, a host nobody answers for, and a mistyped token. */
async function writeList(mode: number): Promise<string> {
  const lines = ['address,token,cluster'];
  for (const a of agents) {
    const token = await newToken(a);
    secrets.push(canonicalizeToken(token)!);
    lines.push(`${agentAddress(a)},${token},Rack`);
  }
  // Nobody holds it: the host behind a closed port never sees it.
  const spare = formatToken(tokenFromRandom(new Uint8Array([mode & 0xff, 4, 8, 15, 16, 23, 42])));
  secrets.push(canonicalizeToken(spare)!);
  lines.push(`127.0.0.1:${await closedPort()},${spare},Rack`);
  const typo = `${spare.slice(0, -1)}${spare.endsWith('A') ? 'B' : 'A'}`;
  secrets.push(canonicalizeToken(typo) ?? typo.replace(/^QUANTIX-|-/g, ''));
  lines.push(`127.0.71.9,${typo},Rack`);
  const file = path.join(dir, `rack-${mode.toString(8)}.csv`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** Presses b, types the file's path and loads it. */
async function load(p: PtyProgram, file: string): Promise<void> {
  p.press('b');
  await p.waitForText('Add hosts from a file');
  p.write(file);
  p.press('Enter');
}

describe('adding hosts from a file in the vDC console', () => {
  it('refuses a list others can read, with the code and chmod 600', async () => {
    const file = await writeList(0o644);
    const p = (prog = startConsole(vdc));
    await p.waitForText('Rack');
    await load(p, file);
    await p.waitForText('SECRET_FILE_NOT_PRIVATE');
    expect(p.screen()).toContain('chmod 600');
    expect(p.screen()).not.toContain('LINE');
    expectNoToken(p.output().toString('utf8'));
  }, 60_000);

  it('loads, reviews, adds on one confirmation, reports each host, and skips them the second time', async () => {
    const file = await writeList(0o600);
    const p = (prog = startConsole(vdc));
    await p.waitForText('Rack');
    await load(p, file);
    await p.waitForText(/3 to add, 0 skipped, 2 failed/, { timeoutMs: 60_000 });
    const review = p.screen();
    expect(review).toMatch(/LINE\s+ADDRESS\s+NAME\s+CPU\s+MEMORY\s+WARN\s+STATUS/);
    expect(review).toMatch(/Review: 3 done, 2 failed, 0 remaining/);
    expect(review).toContain('HOST_UNREACHABLE');
    expect(review).toContain('TOKEN_FORMAT');
    expect(review).toContain('Add 3 hosts');

    p.press('Enter');
    await p.waitForText(/Report: 3 done, 2 failed, 0 remaining/, { timeoutMs: 60_000 });
    expect(p.screen()).toMatch(/3 added, 0 skipped, 2 not added/);
    expect(p.screen().match(/✓ added/g)).toHaveLength(3);
    // The failed host's next step is under the table once it is selected.
    p.press('Down', 'Down', 'Down');
    await p.waitForText(/Line 5 .*HOST_UNREACHABLE/);
    expect(p.screen()).toContain('Next:');
    expect(await vdc.client().listNodes()).toHaveLength(3);

    p.press('Enter');
    await p.waitForText(/Hosts · Rack/);
    await load(p, file);
    await p.waitForText(/0 to add, 3 skipped, 2 failed/, { timeoutMs: 60_000 });
    expect(p.screen()).toMatch(/Line 2 qx-node-07 .*skipped, already in Rack/);
    p.press('Esc');
    await p.waitForText(/Hosts · Rack/);
    expect(await vdc.client().listNodes()).toHaveLength(3);
    expectNoToken(p.output().toString('utf8'));
  }, 240_000);
});
