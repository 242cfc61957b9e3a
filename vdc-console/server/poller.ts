/**
 * The health poller: every interval, each registered host's `node/status`
 * over mutual TLS, a bounded number at a time. A host that answers is
 * connected with its live usage; one that does not is disconnected with the
 * reason (its state's `since` stays at the first failure); one that says it
 * is not managed by this vDC has left. Pending hosts (a registration the
 * vDC could not finish, e.g. after a crash) are settled here too: joined →
 * completed, not joined → removed. Rounds never overlap.
 *
 * Replicas on one PostgreSQL database split the hosts with poll leases: each
 * round polls only the hosts this replica holds (`Store.claimHosts`), a
 * heartbeat every third of a lease period renews them, and the hosts of a
 * replica that stopped renewing are taken by the survivors the moment its
 * leases expire (the heartbeat before is timed to it) and checked at once,
 * beside the heartbeats so a slow check never holds up a renewal. A result is written only while its replica still holds the host's
 * lease, so a handover never makes a host's state flap. With SQLite the one
 * process holds every host.
 */
import { TlsConnectionPool } from '../../common/http/request.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { Logger } from '../../common/log/logger.js';
import type { HealthObservation, NodeRecord, ReplicaInfo, Store, TrendSample } from './store.js';
import { TREND_DEFAULTS, TrendAccumulator, type TrendSettings } from './trends.js';
import { NOT_OURS, type PollerStats, type VdcService } from './service.js';
import { MembershipRetry, reconcileMembership } from './membership-ops.js';

/** Poller settings. */
export interface PollerOptions {
  store: Store;
  service: VdcService;
  log: Logger;
  intervalMs: number;
  concurrency: number;
  /** Connections kept open between rounds (one per host, up to this many); the other hosts are dialled each round. */
  keptConnections?: number;
  /** This process as a replica of the vDC. */
  replica: ReplicaInfo;
  /** Poll lease period: a replica silent this long has its hosts taken over. */
  leaseMs: number;
  /** Trend buckets: each host's checks are averaged over one bucket and written once per bucket. */
  trends?: TrendSettings;
  now?: () => number;
}

/** Runs tasks with at most `limit` in flight. */
export async function runBounded<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Connections kept between rounds by default: 256 of them hold about 13 MB. A host beyond them costs a TCP and TLS
 * handshake per round instead (about 2 ms of vDC CPU each).
 */
export const DEFAULT_KEPT_CONNECTIONS = 256;

/** Results are written in batches so a thousand hosts cost a handful of transactions. */
const FLUSH_EVERY = 256;

/** A heartbeat meant to claim an expired lease runs this long after the expiry, so the expiry has surely passed. */
const EXPIRY_MARGIN_MS = 25;

/** The poller; `start` runs a first round at once (settling pending rows left by a crash). */
export class HealthPoller {
  private readonly o: PollerOptions;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private beatTimer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private beating: Promise<void> | null = null;
  /** Checks of hosts taken over from a replica that died, under way. */
  private readonly takeovers = new Set<Promise<void>>();
  /** In how many milliseconds another replica's next lease expires, from the last heartbeat. */
  private nextExpiryMs: number | null = null;
  /** Hosts this replica held at its last claim, and hosts being checked right now. */
  private owned = new Set<string>();
  private readonly inflight = new Set<string>();
  private databaseDown = false;
  private stopped = false;
  private readonly abort = new AbortController();
  /** Kept-alive, pinned connections between rounds, one per host up to a bound: no handshake for those hosts. */
  private readonly connections: TlsConnectionPool;
  /** Hosts that could not be told their membership: tried again less and less often. */
  private readonly membershipRetry: MembershipRetry;
  private stats: PollerStats;
  private readonly trendSettings: TrendSettings;
  private readonly trends: TrendAccumulator;

  constructor(o: PollerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
    this.membershipRetry = new MembershipRetry(o.intervalMs);
    this.connections = new TlsConnectionPool(o.keptConnections ?? DEFAULT_KEPT_CONNECTIONS);
    this.trendSettings = o.trends ?? TREND_DEFAULTS;
    this.trends = new TrendAccumulator(this.trendSettings.bucketMs);
    this.stats = { intervalSeconds: o.intervalMs / 1000, lastRoundAt: null, lastRoundHosts: 0, lastRoundMs: null };
    o.service.setPollerStats(() => ({ ...this.stats }));
  }

  /** Starts polling: one round now, then one per interval after the previous round ended; heartbeats every third of a lease. */
  start(): void {
    this.stopped = false;
    this.beat();
    this.schedule(0);
  }

