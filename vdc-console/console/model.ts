/**
 * The dashboard's state: clusters and hosts polled from the vDC, the
 * selection and scroll position of each table (kept by id across
 * refreshes, so a row never jumps away from the cursor), the host filter,
 * and the last refresh problem. Emits `changed`; every failure goes to the
 * one `problem` field, which the screen turns into a status line.
 */
import { EventEmitter } from 'node:events';
import { QuantixError } from '../../common/protocol/errors.js';
import type { Cluster, HealthResponse, NodeDetail, NodeSummary, TrendResponse } from '../../common/protocol/vdc-api.js';
import { clusterTotals, hostsByCluster, type ClusterTotals } from './fleet.js';
import {
  CLUSTER_SORT_KEYS,
  compareClusters,
  compareHosts,
  DEFAULT_SORT,
  HOST_SORT_KEYS,
  nextSort,
  reverseSort,
  type TableSort,
} from './sort.js';

/** What the model reads; VdcClient satisfies it (and so does the benchmark's fixture). */
export interface DashboardSource {
  listClusters(): Promise<Cluster[]>;
  listNodes(): Promise<NodeSummary[]>;
  getNode(id: string): Promise<NodeDetail>;
  /** The vDC's name and, on PostgreSQL, its replicas; read with the lists while the back end may have replicas. */
  health?(): Promise<DashboardHealth>;
  /** A cluster's CPU and memory history (the selected cluster's, read once per trend bucket). */
  clusterTrend?(idOrName: string): Promise<TrendResponse>;
}

/** What the dashboard reads of `GET /api/health`. */
export type DashboardHealth = { vdc: Pick<HealthResponse['vdc'], 'name'> } & Partial<
  Pick<HealthResponse, 'backend' | 'replicas'>
>;

/**
 * The answers to the dashboard's first requests, asked for as soon as the
 * vDC is reached: the vDC reads and encodes its lists while the console
 * loads its screen code, and the model's first refresh takes them.
 */
export interface FirstAnswers {
  clusters: Promise<Cluster[]>;
  nodes: Promise<NodeSummary[]>;
  health: Promise<DashboardHealth> | null;
}

/** Sends the dashboard's first requests now (see FirstAnswers); a failure is reported by the refresh that takes it. */
export function requestFirstAnswers(source: DashboardSource): FirstAnswers {
  const first: FirstAnswers = {
    clusters: source.listClusters(),
    nodes: source.listNodes(),
    health: source.health ? source.health() : null,
  };
  // Held until the first refresh awaits them: a rejection before then is not an unhandled one.
  for (const p of [first.clusters, first.nodes, first.health]) p?.catch(() => undefined);
  return first;
}

/** Replicas of a vDC that has more than one: how many answer, of how many known. */
export interface ReplicaCount {
  alive: number;
  total: number;
}

/** The header's replica count: null for one process (SQLite, or a single replica). */
export function replicaCount(h: DashboardHealth): ReplicaCount | null {
  if (h.backend !== 'postgresql' || !h.replicas || h.replicas.length < 2) return null;
  return { alive: h.replicas.filter((r) => r.alive).length, total: h.replicas.length };
}

/** Which table has the keyboard. */
export type Pane = 'clusters' | 'hosts';

/** Selection and scroll of one table. */
export interface TableCursor {
  index: number;
  offset: number;
}

/** The last refresh failure, kept until a refresh succeeds. */
export interface RefreshProblem {
  error: QuantixError;
  since: number;
  attempts: number;
}

/** The state as the table words it, so a filter matches what is on screen. */
const STATE_WORD: Record<string, string> = {
  connected: 'connected',
  disconnected: 'down',
  pending: 'joining',
  left: 'left',
};

/** True when a host matches the filter text (name, address, state word, ids; any case). */
export function hostMatches(n: NodeSummary, filter: string): boolean {
  if (filter === '') return true;
  const f = filter.toLowerCase();
  return (
    n.hostname.toLowerCase().includes(f) ||
    n.address.toLowerCase().includes(f) ||
    (STATE_WORD[n.state] ?? n.state).startsWith(f) ||
    n.state === f ||
    n.id.toLowerCase().startsWith(f) ||
    n.hostId.toLowerCase().startsWith(f)
  );
}

