/**
 * Fresh inventories of member hosts: on demand (`POST /api/nodes/:id/refresh`)
 * and on a slow schedule. Each refresh asks the host over mutual TLS for a
 * newly collected `node/inventory` (capped in size and checked against the
 * inventory schema by `HostAgentClient`), works out what changed, stores
 * the new inventory with its capacity figures and the change list, and
 * writes one `host.inventory` audit record. Nothing the host says reaches
 * an administrator except as the inventory's own fields and the change
 * lines made from them (inert, bounded).
 */
import type { HostAgentClient } from '../../common/http/host-agent-client.js';
import type { Logger } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import type { Inventory } from '../../common/protocol/inventory.js';
import type { RefreshNodeResponse } from '../../common/protocol/vdc-api.js';
import { neutralizeControls } from '../../common/tui/sanitize.js';
import { capacityOf } from './capacity.js';
import { diffInventory, summariseChanges } from './inventory-diff.js';
import { runBounded } from './poller.js';
import { NOT_OURS } from './service.js';
import type { AuditInput, NodeRecord, NodeRecordWithInventory, Store } from './store.js';
import { nodeDetailView } from './views.js';

/** Who asked for a refresh, for the audit: an administrator's request, or the schedule (source `vdc`). */
export interface RefreshCaller {
  source: string;
  actor: string | null;
  signal?: AbortSignal;
}

/** What a refresher needs from the vDC service. */
export interface InventoryRefresherOptions {
  store: Store;
  log: Logger;
  /** A client of one host with the vDC's client certificate and limits. */
  agent: (o: { host: string; port: number; pinnedFingerprint: string; signal?: AbortSignal }) => HostAgentClient;
  audit: (e: Omit<AuditInput, 'at'>) => Promise<void>;
  now: () => number;
}

/**
 * On-demand refreshes running at once: each holds one inventory answer (at
 * most 512 KiB) while it is read and compared; an administrator refreshes
 * one host at a time, a script a few.
 */
export const REFRESH_LIMIT = 8;

/** Reads hosts' inventories again and records what changed. */
export class InventoryRefresher {
  private readonly o: InventoryRefresherOptions;
  private running = 0;

  constructor(o: InventoryRefresherOptions) {
    this.o = o;
  }

  /** Refreshes one host now, for an administrator; HOST_NOT_FOUND, HOST_PENDING, or the host's coded failure. */
  async refresh(id: string, caller: RefreshCaller): Promise<RefreshNodeResponse> {
    // The bound first: a refused request costs no read of a stored inventory (up to 512 KiB to parse).
    if (this.running >= REFRESH_LIMIT)
      throw new QuantixError('BUSY', {
        message: `${REFRESH_LIMIT} inventory refreshes are already running on this vDC.`,
        hint: 'Try again in a few seconds, when they have ended.',
        retryAfterSeconds: 5,
      });
    this.running++;
    try {
      const node = await this.o.store.getNode(id);
      if (!node) throw new QuantixError('HOST_NOT_FOUND', { message: `No host with id "${id.slice(0, 64)}".` });
      const changes = await this.readAndStore(node, caller, true);
      const stored = await this.o.store.getNode(id);
      if (!stored) throw new QuantixError('HOST_NOT_FOUND', { message: 'The host was removed during the refresh.' });
      return { node: nodeDetailView(stored), changes };
    } finally {
      this.running--;
    }
  }

  /** Refreshes one host for the schedule; audited only when something changed. Throws like `refresh`. */
  async refreshScheduled(summary: NodeRecord, signal: AbortSignal): Promise<string[]> {
    const node = await this.o.store.getNode(summary.id);
    if (!node) return [];
    return this.readAndStore(node, { source: 'vdc', actor: null, signal }, false);
  }

  private async readAndStore(node: NodeRecordWithInventory, caller: RefreshCaller, auditAlways: boolean) {
    const base = {
      action: 'host.inventory',
      source: caller.source,
      actor: caller.actor,
      address: formatHostPort(node.address, node.port),
      hostId: node.hostId,
      nodeId: node.id,
      clusterId: node.clusterId,
    };
    let inventory: Inventory;
    try {
      if (node.state === 'pending')
        throw new QuantixError('HOST_PENDING', {
          message: `The registration of ${neutralizeControls(node.hostname)} is not settled yet.`,
        });
      inventory = await this.read(node, caller.signal);
    } catch (err) {
      const q = err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
      if (auditAlways) await this.o.audit({ ...base, outcome: 'error', code: q.code });
      throw q;
    }
    const changes = node.inventory ? diffInventory(node.inventory, inventory) : [];
    const at = new Date(this.o.now()).toISOString();
    await this.o.store.saveInventory(node.id, inventory, capacityOf(inventory), at, changes);
    if (auditAlways || changes.length > 0)
      await this.o.audit({ ...base, outcome: 'ok', detail: summariseChanges(changes) });
    this.o.log.debug({ nodeId: node.id, source: caller.source, changes: changes.length }, 'host inventory read');
    if (changes.length > 0)
      this.o.log.info({ nodeId: node.id, hostId: node.hostId, changes: changes.length }, 'host inventory changed');
    return changes;
  }

