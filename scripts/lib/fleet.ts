/**
 * A simulated fleet: many complete host agents inside one Node process, each
 * listening HTTPS on its own loopback address (127.0.x.y) with its own state
 * directory, local socket, certificate and token store, and the inventory of
 * one of the fixture hosts. The demo and the benchmarks register such fleets
 * with a real vDC.
 *
 * Fixture trees carry one machine identity each, so every simulated host gets
 * its own hostId and hostname on top of its fixture's inventory; one collector
 * per fixture is shared, which keeps a fleet of a thousand hosts cheap to start.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { createLogger, type Logger } from '../../common/log/logger.js';
import type { Inventory } from '../../common/protocol/inventory.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { createAgent, type RunningAgent } from '../../host-console/agent/agent.js';
import { createInventoryCollector, type InventoryCollector } from '../../host-console/inventory/index.js';

/** Repository root: the nearest directory above this file (compiled or source) that holds the fixture hosts. */
const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'test/fixtures/hosts')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The fixture hosts a fleet cycles through by default: the two that describe working machines. */
export const DEFAULT_FLEET_FIXTURES = ['server-2s', 'vm-minimal'].map((name) =>
  join(REPO_ROOT, 'test/fixtures/hosts', name),
);

/** Options of startFleet. */
export interface FleetOptions {
  /** How many agents (1 to 65 024 with the default base address). */
  count: number;
  /** Directory holding one state directory (and local socket) per agent; reused state keeps certificates across runs. */
  stateRoot: string;
  /** First address to use, `127.0.x.y` (default 127.0.1.1); `.0`, `.255` and 127.0.0.1 are skipped. */
  baseAddress?: string;
  /** Fixture trees assigned round-robin (default server-2s and vm-minimal). */
  fixtures?: string[];
  /** Port every agent listens on (default 0: each picks a free one). */
  port?: number;
  /** Token lifetime in seconds (default 3600). */
  tokenTtlSeconds?: number;
  /** Log level of the agents (default `error`: a thousand agents logging each request would measure the logger). */
  logLevel?: string;
  /** How many agents start at once (default 16). */
  startConcurrency?: number;
  /** Called as soon as each host listens, before the whole fleet is up (e.g. to generate its token while the others start). */
  onHost?: (host: FleetHost, index: number) => void;
}

/** One simulated host. */
export interface FleetHost {
  /** Its loopback address. */
  address: string;
  port: number;
  /** SHA-256 fingerprint of its HTTPS certificate. */
  fingerprint: string;
  hostId: string;
  hostname: string;
  /** The fixture tree its inventory comes from. */
  fixture: string;
  /** Its local API socket. */
  socketPath: string;
  /** Generates a registration token through the agent's local API, as the host console does; resolves with its canonical form. */
  generateToken(): Promise<string>;
}

/** A running fleet. */
export interface Fleet {
  hosts: FleetHost[];
  /** Stops every agent (state directories are kept). */
  close(): Promise<void>;
}

/** The n-th usable address from a base `127.0.x.y`, skipping network and broadcast octets and 127.0.0.1. */
export function fleetAddress(base: string, n: number): string {
  const m = /^127\.0\.(\d{1,3})\.(\d{1,3})$/.exec(base);
  if (!m) throw new Error(`base address ${base} is not of the form 127.0.x.y`);
  let x = Number(m[1]);
  let y = Number(m[2]);
  if (x > 255 || y > 255) throw new Error(`base address ${base} is not of the form 127.0.x.y`);
  const usable = () => y !== 0 && y !== 255 && !(x === 0 && y === 1);
  const step = () => {
    y += 1;
    if (y > 255) {
      y = 0;
      x += 1;
    }
    if (x > 255) throw new Error(`not enough addresses after ${base}`);
  };
  while (!usable()) step();
  for (let i = 0; i < n; i++) {
    step();
    while (!usable()) step();
  }
  return `127.0.${x}.${y}`;
}