  private beat(): void {
    if (this.stopped) return;
    this.beating = this.heartbeat().finally(() => {
      this.beating = null;
      if (this.stopped) return;
      this.beatTimer = setTimeout(() => {
        this.beatTimer = null;
        this.beat();
      }, this.nextBeatMs());
    });
  }

  /**
   * A third of a lease period, or sooner when another replica's lease runs out before then: a replica that
   * stopped renewing is noticed the moment its leases expire, not up to a third of a period later.
   */
  private nextBeatMs(): number {
    const period = Math.max(50, Math.floor(this.o.leaseMs / 3));
    if (this.nextExpiryMs === null) return period;
    return Math.min(period, Math.max(EXPIRY_MARGIN_MS, Math.ceil(this.nextExpiryMs) + EXPIRY_MARGIN_MS));
  }

  /** Renews this replica and its leases; checks at once the hosts it just took over from a replica that died. */
  private async heartbeat(): Promise<void> {
    try {
      await this.o.store.heartbeat(this.o.replica, this.o.leaseMs);
      if (this.databaseDown) this.o.log.info('database reachable again');
      this.databaseDown = false;
      if (this.o.store.backend !== 'postgresql') return;
      const claim = await this.o.store.takeOverHosts(this.o.replica.id, this.o.leaseMs, this.owned);
      this.owned = new Set(claim.held);
      this.nextExpiryMs = claim.nextExpiryMs;
      if (claim.taken.length > 0 && this.stats.lastRoundAt !== null) {
        this.o.log.info({ hosts: claim.taken.length }, 'took over hosts');
        this.checkTaken(claim.taken);
      }
    } catch (err) {
      this.nextExpiryMs = null;
      if (this.stopped) return;
      const code = err instanceof QuantixError ? err.code : 'INTERNAL';
      if (!this.databaseDown)
        this.o.log.warn({ code, err: code === 'INTERNAL' ? err : undefined }, 'heartbeat failed: leases not renewed');
      this.databaseDown = code === 'DATABASE_UNAVAILABLE';
    }
  }

