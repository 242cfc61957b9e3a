/**
 * Day-2 changes to where a host belongs and how it counts: maintenance mode,
 * moving a host to another cluster, renaming a cluster. The vDC's store is
 * the record; each host holds a copy (its cluster's id and name and the
 * maintenance flag) for its own console, pushed over mutual TLS to the
 * agent's one `node/membership` endpoint.
 *
 * Consistency: a move is refused unless the host took the new cluster first
 * (nothing changes when it cannot be reached), so the host console never
 * claims a cluster the vDC does not. Maintenance and rename are the vDC's
 * decisions and hold even while a host is down; the host is told at once when
 * it answers, else by the poller, which pushes the stored state to any host
 * whose status reports something else (`reconcileMembership`).
 */
import type { HostAgentClient } from '../../common/http/host-agent-client.js';
import type { Logger } from '../../common/log/logger.js';
import type { MembershipUpdateRequest, NodeStatusResponse } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import {
  type MaintenanceResponse,
  type MoveNodeResponse,
  parseMaintenanceRequest,
  parseMoveNodeRequest,
  parseRenameClusterRequest,
  type RenameClusterResponse,
} from '../../common/protocol/vdc-api.js';
import { runBounded } from './poller.js';
import type { AuditInput, NodeRecord, Store } from './store.js';
import { clusterView, nodeSummaryView } from './views.js';

/** Hosts told of a cluster's new name at once. */
export const RENAME_CONCURRENCY = 16;

/** What the operations need from the service. */
export interface MembershipOpsDeps {
  store: Store;
  /** A mutual-TLS client of one registered host. */
  agent: (node: NodeRecord, signal?: AbortSignal) => HostAgentClient;
  audit: (e: Omit<AuditInput, 'at'>) => Promise<void>;
  iso: () => string;
  log: Logger;
}

/** Who asked. */
interface Caller {
  source: string;
  actor: string | null;
  signal?: AbortSignal;
}

/** The membership document the vDC holds for a host. */
export function membershipOf(node: NodeRecord): MembershipUpdateRequest {
  return { cluster: { id: node.clusterId, name: node.clusterName }, maintenance: node.maintenanceSince !== null };
}

/** Whether a host's status shows a membership other than the one stored (an agent without the flag is left alone). */
export function membershipDiffers(node: NodeRecord, st: NodeStatusResponse): boolean {
  if (st.maintenance === undefined) return false;
  const want = membershipOf(node);
  return (
    st.cluster.id !== want.cluster.id || st.cluster.name !== want.cluster.name || st.maintenance !== want.maintenance
  );
}

/** Only a host that is (or was last) reachable as ours can be told anything. */
function reachable(node: NodeRecord): boolean {
  return node.state === 'connected' || node.state === 'disconnected';
}

/** Tells a host its membership; the error when it could not be told. */
async function tell(
  deps: MembershipOpsDeps,
  node: NodeRecord,
  body: MembershipUpdateRequest,
  signal?: AbortSignal,
): Promise<QuantixError | null> {
  try {
    await deps.agent(node, signal).updateMembership(body);
    return null;
  } catch (err) {
    return err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
  }
}

async function nodeOrThrow(store: Store, id: string): Promise<NodeRecord> {
  const n = await store.getNode(id);
  if (!n) throw new QuantixError('HOST_NOT_FOUND', { message: `No host with id "${id.slice(0, 64)}".` });
  return n;
}

function auditOf(node: NodeRecord, action: string, c: Caller) {
  return {
    action,
    source: c.source,
    actor: c.actor,
    address: formatHostPort(node.address, node.port),
    hostId: node.hostId,
    nodeId: node.id,
    clusterId: node.clusterId,
  };
}