  /** The host's newly collected inventory, or an error in the vDC's words with what to do next. */
  private async read(node: NodeRecordWithInventory, signal?: AbortSignal): Promise<Inventory> {
    const name = neutralizeControls(node.hostname);
    const where = formatHostPort(node.address, node.port);
    let inventory: Inventory;
    try {
      inventory = await this.o
        .agent({
          host: node.address,
          port: node.port,
          pinnedFingerprint: node.certificateFingerprint,
          ...(signal ? { signal } : {}),
        })
        .inventory({ refresh: true });
    } catch (err) {
      const q = err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
      if (q.code === 'INTERNAL') throw q;
      const kept = node.inventoryAt ? ` The inventory from ${node.inventoryAt} is kept.` : '';
      throw new QuantixError(q.code, {
        message: `Could not read the inventory of ${name} (${where}): ${q.message}${kept}`,
        hint: NOT_OURS.has(q.code)
          ? 'The host says it is no longer managed by this vDC: remove it here, or add it again with a new token.'
          : `${q.hint} Then refresh again.`,
        ...(q.retryAfterSeconds !== undefined ? { retryAfterSeconds: q.retryAfterSeconds } : {}),
        cause: q,
      });
    }
    if (inventory.system.hostId !== node.hostId) {
      const said = neutralizeControls(inventory.system.hostId.slice(0, 64));
      throw new QuantixError('HOST_IDENTITY_CHANGED', {
        message: `The host at ${where} now reports host ID ${said}, not ${node.hostId}; its inventory was not stored.`,
        hint: 'If the machine really changed (a new system board), remove the host and add it again with a new token.',
      });
    }
    return inventory;
  }
}

/** Settings of the scheduled refresh. */
export interface InventorySchedulerOptions {
  refresher: InventoryRefresher;
  store: Store;
  log: Logger;
  /** An inventory older than this is read again. */
  intervalMs: number;
  /** This replica, when the store is shared: only hosts whose poll lease it holds are refreshed here. */
  replicaId?: string;
  now?: () => number;
}

/** Hosts refreshed at once by the schedule: each answer may be 512 KiB. */
const SCHEDULED_CONCURRENCY = 4;

/** Hosts refreshed in one tick at most; the rest wait for the next ticks, so a thousand hosts are spread out. */
const SCHEDULED_BATCH = 32;

/**
 * Reads again every inventory older than the interval, a few hosts at a
 * time. It looks for such hosts every quarter of the interval (at most
 * every minute, at least every 250 ms); a host whose refresh failed waits
 * an interval (at most ten minutes) before it is tried again.
 */
export class InventoryScheduler {
  private readonly o: InventorySchedulerOptions;
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  /** Hosts whose last scheduled refresh failed, and when they may be tried again. */
  private readonly retryAt = new Map<string, number>();

  constructor(o: InventorySchedulerOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  /** How often stale inventories are looked for. */
  get tickMs(): number {
    return Math.min(60_000, Math.max(250, Math.floor(this.o.intervalMs / 4)));
  }

  /** Starts looking for stale inventories (the first look after one tick). */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.tick()
        .catch((err: unknown) => {
          if (!this.stopped) this.o.log.warn({ err }, 'scheduled inventory refresh failed');
        })
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, this.tickMs);
  }

  /** One look: refreshes the stale inventories of hosts this replica holds. */
  async tick(): Promise<void> {
    const t = this.now();
    const before = new Date(t - this.o.intervalMs).toISOString();
    for (const [id, at] of this.retryAt) if (at <= t) this.retryAt.delete(id);
    const stale = await this.o.store.staleInventories(before, SCHEDULED_BATCH + this.retryAt.size, this.o.replicaId);
    const due = stale.filter((n) => !this.retryAt.has(n.id)).slice(0, SCHEDULED_BATCH);
    await runBounded(due, SCHEDULED_CONCURRENCY, async (node) => {
      if (this.stopped) return;
      try {
        await this.o.refresher.refreshScheduled(node, this.abort.signal);
      } catch (err) {
        // A refresh cancelled by stop() is no failure of the host.
        if (this.abort.signal.aborted) return;
        this.retryAt.set(node.id, this.now() + Math.min(this.o.intervalMs, 600_000));
        const code = err instanceof QuantixError ? err.code : 'INTERNAL';
        this.o.log.info({ nodeId: node.id, hostId: node.hostId, code }, 'scheduled inventory refresh failed');
      }
    });
  }

  /** Stops the schedule and waits for a look under way (its requests are cancelled). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running;
  }
}