/** A stable UUID for the i-th simulated host, so a reused state root keeps each host's identity. */
function simulatedHostId(i: number): string {
  const h = createHash('sha256').update(`quantix-fleet-host-${i}`).digest('hex');
  // RFC 4122 version 4 layout (variant bits set), so validators that check UUIDs accept it.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A per-host view of a shared collector: the fixture's hardware under this host's identity. */
function identityCollector(base: InventoryCollector, hostId: string, hostname: string): InventoryCollector {
  const own = (inv: Inventory): Inventory => ({ ...inv, system: { ...inv.system, hostId, hostname } });
  return {
    refresh: async () => own(await base.refresh()),
    get: async () => own(await base.get()),
    usage: () => base.usage(),
  };
}

/** A sink for the agents' log lines when nobody reads them. */
function discard(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}

/** Starts `count` agents and resolves once every one listens; on a failure the ones already started are stopped. */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  if (!Number.isInteger(opts.count) || opts.count < 1)
    throw new Error(`count must be a positive integer, got ${opts.count}`);
  const base = opts.baseAddress ?? '127.0.1.1';
  const fixtures = (opts.fixtures ?? DEFAULT_FLEET_FIXTURES).map((f) => resolve(f));
  if (fixtures.length === 0) throw new Error('at least one fixture tree is needed');
  mkdirSync(opts.stateRoot, { recursive: true, mode: 0o700 });
  const level = opts.logLevel ?? 'error';
  const logger: Logger = createLogger({ name: 'quantix-node', level, destination: level === 'silent' ? discard() : 2 });
  const collectors = fixtures.map((root, i) =>
    createInventoryCollector({ root, stateDir: join(opts.stateRoot, `fixture-${i}`) }),
  );
  // Collect each fixture once before the agents start, so they do not all race to collect it.
  await Promise.all(collectors.map((c) => c.get()));

  const agents: RunningAgent[] = [];
  const hosts = new Array<FleetHost>(opts.count);
  let next = 0;
  // The first start that failed stops the others from starting.
  const failures: Error[] = [];
  const startOne = async (i: number) => {
    const address = fleetAddress(base, i);
    const fixtureIndex = i % fixtures.length;
    const hostId = simulatedHostId(i);
    const hostname = `qx-sim-${String(i + 1).padStart(4, '0')}`;
    const stateDir = join(opts.stateRoot, `host-${i + 1}`);
    const socketPath = join(stateDir, 'node.sock');
    const agent = await createAgent({
      stateDir,
      socketPath,
      listenHost: address,
      listenPort: opts.port ?? 0,
      ...(opts.tokenTtlSeconds !== undefined ? { tokenTtlSeconds: opts.tokenTtlSeconds } : {}),
      inventory: identityCollector(collectors[fixtureIndex]!, hostId, hostname),
      logger,
    });
    agents.push(agent);
    const local = new LocalAgentClient({ socketPath });
    hosts[i] = {
      address,
      port: agent.port,
      fingerprint: agent.fingerprint,
      hostId: agent.hostId,
      hostname: agent.hostname,
      fixture: fixtures[fixtureIndex]!,
      socketPath,
      async generateToken() {
        const info = await local.generateToken();
        const canonical = canonicalizeToken(info.token);
        if (canonical === null) throw new Error(`agent ${address} issued a token that does not parse`);
        return canonical;
      },
    };
    opts.onHost?.(hosts[i], i);
  };
  const worker = async () => {
    while (failures.length === 0 && next < opts.count) {
      const i = next++;
      try {
        await startOne(i);
      } catch (err) {
        failures.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.startConcurrency ?? 16, opts.count) }, worker));

  const close = async () => {
    await Promise.allSettled(agents.map((a) => a.close()));
  };
  const failure = failures[0];
  if (failure !== undefined) {
    await close();
    throw failure;
  }
  return { hosts, close };
}
