/**
 * After a full run of the compiled agent and vDC (tokens typed in every
 * form the parser accepts, over the vDC's socket and its HTTPS API, a typo,
 * a wrong token, a registration, health rounds, a removal, a revocation),
 * no token may be found in any log line, state file or SQLite file (main
 * database, WAL and shared memory), in any accepted form; and every file
 * in both state directories, and both sockets, are private (0600).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { canonicalizeToken, formatToken, tokenFromRandom } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { containsToken, filesUnder, tokenForms } from '../helpers/attack.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let agent: AgentProcess;
let vdc: VdcProcess;
let emptyRoot: string;
/** Every token the agent issued during the run. */
const issued: string[] = [];

beforeAll(async () => {
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  [agent, vdc] = await Promise.all([
    startAgent({ host: '127.0.0.95', inventoryRoot: emptyRoot }),
    startVdc({ name: 'vdc-secrets', listen: '127.0.0.96:0' }),
  ]);
});

afterAll(async () => {
  await stopAll(agent, vdc);
  rmSync(emptyRoot, { recursive: true, force: true });
});

const local = () => new LocalAgentClient({ socketPath: agent.socketPath });

async function newToken(): Promise<string> {
  const t = (await local().generateToken()).token;
  issued.push(t);
  return t;
}

async function settle<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: unknown) => e as Error);
}

describe('a full run leaves no token behind', () => {
  it('runs discovery with every accepted form, a typo, a wrong token, a registration, health rounds, removal and revocation', async () => {
    const address = `${agent.host}:${agent.port}`;
    const cluster = await vdc.client().createCluster({ name: 'Secrets' });
    const apiToken = (await vdc.client().createApiToken('scanner')).token;
    const remote = new VdcClient({
      kind: 'https',
      host: '127.0.0.96',
      port: vdc.port,
      apiToken,
      fingerprint: vdc.serverFingerprint,
    });

    // Each accepted spelling, alternately over the socket and over HTTPS.
    const token = await newToken();
    const forms = tokenForms(token);
    for (const [i, form] of forms.entries()) {
      const d = await (i % 2 ? remote : vdc.client()).discover({ address, token: form });
      expect(d.host.hostId, `discovery with the form "${form}"`).toBe(agent.hostId);
    }
    // A typo and a token the host never issued: their error messages must not echo what was typed.
    const c = canonicalizeToken(token)!;
    const typo = `${c.slice(0, 5)}${c[6]}${c[5]}${c.slice(7)}`;
    const typoError = await settle(vdc.client().discover({ address, token: typo }));
    expect(typoError).toMatchObject({ code: 'TOKEN_FORMAT' });
    expect(
      containsToken(JSON.stringify({ ...(typoError as object), message: (typoError as Error).message }), token),
    ).toBe(false);

    const wrong = await settle(
      vdc.client().discover({ address, token: formatToken(tokenFromRandom(randomBytes(16))) }),
    );
    expect(wrong, 'a token the host never issued').toMatchObject({ code: 'TOKEN_INVALID' });

    const d = await remote.discover({ address, token: forms[forms.length - 1]! });
    const node = await remote.register({ discoveryId: d.discoveryId, clusterId: cluster.id });
    await waitFor(
      'a health round that reaches the host',
      async () => (await local().status()).membership?.lastContactAt,
    );
    await vdc.client().removeNode(node.id);

    await newToken();
    await local().revokeToken();
    const last = await newToken();
    expect(
      (await settle(vdc.client().discover({ address, token: last.toLowerCase().replace(/-/g, ' ') }))) instanceof Error,
    ).toBe(false);
  }, 90_000);

  it('no log line, state file or SQLite file holds any token in any accepted form', async () => {
    // Stop both cleanly, so everything buffered reaches the disk before the scan.
    await Promise.all([agent.stop(), vdc.stop()]);
    expect(issued.length).toBeGreaterThanOrEqual(3);
    const logs: Array<[string, string]> = [
      ['agent log', agent.logs().join('\n')],
      ['vDC log', vdc.logs().join('\n')],
    ];
    const files = [...filesUnder(agent.stateDir), ...filesUnder(vdc.stateDir)];
    const names = files.map((f) => path.basename(f));
    for (const expected of ['audit.log', 'agent.key', 'host-id', 'vdc.db', 'vdc-client.key', 'vdc-server.key']) {
      expect(names, `${expected} among the scanned files`).toContain(expected);
    }
    const contents: Array<[string, string]> = [
      ...logs,
      ...files.map((f) => [f, readFileSync(f, 'latin1')] as [string, string]),
    ];
    const leaks: string[] = [];
    for (const t of issued)
      for (const [where, text] of contents) if (containsToken(text, t)) leaks.push(`${t} in ${where}`);
    expect(leaks, 'places that hold a token').toEqual([]);
  });

  it('every file in both state directories, and both sockets, are 0600; the directories 0700', async () => {
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    const wide = [...filesUnder(agent.stateDir), ...filesUnder(vdc.stateDir)]
      .filter((f) => mode(f) !== '600')
      .map((f) => `${f}: ${mode(f)}`);
    expect(wide, 'state files readable by others').toEqual([]);
    expect(mode(agent.stateDir)).toBe('700');
    expect(mode(vdc.stateDir)).toBe('700');
    // The sockets exist only while the servers run.
    const [a, v] = await Promise.all([
      startAgent({ stateDir: agent.stateDir, host: agent.host, inventoryRoot: emptyRoot }),
      startVdc({ stateDir: vdc.stateDir, listen: 'none' }),
    ]);
    try {
      expect(mode(a.socketPath), 'agent socket').toBe('600');
      expect(mode(v.socketPath), 'vDC socket').toBe('600');
      const after = [...filesUnder(a.stateDir), ...filesUnder(v.stateDir)]
        .filter((f) => mode(f) !== '600')
        .map((f) => `${f}: ${mode(f)}`);
      expect(after, 'state files readable by others after a restart').toEqual([]);
    } finally {
      await Promise.all([a.cleanup(), v.cleanup()]);
    }
  });
});
