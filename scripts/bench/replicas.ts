/**
 * Figure 7: the vDC on PostgreSQL with two replicas against the vDC on
 * SQLite, in the same run. A simulated fleet is registered through one
 * SQLite vDC, then a second fleet through two replicas sharing an embedded
 * PostgreSQL (alternating between them); then one poll round over the hosts
 * split between the replicas, the time for the survivor to take over and
 * check every host after the other replica is killed with SIGKILL the
 * moment it has renewed its leases (the worst case), and each
 * vDC's RSS. Tokens are single-use, so each back end gets its own fleet.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { formatToken } from '../../common/token/token.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { demoDatabaseUrl, type DemoPostgres } from '../demo/postgres.js';
import { startFleetProcess } from './fleet-client.js';
import {
  type BenchContext,
  dist,
  type Figure,
  figure,
  pool,
  procStats,
  scratch,
  startProgram,
  startVdcProgram,
  type VdcProgram,
} from './lib.js';

/** Hosts per back end (the targets are for 1,000). */
export const REPLICA_HOSTS = 1000;
const QUICK_HOSTS = 200;
const CONCURRENCY = 8;
const POLL_INTERVAL_S = 10;
const LEASE_S = 2;

/** Registers every host of a fresh fleet, spreading the requests over the given vDCs; seconds. */
async function registerFleet(
  ctx: BenchContext,
  vdcs: VdcProgram[],
  count: number,
  base: string,
  label: string,
): Promise<{ seconds: number; registered: number; close: () => Promise<void> }> {
  const fleet = await startFleetProcess({ count, stateRoot: scratch(ctx, `replicas-fleet-${label}`, true), base });
  try {
    const { tokens } = await fleet.tokens();
    const cluster = await vdcs[0]!.client.createCluster({ name: `bench-${label}` });
    let failed = 0;
    const t = performance.now();
    await pool(fleet.hosts, CONCURRENCY, async (h, i) => {
      const vdc = vdcs[i % vdcs.length]!;
      try {
        const found = await vdc.client.discover({
          address: formatHostPort(h.address, h.port),
          token: formatToken(tokens[i]!),
        });
        await vdc.client.register({ discoveryId: found.discoveryId, clusterId: cluster.id });
      } catch {
        failed++;
      }
    });
    const seconds = (performance.now() - t) / 1000;
    ctx.log(`replicas: ${label}: ${count - failed} of ${count} registered in ${seconds.toFixed(1)} s`);
    return { seconds, registered: count - failed, close: () => fleet.close() };
  } catch (err) {
    await fleet.close();
    throw err;
  }
}

