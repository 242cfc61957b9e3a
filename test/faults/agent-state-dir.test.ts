/**
 * The compiled agent with a state directory it cannot write: made
 * read-only under the running agent (a read-only bind mount over it), and
 * full (a 64 KiB tmpfs filled to the last byte). A join must fail with a
 * clear STATE_WRITE_FAILED (HOST_STATE_WRITE_FAILED at the vDC), leave no membership file and no temporary
 * file behind, keep the token usable, and succeed once the directory is
 * writable again. Mounting needs root (as in CI): for any other user both
 * tests are skipped with that reason in their titles; as root a mount that
 * fails is a failure, said plainly.
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

/** Why these tests cannot run for this user, or '' when they can: only root may mount. */
const NEEDS_ROOT =
  typeof process.getuid === 'function' && process.getuid() !== 0
    ? ' [skipped: needs root to mount a read-only or full state directory]'
    : '';

let root: string;
let emptyRoot: string;
let vdc: VdcProcess;
let vdcCert: CertificatePair;
const mounts: string[] = [];
const agents: AgentProcess[] = [];

function mount(args: string[], target: string): void {
  try {
    execFileSync('mount', [...args, target], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `these tests need root and a working mount(8) to make a read-only or full state directory: mount ${args.join(' ')} ${target} failed: ${String((err as { stderr?: Buffer }).stderr ?? err)}`,
    );
  }
}

function unmount(target: string): void {
  execFileSync('umount', [target], { stdio: 'pipe' });
  mounts.splice(mounts.indexOf(target), 1);
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'qx-state-faults-'));
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  [vdc, vdcCert] = await Promise.all([
    startVdc({ name: 'vdc-state', pollInterval: '1h' }),
    createSelfSignedCertificate('vdc-state'),
  ]);
});

afterAll(async () => {
  await stopAll(vdc, ...agents);
  for (const m of [...mounts].reverse()) execFileSync('umount', ['-l', m], { stdio: 'pipe' });
  rmSync(root, { recursive: true, force: true });
  rmSync(emptyRoot, { recursive: true, force: true });
});

/** Files the agent left in its state dir, temporary ones included. */
const listing = (dir: string) => readdirSync(dir).sort();

describe('a read-only state directory', () => {
  it.skipIf(NEEDS_ROOT !== '')(
    `a registration through the vDC fails with STATE_WRITE_FAILED, nothing half-written, and works once writable again${NEEDS_ROOT}`,
    async () => {
      const stateDir = path.join(root, 'ro-state');
      const agent = await startAgent({ host: '127.0.0.131', stateDir, inventoryRoot: emptyRoot });
      agents.push(agent);
      const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
      const before = listing(stateDir);
      mount(['--bind', stateDir], stateDir);
      mounts.push(stateDir);
      mount(['-o', 'remount,ro,bind'], stateDir);

      const cluster = await vdc.client().createCluster({ name: 'Read-only' });
      const address = `${agent.host}:${agent.port}`;
      const d = await vdc.client().discover({ address, token });
      const e = await vdc
        .client()
        .register({ discoveryId: d.discoveryId, clusterId: cluster.id })
        .then(
          () => null,
          (err: unknown) => err as QuantixError,
        );
      expect(e, 'registration onto a read-only state dir succeeded').toBeInstanceOf(QuantixError);
      expect(e!.code).toBe('HOST_STATE_WRITE_FAILED');
      expect(e!.hint).toMatch(/writable|disk/);
      expect(listing(stateDir), 'files in the state dir after the failed join').toEqual(before);
      const s = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
      expect(s.membership).toBeNull();
      expect(s.token.state, 'a failed write must not spend the token').toBe('active');
      expect(await vdc.client().listNodes(), 'the vDC keeps no row for a host that did not join').toEqual([]);
      expect(agent.logs().some((l) => /membership could not be saved/.test(l))).toBe(true);

      unmount(stateDir);
      const again = await vdc.client().discover({ address, token });
      const node = await vdc.client().register({ discoveryId: again.discoveryId, clusterId: cluster.id });
      expect(node.state).toBe('connected');
      expect(existsSync(path.join(stateDir, 'membership.json'))).toBe(true);
      await vdc.client().removeNode(node.id);
    },
    60_000,
  );
});

describe('a full state directory', () => {
  it.skipIf(NEEDS_ROOT !== '')(
    `a join fails with STATE_WRITE_FAILED, leaves no partial file, and works once space is freed${NEEDS_ROOT}`,
    async () => {
      const stateDir = path.join(root, 'full-state');
      mkdirSync(stateDir);
      mount(['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs'], stateDir);
      mounts.push(stateDir);
      const agent = await startAgent({ host: '127.0.0.132', stateDir, inventoryRoot: emptyRoot });
      agents.push(agent);
      const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
      const key = await deriveKey(canonicalizeToken(token)!);

      // Fill every remaining byte.
      const filler = path.join(stateDir, 'filler');
      const fd = openSync(filler, 'w');
      const block = Buffer.alloc(4096, 0x66);
      try {
        for (;;) writeSync(fd, block);
      } catch (err) {
        expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
      } finally {
        closeSync(fd);
      }
      const before = listing(stateDir);
      const join = (nodeId: string) =>
        new HostAgentClient({
          host: agent.host,
          port: agent.port,
          clientCertificate: vdcCert,
          localAddress: '127.0.0.133',
        }).join(key, {
          nodeId,
          vdc: {
            id: 'vdc-state',
            name: 'vdc-state',
            url: 'https://127.0.0.1:9443',
            clientCertFingerprint: vdcCert.fingerprint,
          },
          cluster: { id: 'c', name: 'Full' },
        });
      const e = await join('node-full').then(
        () => null,
        (err: unknown) => err as QuantixError,
      );
      expect(e, 'a join onto a full disk succeeded').toBeInstanceOf(QuantixError);
      expect(e!.code).toBe('HOST_STATE_WRITE_FAILED');
      expect(
        listing(stateDir),
        'files in the state dir after the failed join (no membership, no temporary file)',
      ).toEqual(before);
      expect((await new LocalAgentClient({ socketPath: agent.socketPath }).status()).token.state).toBe('active');

      unlinkSync(filler);
      const joined = await join('node-full');
      expect(joined.nodeId).toBe('node-full');
      expect((await new LocalAgentClient({ socketPath: agent.socketPath }).status()).membership?.nodeId).toBe(
        'node-full',
      );
      await agent.stop();
      unmount(stateDir);
    },
    60_000,
  );
});
