/**
 * Reading a host's inventory again from the vDC console's host details, in a
 * pseudo-terminal at 80x24 against a real vDC and a real agent on a fixture
 * /proc and /sys tree: F6 (or `i` where the terminal has no F6) asks the
 * vDC, the status line says what changed, the details show the change and
 * the dashboard's totals follow; an agent that is gone shows its code.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatBytesShort } from '../../common/format/bytes.js';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import type { PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import { addHostToNewCluster, fixtureCopy, startConsole, tempDir } from './vdc-console-support.js';

let vdc: VdcProcess;
let agent: AgentProcess;
let dir: string;
let root: string;
let prog: PtyProgram | null = null;

/** Adds `kb` to MemTotal in the fixture's /proc/meminfo. */
function addMemory(kb: number): void {
  const file = path.join(root, 'proc/meminfo');
  const text = fs.readFileSync(file, 'utf8');
  const total = Number(/^MemTotal:\s+(\d+) kB$/m.exec(text)![1]);
  fs.writeFileSync(file, text.replace(/^MemTotal:\s+\d+ kB$/m, `MemTotal:       ${total + kb} kB`));
}

beforeAll(async () => {
  dir = tempDir('qx-inv-e2e-');
  root = fixtureCopy(dir, 'host');
  [vdc, agent] = await Promise.all([
    startVdc({ name: 'vdc01' }),
    startAgent({ host: '127.0.0.44', inventoryRoot: root }),
  ]);
  await addHostToNewCluster(vdc, agent);
  await waitFor('the host connected', async () => (await vdc.client().listNodes())[0]?.state === 'connected');
});
afterEach(async () => {
  await prog?.dispose();
  prog = null;
});
afterAll(async () => {
  await stopAll(agent, vdc);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Starts the console and opens the one host's details. */
async function openDetails(opts: { term?: string; lang?: string } = {}): Promise<PtyProgram> {
  const p = (prog = startConsole(vdc, { cols: 80, rows: 24, ...opts }));
  await p.waitForText('qx-node-07');
  p.press('Tab');
  await p.waitForText(/(▶|>)qx-node-07/);
  p.press('Enter');
  await p.waitForSettled();
  expect(p.screen()).toMatch(/Host . qx-node-07/);
  return p;
}

describe('host details: reading the inventory again', () => {
  it('F6 reads it, the status line and the details say what changed, the totals follow', async () => {
    const p = await openDetails({ term: 'xterm-256color' });
    expect(p.screen()).toContain('i/F6 Rescan');
    expect(p.screen()).toMatch(/Registered +.* UTC · inventory read \d+s ago/);
    expect(p.screen()).toMatch(/CPU\/Memory/);
    const before = (await vdc.client().listNodes())[0]!.capacity.localStorageBytes!;
    const sdb = (
      await vdc
        .client()
        .listNodes()
        .then((n) => vdc.client().getNode(n[0]!.id))
    ).inventory!.storage.disks.find((d) => d.name === 'sdb')!.sizeBytes!;
    addMemory(16 * 1024 * 1024);
    fs.rmSync(path.join(root, 'sys/block/sdb'));
    p.press('F6');
    await p.waitForSettled();
    expect(p.screen()).toMatch(/Inventory of qx-node-07 read again: 2 changes: Memory added: 16 GiB/);
    // The change is listed under the state: scroll to it.
    p.press('G');
    await p.waitForSettled();
    expect(p.screen()).toMatch(/Inventory changed \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    expect(p.screen()).toMatch(/- Memory added: 16 GiB \(from 503 GiB to 519 GiB\)/);
    expect(p.screen()).toMatch(/- Disk gone: sdb \(/);
    // The dashboard's storage, of the host and of the cluster, follows the new inventory.
    p.press('Esc');
    await p.waitForSettled();
    const storage = formatBytesShort(before - sdb);
    expect(storage).not.toBe(formatBytesShort(before));
    const rows = p.screenText().filter((l) => l.includes(storage));
    expect(rows).toHaveLength(2);
  });

  it('i does the same where the terminal has no F6 (VT100, ASCII), and nothing changed says so', async () => {
    const p = await openDetails({ term: 'vt100', lang: 'C' });
    expect(p.screen()).toContain('i/F6 Rescan');
    p.press('i');
    await p.waitForSettled();
    expect(p.screen()).toContain('Inventory of qx-node-07 read again: nothing changed.');
    expect(p.screen()).not.toMatch(/[^\x20-\x7e\n]/);
  });

  it('an agent that is gone: the status line gives the code and the next step', async () => {
    await agent.stop();
    const p = await openDetails({ term: 'linux' });
    p.press('i');
    await p.waitForSettled();
    expect(p.screen()).toMatch(/Could not read the inventory of qx-node-07/);
    expect(p.screen()).toMatch(/HOST_UNREACHABLE/);
  });
});