/** Figure 7. */
export async function replicasBench(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? QUICK_HOSTS : REPLICA_HOSTS;
  const figures: Figure[] = [];

  // SQLite, one process.
  const sqlite = await startVdcProgram({ dir: scratch(ctx, 'replicas-sqlite'), pollInterval: `${POLL_INTERVAL_S}s` });
  let sqliteSeconds: number;
  let sqliteRss: number;
  try {
    const r = await registerFleet(ctx, [sqlite], count, '127.0.20.1', 'sqlite');
    sqliteSeconds = r.seconds;
    await sleep(POLL_INTERVAL_S * 1000 + 2000);
    sqliteRss = procStats(sqlite.pid).rssMb;
    await r.close();
  } finally {
    await sqlite.stop();
  }

  // PostgreSQL, two replicas.
  const pgConfig = join(scratch(ctx, 'replicas-pg'), 'postgres.json');
  const pgServer = startProgram(dist('scripts/demo/postgres.js'), ['--config', pgConfig]);
  const replicas: VdcProgram[] = [];
  let close: (() => Promise<void>) | null = null;
  try {
    await pgServer.waitForLine((r) => r.event === 'ready', 'PostgreSQL ready', 120_000);
    const conf = JSON.parse(readFileSync(pgConfig, 'utf8')) as DemoPostgres;
    const secret = join(scratch(ctx, 'replicas-key'), 'vdc-secret.key');
    const replica = (i: number) =>
      startVdcProgram({
        dir: scratch(ctx, `replicas-pg-${i}`),
        pollInterval: `${POLL_INTERVAL_S}s`,
        env: { QUANTIX_VDC_DATABASE: demoDatabaseUrl(conf) },
        args: ['--secret-file', secret, '--lease', `${LEASE_S}s`],
      });
    replicas.push(await replica(1));
    replicas.push(await replica(2));
    const r = await registerFleet(ctx, replicas, count, '127.0.30.1', 'postgresql');
    close = r.close;
    figures.push(
      figure(
        { figure: 7, name: `Register ${count} hosts, SQLite, one vDC`, unit: 's', note: `${CONCURRENCY} at a time` },
        [sqliteSeconds],
      ),
      figure(
        {
          figure: 7,
          name: `Register ${count} hosts, PostgreSQL, 2 replicas`,
          unit: 's',
          note: `${CONCURRENCY} at a time, alternating between the replicas; ${r.registered} registered`,
        },
        [r.seconds],
      ),
      figure({ figure: 7, name: 'Registration time, PostgreSQL / SQLite', unit: 'x', target: 1.3 }, [
        r.seconds / sqliteSeconds,
      ]),
    );

    // One round over the hosts split between the replicas: wait for a round on each that started after the registrations.
    const registeredAt = Date.now();
    const rounds = await Promise.all(
      replicas.map(async (v) => {
        for (;;) {
          const h = await v.client.health();
          if (
            h.poller.lastRoundAt !== null &&
            Date.parse(h.poller.lastRoundAt) > registeredAt &&
            h.poller.lastRoundMs !== null
          )
            return h.poller;
          await sleep(200);
        }
      }),
    );
    figures.push(
      figure(
        {
          figure: 7,
          name: `Poll round over ${count} hosts split between 2 replicas`,
          unit: 's',
          target: 5,
          note: `hosts per replica: ${rounds.map((p) => p.lastRoundHosts).join(' + ')}; the slower replica's round`,
        },
        [Math.max(...rounds.map((p) => p.lastRoundMs!)) / 1000],
      ),
    );
    const rss = replicas.map((v) => procStats(v.pid).rssMb);
    figures.push(
      figure(
        {
          figure: 7,
          name: `vDC RSS with ${count} hosts, SQLite (one process)`,
          unit: 'MB',
          target: count === 1000 ? 150 : null,
        },
        [sqliteRss],
      ),
      figure(
        {
          figure: 7,
          name: `vDC RSS with ${count} hosts, PostgreSQL replica (each polls half)`,
          unit: 'MB',
          target: count === 1000 ? 150 : null,
        },
        rss,
      ),
    );

    // Takeover: replica 2 killed; the clock runs until the survivor has checked every host replica 2 held. Split in
    // two: until the survivor holds every lease (the lease expiry, what the lease period governs), and the checks.
    const victim = (await replicas[1]!.client.health()).replicaId!;
    const survivorId = (await replicas[0]!.client.health()).replicaId!;
    const db = new pg.Client({ connectionString: demoDatabaseUrl(conf) });
    await db.connect();
    try {
      const held = new Set(
        (await db.query<{ id: string }>('SELECT id FROM nodes WHERE lease_owner = $1', [victim])).rows.map((x) => x.id),
      );
      const ids = [...held];
      // Killed the moment it has renewed its leases: they then run a whole period, the worst case, so the figure
      // does not depend on where in its renewal cycle the replica happened to die.
      const renewedAt = async () =>
        (
          await db.query<{ at: string | null }>(
            'SELECT MAX(lease_until)::text AS at FROM nodes WHERE lease_owner = $1',
            [victim],
          )
        ).rows[0]!.at;
      const before = await renewedAt();
      const waitUntil = Date.now() + 10 * LEASE_S * 1000;
      while ((await renewedAt()) === before) {
        if (Date.now() > waitUntil) throw new Error('the replica to kill did not renew its leases');
        await sleep(5);
      }
      const killedAt = Date.now();
      replicas[1]!.child.kill('SIGKILL');
      const killedIso = new Date(killedAt).toISOString();
      let claimedAt: number | null = null;
      // Watched in the database the replicas share, where every check is recorded: a cheap count every 25 ms.
      // Asking the survivor for its 1,000-host list instead would load the very process being timed.
      for (;;) {
        const { owned, checked } = (
          await db.query<{ owned: number; checked: number }>(
            `SELECT COUNT(*) FILTER (WHERE lease_owner = $1)::int AS owned,
                    COUNT(*) FILTER (WHERE state = 'connected' AND last_seen_at > $3)::int AS checked
               FROM nodes WHERE id = ANY($2::text[])`,
            [survivorId, ids, killedIso],
          )
        ).rows[0]!;
        if (claimedAt === null && owned === held.size) claimedAt = Date.now();
        if (claimedAt !== null && checked === held.size) break;
        if (Date.now() - killedAt > 10 * 60_000) throw new Error('the survivor did not take over within 10 minutes');
        await sleep(25);
      }
      const takeover = (Date.now() - killedAt) / 1000;
      const claimed = (claimedAt - killedAt) / 1000;
      figures.push(
        figure(
          {
            figure: 7,
            name: 'Takeover of a killed replica (until each of its hosts checked)',
            unit: 's',
            note: `${held.size} hosts; lease ${LEASE_S} s; poll interval ${POLL_INTERVAL_S} s`,
          },
          [takeover],
        ),
        figure({ figure: 7, name: 'Takeover, in lease periods', unit: 'leases', target: 2 }, [takeover / LEASE_S]),
        figure(
          {
            figure: 7,
            name: 'Takeover: until the survivor holds every lease, in lease periods',
            unit: 'leases',
            note: 'context: killed just after renewing, its leases run one whole period before they can be taken',
          },
          [claimed / LEASE_S],
        ),
        figure({ figure: 7, name: 'Takeover: checking the taken hosts (new TLS connections)', unit: 's' }, [
          takeover - claimed,
        ]),
      );
    } finally {
      await db.end();
    }
    return figures;
  } finally {
    await close?.();
    await Promise.all(replicas.map((v) => v.stop()));
    await pgServer.stop();
    try {
      const { dataDir } = JSON.parse(readFileSync(pgConfig, 'utf8')) as DemoPostgres;
      rmSync(dataDir, { recursive: true, force: true });
    } catch {
      // never started
    }
  }
}
