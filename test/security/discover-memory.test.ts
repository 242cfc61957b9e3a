/**
 * Discover cannot exhaust the vDC's memory. 500 discoveries are started at
 * once against TLS targets that say hello as an agent would (so each
 * admitted discovery derives its scrypt key), then answer slowly (8 KiB
 * every 50 ms) with 1 MiB, more than the agent answer cap: the compiled vDC
 * admits at most 16 in total and 8 per caller (the local socket, each API
 * token), refuses the rest at once
 * with TOO_MANY_DISCOVERIES (503, Retry-After), cuts every oversized answer
 * at the cap, and its RSS stays within 100 MB of what it was before the
 * burst while /api/health keeps answering.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { AGENT_API_VERSION, AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';

/** Bytes each target sends per answer, and how: 8 KiB every 50 ms, so the vDC's cap (512 KiB) is reached after about 3 s. */
const ANSWER_BYTES = 1024 * 1024;
const CHUNK = 8 * 1024;

/** A TLS service that answers every request with a slow 1 MiB body; it counts connections open at once. */
interface SlowTarget {
  host: string;
  port: number;
  maxOpen: number;
  accepted: number;
  close(): Promise<void>;
}

async function slowTarget(host: string): Promise<SlowTarget> {
  const cert = await createSelfSignedCertificate(`slow-${host}`);
  const sockets = new Set<net.Socket>();
  const t: SlowTarget = { host, port: 0, maxOpen: 0, accepted: 0, close: async () => undefined };
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    if (req.url === AGENT_PATHS.hello) {
      // Says hello as an agent would, so every admitted discovery also derives its key.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          apiVersion: AGENT_API_VERSION,
          hostId: `slow-${host}`,
          hostname: 'slow',
          agentVersion: '1.0.0',
          managed: false,
          time: new Date().toISOString(),
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.on('error', () => undefined);
    const chunk = Buffer.alloc(CHUNK, 0x20);
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= ANSWER_BYTES) {
        clearInterval(timer);
        if (!res.destroyed) res.end();
        return;
      }
      sent += CHUNK;
      res.write(chunk);
    }, 50);
    res.on('close', () => clearInterval(timer));
  });
  server.on('secureConnection', (s: net.Socket) => {
    t.accepted++;
    sockets.add(s);
    t.maxOpen = Math.max(t.maxOpen, sockets.size);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  t.port = (server.address() as net.AddressInfo).port;
  t.close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return t;
}

/** CPU time a process has used (user + system), ms. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
    .replace(/^.*\) /, '')
    .split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name; in clock ticks (100 a second).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Resident set size of a process, bytes. */
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

const targets: SlowTarget[] = [];
const postgres = usePostgres();

beforeAll(async () => {
  for (const host of ['127.0.0.61', '127.0.0.62', '127.0.0.63']) targets.push(await slowTarget(host));
});
afterAll(async () => {
  await Promise.all(targets.map((t) => t.close()));
});

/** A well-formed token no host issued. */
const token = formatToken(tokenFromRandom(new Uint8Array(16).map((_, i) => (i * 29 + 3) & 0xff)));

async function remoteClient(vdc: VdcProcess, name: string): Promise<VdcClient> {
  const created = await runVdcCli(['api-token', 'create', name, '--state-dir', vdc.stateDir, '--json'], vdc.cliEnv());
  const apiToken = (JSON.parse(created.stdout) as { token: string }).token;
  return new VdcClient(
    { kind: 'https', host: '127.0.0.60', port: vdc.port, apiToken, fingerprint: vdc.serverFingerprint },
    { responseTimeoutMs: 60_000 },
  );
}

// Both back ends: every request from an API token is authenticated against the store, and /api/health reads the
// replicas and counts from it, so on PostgreSQL the burst also contends for the database pool.
describe.each(VDC_BACKENDS)('a burst of discoveries (%s)', (backend) => {
  let vdc: VdcProcess;

  beforeAll(async () => {
    const database = await postgres.database(backend);
    vdc = await startVdc({
      name: 'vdc-burst',
      listen: '127.0.0.60:0',
      responseTimeout: '20s',
      ...(database ? { database } : {}),
    });
  });
  afterAll(async () => {
    await vdc.cleanup();
  });

  it('500 at once: at most 16 run (8 per caller), the rest get 503 with Retry-After, RSS stays within 100 MB and health answers', async () => {
    const local = new VdcClient({ kind: 'socket', socketPath: vdc.socketPath }, { responseTimeoutMs: 60_000 });
    const [alice, bob] = [await remoteClient(vdc, 'burst-alice'), await remoteClient(vdc, 'burst-bob')];
    const pid = vdc.child.pid!;
    // Warm: one discovery of each kind, so the baseline includes the code and TLS contexts every discovery uses.
    for (const [client, t] of [
      [local, targets[0]!],
      [alice, targets[1]!],
    ] as const) {
      await expect(client.discover({ address: `${t.host}:${t.port}`, token })).rejects.toMatchObject({
        code: 'HOST_PROTOCOL_ERROR',
      });
    }
    const idle = rssOf(pid);
    const cpuBefore = cpuMsOf(pid);

    // The local socket floods; two API tokens ask a few each at the same time.
    const plan: Array<[VdcClient, SlowTarget, number]> = [
      [local, targets[0]!, 480],
      [alice, targets[1]!, 10],
      [bob, targets[2]!, 10],
    ];
    for (const t of targets) t.maxOpen = 0;
    let peak = idle;
    let healthFailures = 0;
    const healthMs: number[] = [];
    // A monitoring probe: health asked again 5 ms after each answer.
    const sampling = new AbortController();
    const sampler = (async () => {
      while (!sampling.signal.aborted) {
        peak = Math.max(peak, rssOf(pid));
        const t0 = performance.now();
        try {
          await local.health();
          healthMs.push(performance.now() - t0);
        } catch {
          healthFailures++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const outcomes = await Promise.all(
      plan.flatMap(([client, t, n]) =>
        Array.from({ length: n }, () =>
          client.discover({ address: `${t.host}:${t.port}`, token }).then(
            () => 'ok',
            (e: unknown) => e,
          ),
        ),
      ),
    );
    sampling.abort();
    await sampler;
    const cpuMs = cpuMsOf(pid) - cpuBefore;

    const codes = new Map<string, number>();
    for (const o of outcomes) {
      const code = o instanceof QuantixError ? o.code : String(o);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const busy = outcomes.filter(
      (o): o is QuantixError => o instanceof QuantixError && o.code === 'TOO_MANY_DISCOVERIES',
    );
    const sorted = [...healthMs].sort((a, b) => a - b);
    const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? NaN;
    console.log(
      `discover burst (${backend}): ${JSON.stringify(Object.fromEntries(codes))}; vDC CPU ${cpuMs} ms; RSS idle ${(idle / 2 ** 20).toFixed(1)} MiB, peak ${(peak / 2 ** 20).toFixed(1)} MiB (+${((peak - idle) / 2 ** 20).toFixed(1)}); ` +
        `target connections at once ${targets.map((t) => t.maxOpen).join('/')}; health ${healthMs.length} samples, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
    );

    const odd = outcomes.find(
      (o) => !(o instanceof QuantixError) || !['HOST_PROTOCOL_ERROR', 'TOO_MANY_DISCOVERIES'].includes(o.code),
    );
    expect(odd, odd instanceof Error ? odd.message : String(odd)).toBeUndefined();
    // Every answer is one of the two expected, never a 500.
    expect([...codes.keys()].sort()).toEqual(['HOST_PROTOCOL_ERROR', 'TOO_MANY_DISCOVERIES']);
    expect(busy.length).toBeGreaterThan(400);
    for (const e of busy) expect(e).toMatchObject({ status: 503, retryAfterSeconds: 5 });
    // The caps, seen from the targets: per caller, and in total.
    for (const t of targets) expect(t.maxOpen).toBeLessThanOrEqual(8);
    expect(targets.reduce((n, t) => n + t.maxOpen, 0)).toBeLessThanOrEqual(16);
    // The flood of one caller leaves room for the others.
    expect(targets[1]!.maxOpen + targets[2]!.maxOpen).toBeGreaterThan(0);
    expect(peak - idle).toBeLessThan(100 * 1024 * 1024);
    expect(healthFailures).toBe(0);
    expect(healthMs.length).toBeGreaterThan(0);
  }, 120_000);
});