/** The dashboard model. */
export class DashboardModel extends EventEmitter {
  clusters: Cluster[] = [];
  nodes: NodeSummary[] = [];
  /** Hosts per cluster id, in the hosts table's order (rebuilt on each refresh and each sort change). */
  private byCluster = new Map<string, NodeSummary[]>();
  /** Totals per cluster id (rebuilt on each refresh, not on each frame). */
  totals = new Map<string, ClusterTotals>();
  /** Hosts of the selected cluster that match the filter (rebuilt when either changes). */
  private visible: NodeSummary[] = [];
  pane: Pane = 'clusters';
  filter = '';
  /** The order of each table; `s` and `S` change the focused one's. */
  sort: Record<Pane, TableSort> = { clusters: DEFAULT_SORT, hosts: DEFAULT_SORT };
  clusterCursor: TableCursor = { index: 0, offset: 0 };
  hostCursor: TableCursor = { index: 0, offset: 0 };
  private selectedClusterId: string | null = null;
  private selectedHostId: string | null = null;
  loaded = false;
  lastRefreshAt: number | null = null;
  problem: RefreshProblem | null = null;
  /** The vDC's name, once health has answered. */
  vdcName: string | null = null;
  /** The replicas, when the vDC has more than one (see replicaCount). */
  replicas: ReplicaCount | null = null;
  /** The back end health reported; on SQLite there is one process, so health is not read again. */
  private backend: DashboardHealth['backend'] | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  /** The selected cluster's history, when loaded (check its id: it may still be the previous cluster's). */
  clusterTrend: TrendResponse | null = null;
  /** Which cluster's history was last asked for, and when. */
  private trendAsked: { id: string; at: number } | null = null;
  private trendLoading = false;
  /** The lists of the last refresh as the source gave them. */
  private received: { clusters: Cluster[] | null; nodes: NodeSummary[] | null } = { clusters: null, nodes: null };

  /** The first requests' answers, when they were asked for before the model existed; taken by the first refresh. */
  private first: FirstAnswers | null;

