/**
 * Filling the host's disk through the agent's logs: refused requests with
 * a 14 KB query string, 6,000 of them from ten loopback sources over
 * keep-alive HTTPS (more than a minute of one attacker's traffic), in the
 * three states where the agent refuses: no token, an active token (wrong
 * proofs, then the rate limiter's 429s), and a managed host (node calls
 * without the vDC's client certificate). The agent runs with a 1 s report
 * interval, so the attack spans several windows. The audit log and the
 * agent's stderr may grow by at most a few hundred KB, no line holds the
 * query string, and the summary lines still account for every refusal.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { keepAliveClient } from '../helpers/attack.js';
import { joinAsVdc } from '../helpers/host-join.js';
import { waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const SOURCES = Array.from({ length: 10 }, (_, i) => `127.0.10.${i + 1}`);
const PER_SOURCE_PER_PHASE = 200;
const LANES = 4;
/** What the logs may grow by during the whole attack. */
const BUDGET_BYTES = 300 * 1024;
const QUERY = `pad=${'A'.repeat(14_000)}`;

let agent: AgentProcess;
let client: LocalAgentClient;

beforeAll(async () => {
  // On 127.0.0.1, where joinAsVdc reaches the agent.
  agent = await startAgent({ args: ['--report-interval', '1s'] });
  client = new LocalAgentClient({ socketPath: agent.socketPath });
});

afterAll(async () => {
  await stopAll(agent);
});

const auditPath = () => path.join(agent.stateDir, 'audit.log');
const auditBytes = () => statSync(auditPath()).size;
const stderrBytes = () => agent.logs().reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);

/** A refused request: a proof that cannot be right, or a node call without the pinned certificate. */
function hostile(i: number): { method: string; path: string; headers: Record<string, string> } {
  if (i % 2 === 0) return { method: 'GET', path: `${AGENT_PATHS.nodeStatus}?${QUERY}`, headers: {} };
  const ts = String(Math.floor(Date.now() / 1000));
  return {
    method: 'GET',
    path: `${AGENT_PATHS.discovery}?${QUERY}`,
    headers: { authorization: `Quantix v1;ts=${ts};nonce=${'n'.repeat(22)}${i % 10};mac=${'m'.repeat(43)}` },
  };
}

/** Sends PER_SOURCE_PER_PHASE hostile requests from every source; returns how many were refused with 4xx. */
async function attack(): Promise<{ sent: number; refused: number }> {
  let sent = 0;
  let refused = 0;
  await Promise.all(
    SOURCES.map(async (from) => {
      const c = keepAliveClient(agent.host, agent.port, from, LANES);
      let next = 0;
      const lane = async () => {
        while (next < PER_SOURCE_PER_PHASE) {
          const r = await c.send(hostile(next++));
          sent++;
          if (r.status >= 400 && r.status < 500) refused++;
        }
      };
      try {
        await Promise.all(Array.from({ length: LANES }, lane));
      } finally {
        c.close();
      }
    }),
  );
  return { sent, refused };
}

interface AuditLine {
  action: string;
  source: string;
  count?: number;
  detail?: string;
}

describe('a minute of refused traffic from ten sources', () => {
  it('grows the audit log and stderr by at most a few hundred KB, and every refusal is counted', async () => {
    const audit0 = auditBytes();
    const stderr0 = stderrBytes();
    const lines0 = agent.logs().length;

    // No token: every proof is refused.
    const a = await attack();
    // An active token: wrong proofs, then 429 from the limiter.
    await client.generateToken();
    const b = await attack();
    // A managed host: node calls without the vDC's certificate.
    await joinAsVdc(client, 'flood', 'Flood');
    const c = await attack();

    const sent = a.sent + b.sent + c.sent;
    expect(sent).toBe(3 * SOURCES.length * PER_SOURCE_PER_PHASE);
    expect(a.refused + b.refused + c.refused, 'requests that were not refused with 4xx').toBe(sent);
    expect(agent.child.exitCode, 'the agent exited under the attack').toBeNull();

    const refusalLines = () =>
      readFileSync(auditPath(), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditLine)
        .filter((e) => SOURCES.includes(e.source) || e.source === 'other');
    // The last window's summaries are written when it ends (1 s): wait for them, then count.
    const tally = () => {
      const lines = refusalLines();
      const summaries = lines.filter((e) => e.action === 'refused.summary');
      const summarised = summaries.reduce((n, e) => n + (e.count ?? 0), 0);
      const immediate = lines.length - summaries.length;
      return { summaries, summarised, immediate };
    };
    // Node calls before the join (NOT_MANAGED: there is nothing to refuse a peer) are not written at all; every other request is a refusal.
    const counted = sent - a.sent / 2 - b.sent / 2;
    const t = await waitFor('the summaries of the last window', () => {
      const x = tally();
      return x.summarised + x.immediate >= counted ? x : null;
    });
    // Each summary counts a whole window of its source, the first request (written at once) included.
    expect(t.summarised).toBeLessThanOrEqual(counted);
    expect(t.summaries[0]!.detail).toMatch(/^refused \d+ requests from 127\.0\.10\.\d+ in the last 1 s$/);

    const auditGrowth = auditBytes() - audit0;
    const stderrGrowth = stderrBytes() - stderr0;
    console.info(
      `log flood: ${sent} requests with a ${QUERY.length} B query from ${SOURCES.length} sources; audit log +${auditGrowth} B, stderr +${stderrGrowth} B, ` +
        `${t.immediate} immediate and ${t.summaries.length} summary audit lines`,
    );
    expect(auditGrowth, 'audit log growth in bytes').toBeLessThanOrEqual(BUDGET_BYTES);
    expect(stderrGrowth, 'stderr growth in bytes').toBeLessThanOrEqual(BUDGET_BYTES);

    const newStderr = agent.logs().slice(lines0);
    const auditText = readFileSync(auditPath(), 'utf8');
    expect(auditText.includes('AAAAAAAAAA'), 'the query string reached the audit log').toBe(false);
    expect(
      newStderr.some((l) => l.includes('AAAAAAAAAA')),
      'the query string reached stderr',
    ).toBe(false);
    expect(
      Math.max(
        ...auditText
          .trim()
          .split('\n')
          .map((l) => l.length),
      ),
      'longest audit line',
    ).toBeLessThanOrEqual(1024);
    expect(Math.max(...newStderr.map((l) => l.length)), 'longest log line').toBeLessThanOrEqual(1024);
  }, 180_000);
});
