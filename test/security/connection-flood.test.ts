/**
 * Exhausting the daemons' descriptors with connections that do nothing:
 * 2,000 connections from ten loopback sources against the compiled agent's
 * HTTPS port and 2,000 against the vDC's: raw TCP that never starts TLS,
 * TLS with no request, TLS sending half a header, and (on the vDC, whose
 * kept-alive limit is 5 s) kept-alive HTTPS left idle after one answer. Both daemons run with an open-files limit of 1,024
 * (the usual default, under which 1,100 idle connections used to take the
 * agent's local socket down too). While the flood is held, the agent's
 * local socket still generates a token and the vDC, itself flooded, still
 * discovers the agent; every flood connection is then closed by the
 * servers within their bounds (a 40 s deadline; the longest bound is the
 * 10 s handshake or header limit plus its 1 s check). The vDC's flood runs
 * again with the vDC on PostgreSQL, whose pool needs descriptors too.
 */
import { readdirSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NETWORK_LISTENER_LIMITS } from '../../common/http/connection-guard.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { type AgentProcess, runAgentCli, startAgent } from '../helpers/agent.js';
import { usePostgres, type VdcBackend } from '../helpers/postgres.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const FD_LIMIT = 1024;
const CONNECTIONS = 2_000;
const SOURCES = Array.from({ length: 10 }, (_, i) => `127.0.11.${i + 1}`);
/** Connections opened before waiting for their outcome (under the listen backlog). */
const BATCH = 100;

type Kind = 'raw-tcp' | 'tls-no-request' | 'tls-slow-header' | 'idle-keep-alive';
const KINDS: Kind[] = [
  'raw-tcp',
  'tls-no-request',
  'tls-slow-header',
  'raw-tcp',
  'tls-no-request',
  'tls-slow-header',
  'raw-tcp',
  'tls-no-request',
];

interface Flood {
  sockets: net.Socket[];
  kinds: Map<net.Socket, Kind>;
  closed: Set<net.Socket>;
  /** Most descriptors the daemon held while the flood was opened. */
  peakFds: number;
  /** Most flood connections open at once. */
  peakOpen: number;
  /** Whether every connection was opened. */
  done: boolean;
}

let agent: AgentProcess;
const floods: Flood[] = [];
const postgres = usePostgres();

beforeAll(async () => {
  agent = await startAgent({ fdLimit: FD_LIMIT });
});

afterAll(async () => {
  for (const f of floods) for (const s of f.sockets) s.destroy();
  await stopAll(agent);
});

/** One run per vDC back end. */
const CASES: Array<{ backend: VdcBackend; floodAgent: boolean }> = [
  // The agent and the vDC flooded at once, the vDC on its embedded SQLite.
  { backend: 'sqlite', floodAgent: true },
  // The vDC alone, on PostgreSQL: its pool's connections are descriptors under the same limit, and the discover made
  // under the flood writes its session to the database. The agent does not depend on the vDC's store: flooded once.
  { backend: 'postgresql', floodAgent: false },
];

const fdsOf = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;
const limitOf = (pid: number) =>
  /Max open files\s+(\d+)/.exec(execFileSync('cat', [`/proc/${pid}/limits`], { encoding: 'utf8' }))?.[1];

/** Opens one connection of a kind from a source; resolves once it connected or failed. */
function open(kind: Kind, host: string, port: number, localAddress: string, f: Flood): Promise<void> {
  return new Promise((resolve) => {
    let socket: net.Socket;
    if (kind === 'raw-tcp') {
      socket = net.connect({ host, port, localAddress });
      socket.once('connect', () => resolve());
    } else if (kind === 'idle-keep-alive') {
      // One real request over a kept-alive connection, then nothing.
      const agentK = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
      const req = https.get({ host, port, localAddress, agent: agentK, path: AGENT_PATHS.hello }, (res) => {
        res.resume();
        res.once('end', () => resolve());
      });
      req.once('socket', (s) => {
        f.sockets.push(s);
        f.kinds.set(s, kind);
        s.once('close', () => f.closed.add(s));
      });
      req.once('error', () => resolve());
      return;
    } else {
      const t = tls.connect({
        host,
        port,
        localAddress,
        rejectUnauthorized: false,
        servername: 'localhost',
      } as tls.ConnectionOptions);
      t.once('secureConnect', () => {
        if (kind === 'tls-slow-header') t.write('GET /api/health HTTP/1.1\r\nHost: x\r\n');
        resolve();
      });
      socket = t;
    }
    socket.on('error', () => {});
    // Reads whatever comes, so the server's end of the connection is seen.
    socket.resume();
    socket.once('close', () => {
      f.closed.add(socket);
      resolve();
    });
    f.sockets.push(socket);
    f.kinds.set(socket, kind);
  });
}

