/**
 * `quantix-vdc-console hosts add --from FILE` against a real vDC process
 * and 50 real agents (the simulated fleet: complete agents in this process,
 * each on its own 127.0.70.x address with its own certificate and token):
 * one host with a wrong token fails without stopping the others, the same
 * file run again skips the hosts already added, a file others can read or
 * write is refused unread, and no token ever appears in any output, log or
 * audit record.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { startFleet, type Fleet } from '../../scripts/lib/fleet.js';
import { runConsoleCli, tempDir } from '../e2e/vdc-console-support.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';

const HOSTS = 50;
/** The host given a wrong token on the first run. */
const WRONG = 17;

let vdc: VdcProcess;
let fleet: Fleet;
let dir: string;
/** Every token handed out in this file, canonical; none may ever be printed. */
const secrets: string[] = [];
const tokens: string[] = [];

/** A well-formed token that is not any host's. */
function strangerToken(): string {
  for (let i = 0; ; i++) {
    const t = formatToken(tokenFromRandom(new Uint8Array([9, i, 7, 5, 3, 1, 2])));
    if (!secrets.includes(t.replace(/^QUANTIX-|-/g, ''))) return t;
  }
}

/** Writes a host list with the given mode; returns its path. */
function writeList(name: string, lines: string[], mode = 0o600): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** The CSV list of the fleet, with host i's token replaced where given. */
function fleetCsv(replace: Record<number, string> = {}): string[] {
  return [
    'address,token,cluster',
    ...fleet.hosts.map((h, i) => `${h.address}:${h.port},${replace[i] ?? formatToken(tokens[i]!)},Fleet`),
  ];
}

/** Fails when a token shows in text, canonical or grouped, in any case. */
function expectNoToken(text: string): void {
  const upper = text.toUpperCase().replace(/-/g, '');
  for (const t of secrets) expect(upper).not.toContain(t);
}

async function cli(args: string[]) {
  return runConsoleCli(['hosts', 'add', ...args], { home: dir, socketPath: vdc.socketPath, timeoutMs: 240_000 });
}

async function discoveries(): Promise<number> {
  return (await vdc.client().audit({ limit: 1000 })).filter((e) => e.action === 'node.discover').length;
}

beforeAll(async () => {
  dir = tempDir('qx-bulk-');
  vdc = await startVdc({ name: 'bulk', pollInterval: '1h' });
  await vdc.client().createCluster({ name: 'Fleet' });
  fleet = await startFleet({ count: HOSTS, stateRoot: path.join(dir, 'fleet'), baseAddress: '127.0.70.1' });
  // One after another, as operators would: fifty at once only measure how the machine copes.
  for (const h of fleet.hosts) tokens.push(await h.generateToken());
  secrets.push(...tokens);
}, 180_000);

afterAll(async () => {
  await stopAll(fleet, vdc);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('hosts add --from FILE', () => {
  it('refuses a list others can read or write, or a run without a terminal or --yes, before any discovery', async () => {
    for (const mode of [0o644, 0o620, 0o604]) {
      const file = writeList(`loose-${mode.toString(8)}.csv`, fleetCsv(), mode);
      const r = await cli(['--from', file, '--yes']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('SECRET_FILE_NOT_PRIVATE');
      expect(r.stderr).toContain(`chmod 600 ${file}`);
      expectNoToken(r.stdout + r.stderr);
    }
    const file = writeList('no-yes.csv', fleetCsv());
    const noYes = await cli(['--from', file]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('USAGE_ERROR');
    expect(noYes.stderr).toContain('--yes');
    expect(await discoveries()).toBe(0);
  });

  it('reports bad lines by number and code without their tokens, and sends nothing for them', async () => {
    const good = formatToken(tokens[0]!);
    const typo = `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`;
    const file = writeList('bad.jsonl', [
      '# hosts for rack 4',
      JSON.stringify({ address: '127.0.70.250:8443', token: typo, cluster: 'Fleet' }),
      JSON.stringify({ address: good, token: '127.0.70.251', cluster: 'Fleet' }),
      `{"address": "127.0.70.252", "token": "${good}"`,
      JSON.stringify({ address: '127.0.70.253', cluster: 'Fleet' }),
    ]);
    const r = await cli(['--from', file, '--yes', '--json']);
    expect(r.code).toBe(5);
    const report = JSON.parse(r.stdout) as { hosts: Array<{ line: number; result: string; error: { code: string } }> };
    expect(report.hosts.map((h) => [h.line, h.result, h.error.code])).toEqual([
      [2, 'failed', 'TOKEN_FORMAT'],
      [3, 'failed', 'VALIDATION_ERROR'],
      [4, 'failed', 'VALIDATION_ERROR'],
      [5, 'failed', 'VALIDATION_ERROR'],
    ]);
    expect(r.stdout).toContain('columns swapped');
    expectNoToken(r.stdout + r.stderr);
    expect(r.stdout + r.stderr).not.toContain(typo.slice(8).replace(/-/g, ''));
    expect(await discoveries()).toBe(0);
  });

  it('adds 50 hosts on one confirmation; a host with a wrong token fails alone; a second run skips the added ones', async () => {
    const stranger = strangerToken();
    secrets.push(stranger.replace(/^QUANTIX-|-/g, ''));
    const file = writeList('fleet.csv', fleetCsv({ [WRONG]: stranger }));
    const first = await cli(['--from', file, '--yes', '--json']);
    expect(first.code).toBe(5);
    type Report = {
      hosts: Array<{
        line: number;
        result: string;
        hostname: string | null;
        nodeId: string | null;
        error: { code: string; hint: string } | null;
      }>;
      counts: { total: number; added: number; skipped: number; failed: number };
    };
    const report = JSON.parse(first.stdout) as Report;
    expect(report.counts).toEqual({ total: HOSTS, added: HOSTS - 1, skipped: 0, failed: 1 });
    const failed = report.hosts.find((h) => h.result === 'failed')!;
    expect(failed.line).toBe(WRONG + 2);
    expect(failed.error!.code).toBe('TOKEN_INVALID');
    expect(failed.error!.hint).toMatch(/host console/);
    // The progress line counted down to the end, and the next step names the re-run.
    expect(first.stderr).toMatch(/Adding: 49 done, 1 failed, 0 remaining/);
    expect(first.stderr).toContain('run the same file again');

    const nodes = await vdc.client().listNodes();
    expect(nodes).toHaveLength(HOSTS - 1);
    expect(new Set(nodes.map((n) => n.clusterName))).toEqual(new Set(['Fleet']));
    expect(nodes.map((n) => n.hostname).sort()).toEqual(
      report.hosts
        .filter((h) => h.result === 'added')
        .map((h) => h.hostname)
        .sort(),
    );

    // The failed host gets a fresh token; everything else is skipped without a discovery.
    const fresh = await fleet.hosts[WRONG]!.generateToken();
    secrets.push(fresh);
    const before = await discoveries();
    fs.writeFileSync(file, `${fleetCsv({ [WRONG]: formatToken(fresh) }).join('\n')}\n`);
    const second = await cli(['--from', file, '--yes']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`1 added, ${HOSTS - 1} skipped`);
    expect(second.stdout).toMatch(/qx-sim-0001 .*skipped: already in Fleet/);
    expect(await discoveries()).toBe(before + 1);
    expect(await vdc.client().listNodes()).toHaveLength(HOSTS);

    for (const text of [first.stdout, first.stderr, second.stdout, second.stderr, ...vdc.logs()]) expectNoToken(text);
    expectNoToken(JSON.stringify(await vdc.client().audit({ limit: 1000 })));
  }, 480_000);
});