  /**
   * Checks hosts just taken over beside the heartbeats, never in their way: a taken host that does not answer
   * holds its check for the response timeout, longer than a lease, and this replica must keep renewing meanwhile.
   */
  private checkTaken(nodes: readonly NodeRecord[]): void {
    const check: Promise<void> = this.pollNodes(nodes)
      .catch((err: unknown) => {
        this.o.log.error({ err }, 'check of taken hosts failed');
      })
      .finally(() => this.takeovers.delete(check));
    this.takeovers.add(check);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const started = this.now();
      this.running = this.round()
        .catch((err: unknown) => this.o.log.error({ err }, 'health round failed'))
        .finally(() => {
          this.running = null;
          this.schedule(Math.max(0, this.o.intervalMs - (this.now() - started)));
        });
    }, delayMs);
  }

  /** Stops polling and waits for a round under way to end (its requests are cancelled). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.beatTimer) clearTimeout(this.beatTimer);
    this.timer = null;
    this.beatTimer = null;
    this.abort.abort();
    await Promise.all([this.running, this.beating, ...this.takeovers]);
    this.connections.close();
    // The other replicas take this one's hosts at their next heartbeat rather than after a lease period.
    await this.o.store
      .leaveReplica(this.o.replica.id)
      .catch((err: unknown) => this.o.log.warn({ err }, 'could not release poll leases'));
  }

  /** One round over every host this replica holds that is not gone; resolves when all answered or timed out. */
  async round(): Promise<void> {
    const started = this.now();
    const cpuBefore = process.cpuUsage();
    const claimed = await this.o.store.claimHosts(this.o.replica.id, this.o.leaseMs);
    this.owned = new Set(claimed.map((n) => n.id));
    await this.pollNodes(claimed);
    this.trends.retain(this.owned);
    this.stats = {
      intervalSeconds: this.o.intervalMs / 1000,
      lastRoundAt: new Date(started).toISOString(),
      lastRoundHosts: claimed.length,
      lastRoundMs: this.now() - started,
    };
    const cpu = process.cpuUsage(cpuBefore);
    this.o.log.debug(
      { hosts: claimed.length, ms: this.stats.lastRoundMs, cpuMs: Math.round((cpu.user + cpu.system) / 1000) },
      'health round done',
    );
  }

  /** Checks hosts (skipping any being checked already) and records the results in batches. */
  private async pollNodes(all: readonly NodeRecord[]): Promise<void> {
    // A host with a registration under way in this process is settled by that registration, not here.
    const nodes = all.filter((n) => !this.inflight.has(n.id) && !this.o.service.registering.has(n.hostId));
    for (const n of nodes) this.inflight.add(n.id);
    let batch: HealthObservation[] = [];
    let samples: TrendSample[] = [];
    const flush = async () => {
      const b = batch;
      const t = samples;
      batch = [];
      samples = [];
      await this.o.store.recordHealth(b, this.o.replica.id, { samples: t, points: this.trendSettings.points });
    };
    try {
      await runBounded(nodes, this.o.concurrency, async (node) => {
        if (this.stopped) return;
        const obs = node.state === 'pending' ? await this.settlePending(node) : await this.check(node);
        if (obs) {
          const sample = this.trends.observe(node, obs);
          if (sample) samples.push(sample);
          batch.push(obs);
          if (batch.length >= FLUSH_EVERY) await flush();
        }
      });
      await flush();
    } finally {
      for (const n of nodes) this.inflight.delete(n.id);
    }
  }

  private client(node: NodeRecord) {
    return this.o.service.agent({
      host: node.address,
      port: node.port,
      pinnedFingerprint: node.certificateFingerprint,
      signal: this.abort.signal,
      connections: this.connections,
    });
  }

  /** Checks one registered host. */
  private async check(node: NodeRecord): Promise<HealthObservation | null> {
    const at = () => new Date(this.now()).toISOString();
    try {
      const st = await this.client(node).status();
      if (st.vdc.id !== this.o.service.identity.id || st.nodeId !== node.id) {
        return {
          nodeId: node.id,
          at: at(),
          state: 'left',
          error: { code: 'NOT_MANAGED_BY_YOU', message: `The host now belongs to vDC ${st.vdc.name}.` },
        };
      }
      await reconcileMembership(
        this.o.service.membershipDeps,
        node,
        st,
        this.membershipRetry,
        this.now(),
        this.abort.signal,
      );
      return { nodeId: node.id, at: at(), state: 'connected', usage: st.usage, hostname: st.hostname };
    } catch (err) {
      if (this.stopped) return null;
      const q = err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
      if (NOT_OURS.has(q.code)) {
        if (node.state !== 'left') this.o.log.info({ nodeId: node.id, hostId: node.hostId }, 'host left this vDC');
        return {
          nodeId: node.id,
          at: at(),
          state: 'left',
          error: { code: q.code, message: 'The host says it is no longer managed by this vDC.' },
        };
      }
      if (node.state === 'connected')
        this.o.log.warn({ nodeId: node.id, hostId: node.hostId, code: q.code }, 'host disconnected');
      return { nodeId: node.id, at: at(), state: 'disconnected', error: { code: q.code, message: q.message } };
    }
  }

  /** Settles a pending registration with the host. */
  private async settlePending(node: NodeRecord): Promise<null> {
    const service = this.o.service;
    const at = new Date(this.now()).toISOString();
    try {
      const st = await this.client(node).status();
      if (st.vdc.id === service.identity.id && st.nodeId === node.id) {
        await this.o.store.completeNode(node.id, at, st.hostname);
        await service.audit({
          action: 'node.register',
          outcome: 'ok',
          source: 'vdc',
          hostId: node.hostId,
          nodeId: node.id,
          clusterId: node.clusterId,
          detail: 'pending registration completed: the host had joined',
        });
        this.o.log.info({ nodeId: node.id, hostId: node.hostId }, 'pending registration completed');
      } else {
        await this.rollBack(node, `the host belongs to vDC ${st.vdc.name}`);
      }
    } catch (err) {
      if (this.stopped) return null;
      const q = err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
      if (NOT_OURS.has(q.code)) await this.rollBack(node, 'the host had not joined');
      else await this.o.store.recordNodeError(node.id, { code: q.code, message: q.message, at });
    }
    return null;
  }

  private async rollBack(node: NodeRecord, why: string): Promise<void> {
    await this.o.store.deleteNode(node.id);
    await this.o.service.audit({
      action: 'node.register',
      outcome: 'error',
      source: 'vdc',
      hostId: node.hostId,
      nodeId: node.id,
      clusterId: node.clusterId,
      code: 'NOT_MANAGED_BY_YOU',
      detail: `pending registration undone: ${why}`,
    });
    this.o.log.info({ nodeId: node.id, hostId: node.hostId }, 'pending registration undone');
  }
}