/** Opens CONNECTIONS connections against host:port in bounded batches, sampling the daemon's descriptors. */
async function flood(f: Flood, host: string, port: number, pid: number, keepAlive: boolean): Promise<Flood> {
  for (let i = 0; i < CONNECTIONS; i += BATCH) {
    const batch: Array<Promise<void>> = [];
    for (let j = i; j < Math.min(CONNECTIONS, i + BATCH); j++) {
      const kind: Kind = keepAlive && j % 200 === 199 ? 'idle-keep-alive' : KINDS[j % KINDS.length]!;
      batch.push(open(kind, host, port, SOURCES[j % SOURCES.length]!, f));
    }
    await Promise.all(batch);
    f.peakFds = Math.max(f.peakFds, fdsOf(pid));
    f.peakOpen = Math.max(f.peakOpen, f.sockets.length - f.closed.size);
  }
  f.done = true;
  return f;
}

function newFlood(): Flood {
  const f: Flood = { sockets: [], kinds: new Map(), closed: new Set(), peakFds: 0, peakOpen: 0, done: false };
  floods.push(f);
  return f;
}

describe.each(CASES)('2,000 idle or slow connections against each daemon ($backend)', ({ backend, floodAgent }) => {
  let vdc: VdcProcess;

  beforeAll(async () => {
    const database = await postgres.database(backend);
    vdc = await startVdc({ name: 'vdc-flood', fdLimit: FD_LIMIT, ...(database ? { database } : {}) });
  });
  afterAll(async () => {
    await vdc.cleanup();
  });

  it('leave the local socket and a legitimate discover working, and are all closed within their bounds', async () => {
    const testLimit = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    const agentPid = agent.child.pid!;
    const vdcPid = vdc.child.pid!;
    expect(limitOf(agentPid)).toBe(String(FD_LIMIT));
    expect(limitOf(vdcPid)).toBe(String(FD_LIMIT));

    const onAgent = newFlood();
    const onVdc = newFlood();
    // Kept-alive idle connections only on the vDC: the agent keeps them 72 s on purpose (a vDC's health rounds reuse them).
    const flooding = Promise.all([
      floodAgent ? flood(onAgent, agent.host, agent.port, agentPid, false) : onAgent,
      flood(onVdc, '127.0.0.1', vdc.port, vdcPid, true),
    ]);
    const held = (f: Flood) => f.sockets.length - f.closed.size;
    // The servers hold as many flood connections as they let in (ten sources at their cap) before the checks start.
    await waitFor(
      'the daemons to hold flood connections',
      () => (!floodAgent || held(onAgent) >= 100) && held(onVdc) >= 100,
      30_000,
    );

    // While both are flooded: the agent's local socket answers, and the vDC discovers the agent.
    const heldDuringChecks = { agent: held(onAgent), vdc: held(onVdc) };
    const generated = await runAgentCli(['token', 'generate', '--json', '--socket', agent.socketPath]);
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    const token = (JSON.parse(generated.stdout) as { token: string }).token;
    const discovered = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
    expect(discovered.host.hostId).toBe(agent.hostId);
    const heldAfterChecks = { agent: held(onAgent), vdc: held(onVdc) };
    await flooding;
    expect(onAgent.sockets).toHaveLength(floodAgent ? CONNECTIONS : 0);
    expect(onVdc.sockets).toHaveLength(CONNECTIONS);
    // Once every connection was tried, the local socket still answers.
    const again = await runAgentCli(['token', 'show', '--json', '--socket', agent.socketPath]);
    expect(again.stderr).toBe('');
    expect((JSON.parse(again.stdout) as { token: string }).token).toBe(token);

    expect(onAgent.peakFds, 'descriptors the agent held during the flood').toBeLessThan(
      NETWORK_LISTENER_LIMITS.maxConnections + 64,
    );
    expect(onVdc.peakFds, 'descriptors the vDC held during the flood').toBeLessThan(
      NETWORK_LISTENER_LIMITS.maxConnections + 64,
    );

    const open = (f: Flood) => f.sockets.filter((s) => !f.closed.has(s));
    await waitFor(
      'every flood connection to be closed by the servers',
      () => open(onAgent).length === 0 && open(onVdc).length === 0,
      40_000,
      100,
    ).catch((err: unknown) => {
      const left = (f: Flood) => [...new Set(open(f).map((s) => f.kinds.get(s)))].join(', ');
      throw new Error(
        `${err instanceof Error ? err.message : String(err)}: still open on the agent ${open(onAgent).length} (${left(onAgent)}), on the vDC ${open(onVdc).length} (${left(onVdc)})`,
      );
    });
    console.info(
      `connection flood (vDC on ${backend}): test process ulimit -n ${testLimit}, daemons ${FD_LIMIT}; most held at once: agent ${onAgent.peakOpen}, vDC ${onVdc.peakOpen}; ` +
        `held around the checks: agent ${heldDuringChecks.agent}->${heldAfterChecks.agent}, vDC ${heldDuringChecks.vdc}->${heldAfterChecks.vdc}; ` +
        `peak descriptors: agent ${onAgent.peakFds}, vDC ${onVdc.peakFds}`,
    );
    expect(agent.child.exitCode).toBeNull();
    expect(vdc.child.exitCode).toBeNull();
  }, 180_000);
});
