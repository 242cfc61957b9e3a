/**
 * What the vDC console shows, independent of the wire format: the model
 * turns API records into these, and the render functions draw only these.
 * Times are milliseconds since the epoch; a value the vDC does not know is
 * null.
 */
import type { Inventory, LiveUsage } from '../../common/protocol/inventory.js';

/** Product name in titles and messages. */
export const PRODUCT = 'Quantix vDC';

/** A host's connection state as the vDC's poller sees it. */
export type HostState = 'connected' | 'disconnected' | 'pending' | 'unknown';

/** A registered host. */
export interface HostView {
  id: string;
  hostname: string;
  address: string;
  port: number;
  clusterId: string;
  hostId: string;
  certificateFingerprint: string;
  state: HostState;
  /** When the state last changed. */
  stateSince: number | null;
  /** Last successful contact. */
  lastSeen: number | null;
  registeredAt: number | null;
  lastError: { code: string; message: string } | null;
  usage: LiveUsage | null;
  inventory: Inventory | null;
}

/** A cluster. */
export interface ClusterView {
  id: string;
  name: string;
  description: string;
  createdAt: number | null;
}