/** `PUT /api/nodes/:id/maintenance`: recorded first, then the host is told (best effort). */
export async function setMaintenance(
  deps: MembershipOpsDeps,
  id: string,
  body: unknown,
  c: Caller,
): Promise<MaintenanceResponse> {
  const on = parseMaintenanceRequest(body).maintenance;
  const before = await nodeOrThrow(deps.store, id);
  const node = await deps.store.setMaintenance(id, on ? deps.iso() : null);
  if (!node) throw new QuantixError('HOST_NOT_FOUND', { message: `No host with id "${id.slice(0, 64)}".` });
  let reason: string | null = null;
  if (!reachable(node)) reason = `The host is ${node.state === 'pending' ? 'still being added' : 'no longer ours'}.`;
  else {
    const err = await tell(deps, node, membershipOf(node), c.signal);
    if (err) reason = `The host could not be told now (${err.code}); it will be once it answers.`;
  }
  const changed = (before.maintenanceSince !== null) !== on;
  await deps.audit({
    ...auditOf(node, 'host.maintenance', c),
    outcome: 'ok',
    detail: `${node.hostname}: maintenance ${on ? 'on' : 'off'}${changed ? '' : ' (already)'}${reason ? `; ${reason}` : ''}`,
  });
  return { node: nodeSummaryView(node), hostNotified: reason === null, reason };
}

/** Turns a failure to tell the host of a move into the refusal the caller sees. */
function moveRefusal(err: QuantixError, node: NodeRecord): QuantixError {
  return new QuantixError(err.code, {
    message: `${err.message} ${node.hostname} was not moved: nothing changed.`,
    hint:
      err.code === 'NOT_MANAGED_BY_YOU' || err.code === 'NOT_MANAGED'
        ? 'The host no longer belongs to this vDC: remove it, then add it again where it belongs.'
        : 'Bring the host back online (the vDC must reach it to move it), then retry.',
    cause: err,
  });
}

/**
 * `POST /api/nodes/:id/move`: the host takes the new cluster first, then the
 * vDC records it; a host that cannot be told is not moved.
 */
export async function moveNode(
  deps: MembershipOpsDeps,
  id: string,
  body: unknown,
  c: Caller,
): Promise<MoveNodeResponse> {
  const ref = parseMoveNodeRequest(body).clusterId;
  const node = await nodeOrThrow(deps.store, id);
  const base = auditOf(node, 'host.move', c);
  const from = { id: node.clusterId, name: node.clusterName };
  try {
    const target = await deps.store.findCluster(ref);
    if (!target)
      throw new QuantixError('CLUSTER_NOT_FOUND', {
        message: `No cluster with id or name "${ref.slice(0, 63)}"; ${node.hostname} was not moved.`,
        hint: 'List clusters with `quantix-vdc-console clusters list`, or create it first with `clusters create NAME`.',
      });
    if (target.id === node.clusterId) {
      await deps.audit({ ...base, outcome: 'ok', detail: `${node.hostname} already in cluster ${target.name}` });
      return { node: nodeSummaryView(node), from, moved: false };
    }
    if (!reachable(node))
      throw new QuantixError('HOST_NOT_MOVABLE', {
        message: `${node.hostname} is ${node.state === 'pending' ? 'still being added' : 'no longer managed by this vDC'}; it was not moved.`,
      });
    const err = await tell(
      deps,
      node,
      { cluster: { id: target.id, name: target.name }, maintenance: node.maintenanceSince !== null },
      c.signal,
    );
    if (err) throw moveRefusal(err, node);
    const moved = await recordMove(deps, node, target.id);
    await deps.audit({
      ...base,
      outcome: 'ok',
      clusterId: target.id,
      detail: `${node.hostname}: cluster ${from.name} -> ${target.name}`,
    });
    return { node: nodeSummaryView(moved), from, moved: true };
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    await deps.audit({ ...base, outcome: 'error', code, detail: `${node.hostname} to ${ref.slice(0, 63)}` });
    throw err;
  }
}

/** Records a move the host already took; if the store refuses (the cluster just vanished) the host is told back. */
async function recordMove(deps: MembershipOpsDeps, node: NodeRecord, clusterId: string): Promise<NodeRecord> {
  try {
    return await deps.store.moveNode(node.id, clusterId);
  } catch (err) {
    // The poller would also put it back at its next round; telling it now keeps the host console right.
    const back = await tell(deps, node, membershipOf(node));
    if (back) deps.log.warn({ nodeId: node.id, code: back.code }, 'host keeps a cluster the vDC did not record');
    throw err;
  }
}