  constructor(
    private readonly source: DashboardSource,
    private readonly opts: { refreshMs: number; now?: () => number; first?: FirstAnswers | null },
  ) {
    super();
    this.first = opts.first ?? null;
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /** Starts polling (first refresh at once). */
  start(): void {
    this.stopped = false;
    void this.refresh();
  }

  /** Stops polling. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Refreshes now (joins a refresh already under way); never rejects: failures land in `problem`. */
  refresh(): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.inFlight = (async () => {
      try {
        const [clusters, nodes, h] = await Promise.all(this.requests());
        if (h) {
          this.vdcName = h.vdc.name;
          this.backend = h.backend ?? 'sqlite';
          this.replicas = replicaCount(h);
        }
        // The client hands back the very same arrays when the vDC says nothing changed: nothing to rebuild.
        if (clusters !== this.received.clusters || nodes !== this.received.nodes) {
          this.received = { clusters, nodes };
          this.apply(clusters, nodes);
        }
        this.syncTrend();
        this.problem = null;
        this.loaded = true;
        this.lastRefreshAt = this.now();
      } catch (err) {
        const error =
          err instanceof QuantixError
            ? err
            : new QuantixError('INTERNAL', {
                message: `Refresh failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
              });
        this.problem = { error, since: this.problem?.since ?? this.now(), attempts: (this.problem?.attempts ?? 0) + 1 };
      } finally {
        this.inFlight = null;
        if (!this.stopped) {
          this.timer = setTimeout(() => void this.refresh(), this.opts.refreshMs);
          this.timer.unref();
        }
        this.emit('changed');
      }
    })();
    return this.inFlight;
  }

  /** This refresh's requests: the first answers once, then new ones. */
  private requests(): [Promise<Cluster[]>, Promise<NodeSummary[]>, Promise<DashboardHealth | null>] {
    const first = this.first;
    this.first = null;
    if (first) return [first.clusters, first.nodes, first.health ?? Promise.resolve(null)];
    // Health is one more small request per refresh, and only while the vDC may have replicas.
    const health = this.source.health && this.backend !== 'sqlite' ? this.source.health() : Promise.resolve(null);
    return [this.source.listClusters(), this.source.listNodes(), health];
  }

  /** Fetches one host with its inventory (for the details screen). */
  node(id: string): Promise<NodeDetail> {
    return this.source.getNode(id);
  }

  private apply(clusters: Cluster[], nodes: NodeSummary[]): void {
    this.nodes = nodes;
    this.byCluster = hostsByCluster(nodes);
    this.totals = new Map(clusters.map((c) => [c.id, clusterTotals(this.byCluster.get(c.id) ?? [])]));
    this.clusters = [...clusters];
    this.order();
  }

  /** Sorts both tables by their keys; the cursors stay on the selected rows. */
  private order(): void {
    this.clusters.sort(compareClusters(this.sort.clusters, this.totals));
    const byHost = compareHosts(this.sort.hosts);
    for (const list of this.byCluster.values()) list.sort(byHost);
    this.reselect();
  }

  /** Sorts the focused table by its next key (`s`). */
  cycleSort(): TableSort {
    return this.setSort(
      this.pane,
      nextSort(this.sort[this.pane], this.pane === 'hosts' ? HOST_SORT_KEYS : CLUSTER_SORT_KEYS),
    );
  }

  /** Reverses the focused table's order (`S`). */
  reverseSort(): TableSort {
    return this.setSort(this.pane, reverseSort(this.sort[this.pane]));
  }

  private setSort(pane: Pane, s: TableSort): TableSort {
    this.sort = { ...this.sort, [pane]: s };
    this.order();
    this.emit('changed');
    return s;
  }

  /** Puts both cursors back on the selected ids after the lists changed. */
  private reselect(): void {
    let ci = this.selectedClusterId === null ? -1 : this.clusters.findIndex((c) => c.id === this.selectedClusterId);
    if (ci < 0) ci = Math.min(this.clusterCursor.index, Math.max(0, this.clusters.length - 1));
    this.clusterCursor = { ...this.clusterCursor, index: Math.max(0, ci) };
    this.selectedClusterId = this.clusters[this.clusterCursor.index]?.id ?? null;
    this.rebuildVisible();
  }

  /**
   * Loads the selected cluster's history when it is another cluster's or older than one bucket (at most a
   * minute); one request at a time, and the selection is checked again when it answers.
   */
  private syncTrend(): void {
    const id = this.selectedClusterId;
    if (!this.source.clusterTrend || id === null || this.trendLoading || this.stopped) return;
    const maxAge = Math.min(60_000, (this.clusterTrend?.bucketSeconds ?? 60) * 1000);
    if (this.trendAsked?.id === id && this.now() - this.trendAsked.at < maxAge) return;
    this.trendLoading = true;
    this.trendAsked = { id, at: this.now() };
    this.source
      .clusterTrend(id)
      .then(
        (trend) => {
          this.clusterTrend = trend;
        },
        // An older vDC has no trends: no line, asked again a minute later.
        () => {
          this.clusterTrend = null;
        },
      )
      .finally(() => {
        this.trendLoading = false;
        this.emit('changed');
        if (this.selectedClusterId !== id) this.syncTrend();
      });
  }

  private rebuildVisible(): void {
    const all = this.selectedClusterId ? (this.byCluster.get(this.selectedClusterId) ?? []) : [];
    this.visible = this.filter ? all.filter((n) => hostMatches(n, this.filter)) : all;
    let hi = this.selectedHostId === null ? -1 : this.visible.findIndex((n) => n.id === this.selectedHostId);
    if (hi < 0) hi = Math.min(this.hostCursor.index, Math.max(0, this.visible.length - 1));
    this.hostCursor = { ...this.hostCursor, index: Math.max(0, hi) };
    this.selectedHostId = this.visible[this.hostCursor.index]?.id ?? null;
    this.syncTrend();
  }

  /** The selected cluster, if any. */
  selectedCluster(): Cluster | null {
    return this.clusters[this.clusterCursor.index] ?? null;
  }

  /** The selected host, if any. */
  selectedHost(): NodeSummary | null {
    return this.visible[this.hostCursor.index] ?? null;
  }

  /** Hosts shown in the hosts table (selected cluster, filtered). */
  visibleHosts(): readonly NodeSummary[] {
    return this.visible;
  }

  /** All hosts of a cluster. */
  hostsOf(clusterId: string): readonly NodeSummary[] {
    return this.byCluster.get(clusterId) ?? [];
  }

  /** Moves the focused table's selection by delta rows (clamped); `Infinity` goes to the end. */
  move(delta: number): void {
    if (this.pane === 'clusters') {
      const n = this.clusters.length;
      if (n === 0) return;
      const index = Math.min(n - 1, Math.max(0, this.clusterCursor.index + delta));
      if (index === this.clusterCursor.index) return;
      this.clusterCursor = { ...this.clusterCursor, index };
      this.selectedClusterId = this.clusters[index]!.id;
      // A different cluster starts at its first host.
      this.hostCursor = { index: 0, offset: 0 };
      this.selectedHostId = null;
      this.rebuildVisible();
    } else {
      const n = this.visible.length;
      if (n === 0) return;
      const index = Math.min(n - 1, Math.max(0, this.hostCursor.index + delta));
      if (index === this.hostCursor.index) return;
      this.hostCursor = { ...this.hostCursor, index };
      this.selectedHostId = this.visible[index]!.id;
    }
    this.emit('changed');
  }

  /** Records the scroll offset the renderer settled on (so the next frame starts from it). */
  setOffset(pane: Pane, offset: number): void {
    if (pane === 'clusters') this.clusterCursor.offset = offset;
    else this.hostCursor.offset = offset;
  }

  /** Switches the focused table. */
  togglePane(): void {
    this.pane = this.pane === 'clusters' ? 'hosts' : 'clusters';
    this.emit('changed');
  }

  /** Sets the host filter, keeping the selected host when it still matches. */
  setFilter(filter: string): void {
    if (filter === this.filter) return;
    this.filter = filter;
    this.rebuildVisible();
    this.emit('changed');
  }

  /** Selects a cluster and a host by id (after the wizard added it); refreshes first when they are not known yet. */
  async select(clusterId: string, hostId: string | null): Promise<void> {
    if (!this.clusters.some((c) => c.id === clusterId) || (hostId && !this.nodes.some((n) => n.id === hostId)))
      await this.refresh();
    this.selectedClusterId = clusterId;
    this.selectedHostId = hostId;
    this.filter = '';
    this.reselect();
    if (hostId) this.pane = 'hosts';
    this.emit('changed');
  }
}
