/**
 * The trend sparklines on screen: the console in a pseudo-terminal against a
 * real vDC that polls a real agent every 100 ms with 300 ms trend buckets.
 * The dashboard shows the selected cluster's line and the host details the
 * host's two rows, in block elements under UTF-8 and in ASCII under LANG=C
 * on a vt100 without colour, within 80x24.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import type { PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import { agentAddress, newToken, startConsole } from './vdc-console-support.js';

let vdc: VdcProcess;
let agent: AgentProcess;
let prog: PtyProgram | null = null;

beforeAll(async () => {
  [vdc, agent] = await Promise.all([
    startVdc({
      name: 'vdc-trends',
      pollInterval: '100ms',
      args: ['--trend-bucket', '300ms', '--trend-points', '20'],
      readyTimeoutMs: 60_000,
    }),
    startAgent({ host: '127.0.21.5' }),
  ]);
  const client = vdc.client();
  await client.createCluster({ name: 'Production' });
  const d = await client.discover({ address: agentAddress(agent), token: await newToken(agent) });
  const { id } = await client.register({ discoveryId: d.discoveryId, clusterId: 'Production' });
  // A few buckets with both CPU (known from the second check on) and memory.
  await waitFor(
    'three samples with CPU use',
    async () => (await client.nodeTrend(id)).samples.filter((s) => s.cpuPercent !== null).length >= 3,
    30_000,
  );
});
afterEach(async () => {
  await prog?.dispose();
  prog = null;
});
afterAll(async () => {
  await stopAll(agent, vdc);
});

const STATS = String.raw`\d{1,3}% min \d{1,3}% max \d{1,3}%`;
const COMPACT = String.raw`\d{1,3}% \(\d{1,3}-\d{1,3}%\)`;

/** The dashboard's cluster line, then the host details' two rows, in the given sparkline characters. */
async function expectTrends(p: PtyProgram, spark: string, vertical: string): Promise<void> {
  const v = vertical === '|' ? '\\|' : vertical;
  const cpu = String.raw`CPU [${spark} ]{10} ${COMPACT}`;
  const mem = String.raw`Mem [${spark} ]{10} ${COMPACT}`;
  // 20 buckets in the room of 15 characters: two buckets each, 10 characters.
  const line = new RegExp(`^${v} 6 s: ${cpu} {2}${mem} +${v}$`, 'm');
  await p.waitForText(line);
  p.press('Tab');
  await p.waitForSettled();
  p.press('Enter');
  await p.waitForText(new RegExp(String.raw`CPU trend +[${spark} ]*[${spark}][${spark} ]* ${STATS}`));
  await p.waitForText(new RegExp(String.raw`Memory trend +[${spark} ]*[${spark}][${spark} ]* ${STATS}`));
  await p.waitForSettled();
  const screen = p.screenText();
  expect(screen).toHaveLength(24);
  for (const l of screen) expect(l.length).toBeLessThanOrEqual(80);
}

describe('trend sparklines in the vDC console', () => {
  it('draws block elements under UTF-8 on the dashboard and in the host details', async () => {
    const p = (prog = startConsole(vdc, { term: 'xterm-256color' }));
    await expectTrends(p, '▁▂▃▄▅▆▇█', '│');
  });

  it('draws ASCII levels under LANG=C on a vt100 without colour, and nothing above 0x7E', async () => {
    const p = (prog = startConsole(vdc, { term: 'vt100', lang: 'C', noColor: true }));
    await expectTrends(p, String.raw`_.\-=#`, '|');
    expect(/^[\x20-\x7e\n]*$/.test(p.screen())).toBe(true);
    expect(p.output().toString('latin1')).not.toMatch(/\x1b\[3[0-7]m/);
  });
});