/**
 * `POST /api/clusters/:id/rename`: renamed in the store (CLUSTER_EXISTS when
 * the name is taken), then each host of the cluster is told, a bounded number
 * at a time; a host that cannot be told now is told by the poller later.
 */
export async function renameCluster(
  deps: MembershipOpsDeps,
  idOrName: string,
  body: unknown,
  c: Caller,
): Promise<RenameClusterResponse> {
  const name = parseRenameClusterRequest(body).name;
  const found = await deps.store.findCluster(idOrName);
  const base = { action: 'cluster.rename', source: c.source, actor: c.actor, clusterId: found?.id ?? null };
  let cluster;
  try {
    if (!found)
      throw new QuantixError('CLUSTER_NOT_FOUND', {
        message: `No cluster with id or name "${idOrName.slice(0, 63)}".`,
      });
    cluster = await deps.store.renameCluster(found.id, name);
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    await deps.audit({ ...base, outcome: 'error', code, detail: `${found?.name ?? idOrName.slice(0, 63)} -> ${name}` });
    throw err;
  }
  const hosts = (await deps.store.listNodes({ clusterId: cluster.id })).filter(reachable);
  let told = 0;
  await runBounded(hosts, RENAME_CONCURRENCY, async (n) => {
    if (!(await tell(deps, n, membershipOf(n), c.signal))) told++;
  });
  const pending = hosts.length - told;
  await deps.audit({
    ...base,
    outcome: 'ok',
    detail: `${found.name} -> ${cluster.name}; ${told} host${told === 1 ? '' : 's'} told${pending ? `, ${pending} to be told when they answer` : ''}`,
  });
  return { cluster: clusterView(cluster), previousName: found.name, hostsNotified: told, hostsPending: pending };
}

/**
 * Hosts that could not be told their membership, and when to try again: after the n-th failure in a row the
 * next try waits 2^(n-1) poll intervals (at most 32), and only the 1st, 2nd, 4th, 8th… failure is logged, so a
 * host that keeps refusing costs neither a request nor a log line every round. One entry per such host.
 */
export class MembershipRetry {
  private readonly failing = new Map<string, { failures: number; nextAt: number }>();

  constructor(private readonly intervalMs: number) {}

  /** Whether a try is due for this host now. */
  due(nodeId: string, now: number): boolean {
    const f = this.failing.get(nodeId);
    return !f || now >= f.nextAt;
  }

  /** Records a failure; true when it is to be logged. */
  failed(nodeId: string, now: number): boolean {
    const failures = (this.failing.get(nodeId)?.failures ?? 0) + 1;
    const waitRounds = Math.min(2 ** (failures - 1), 32);
    // An interval less a little, so a round that starts a hair early still finds the try due.
    this.failing.set(nodeId, { failures, nextAt: now + waitRounds * this.intervalMs - this.intervalMs / 2 });
    return (failures & (failures - 1)) === 0;
  }

  /** The host took its membership (or no longer differs): it starts afresh. */
  succeeded(nodeId: string): void {
    this.failing.delete(nodeId);
  }
}

/**
 * The poller's catch-up: a host whose status shows another membership than
 * the store's is told the stored one. The row is read again first, so a move
 * or rename recorded since the round began is not undone. A host that could
 * not be told is tried again later, as `retry` says.
 */
export async function reconcileMembership(
  deps: Pick<MembershipOpsDeps, 'store' | 'agent' | 'log'>,
  node: NodeRecord,
  st: NodeStatusResponse,
  retry: MembershipRetry,
  now: number,
  signal?: AbortSignal,
): Promise<void> {
  if (!membershipDiffers(node, st)) {
    retry.succeeded(node.id);
    return;
  }
  if (!retry.due(node.id, now)) return;
  // Never fails the health check: a host that answered is connected, whether or not it could be told.
  try {
    const fresh = await deps.store.getNode(node.id);
    if (!fresh || !membershipDiffers(fresh, st)) return;
    await deps.agent(fresh, signal).updateMembership(membershipOf(fresh));
    retry.succeeded(node.id);
    deps.log.info({ nodeId: node.id, clusterName: fresh.clusterName }, 'host told its membership');
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    if (retry.failed(node.id, now)) deps.log.warn({ nodeId: node.id, code }, 'host could not be told its membership');
  }
}
