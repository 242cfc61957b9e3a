/**
 * The vDC as the console's controllers use it, with every request
 * counted as work in progress (TuiApp.busy), so a test can wait until
 * the answers are on the screen.
 */
import type { DiscoverOptions } from '../../../common/http/vdc-client.js';
import type {
  AuditListResponse,
  AuditQuery,
  Cluster,
  CreateClusterRequest,
  DiscoverRequest,
  DiscoverResponse,
  MaintenanceResponse,
  MoveNodeResponse,
  NodeDetail,
  RefreshNodeResponse,
  RegisterRequest,
  RemoveNodeResponse,
  RenameClusterResponse,
  TrendResponse,
} from '../../../common/protocol/vdc-api.js';
import type { BusyTracker } from '../../../common/tui/idle.js';
import type { DashboardHealth, DashboardSource, FirstAnswers } from '../model.js';

/** What the console needs from the vDC; VdcClient provides it. */
export interface ConsoleApi extends DashboardSource {
  health(): Promise<DashboardHealth>;
  createCluster(req: CreateClusterRequest): Promise<Cluster>;
  discover(req: DiscoverRequest, o?: DiscoverOptions): Promise<DiscoverResponse>;
  register(req: RegisterRequest): Promise<NodeDetail>;
  removeNode(id: string, opts?: { force?: boolean }): Promise<RemoveNodeResponse>;
  auditPage(query: AuditQuery): Promise<AuditListResponse>;
  /** Reads a host's inventory again; the answer says what changed. */
  refreshNode(id: string): Promise<RefreshNodeResponse>;
  setMaintenance(id: string, maintenance: boolean): Promise<MaintenanceResponse>;
  moveNode(id: string, clusterId: string): Promise<MoveNodeResponse>;
  renameCluster(idOrName: string, name: string): Promise<RenameClusterResponse>;
  nodeTrend(id: string): Promise<TrendResponse>;
  clusterTrend(idOrName: string): Promise<TrendResponse>;
}

/** The same API with each request counted by busy until it settles. */
export function trackRequests(api: ConsoleApi, busy: Pick<BusyTracker, 'track'>): ConsoleApi {
  return {
    health: () => busy.track(api.health()),
    listClusters: () => busy.track(api.listClusters()),
    listNodes: () => busy.track(api.listNodes()),
    getNode: (id) => busy.track(api.getNode(id)),
    createCluster: (req) => busy.track(api.createCluster(req)),
    discover: (req, o) => busy.track(api.discover(req, o)),
    register: (req) => busy.track(api.register(req)),
    removeNode: (id, opts) => busy.track(api.removeNode(id, opts)),
    auditPage: (query) => busy.track(api.auditPage(query)),
    refreshNode: (id) => busy.track(api.refreshNode(id)),
    setMaintenance: (id, on) => busy.track(api.setMaintenance(id, on)),
    moveNode: (id, clusterId) => busy.track(api.moveNode(id, clusterId)),
    renameCluster: (id, name) => busy.track(api.renameCluster(id, name)),
    nodeTrend: (id) => busy.track(api.nodeTrend(id)),
    clusterTrend: (id) => busy.track(api.clusterTrend(id)),
  };
}

/** The first answers with each request counted by busy until it settles. */
export function trackFirstAnswers(first: FirstAnswers, busy: Pick<BusyTracker, 'track'>): FirstAnswers {
  return {
    clusters: busy.track(first.clusters),
    nodes: busy.track(first.nodes),
    health: first.health ? busy.track(first.health) : null,
  };
}
