/**
 * The requests behind the dashboard's and the details screen's keys:
 * removing a host (asked first, forced only when the host could not be
 * told), loading a host's details, reading a host's inventory again,
 * creating a cluster.
 */
import { QuantixError } from '../../../common/protocol/errors.js';
import type { NodeSummary, RemoveNodeResponse } from '../../../common/protocol/vdc-api.js';
import type { FlashModel } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { plain } from '../../../common/tui/text.js';
import type { DashboardModel } from '../model.js';
import { describeRefresh } from '../render/inventory-change.js';
import { removeDialog, unreachableDialog } from '../screens/dialogs.js';
import { topScreen, type Store } from '../state.js';
import type { ConsoleApi } from './api.js';

/** Codes after which the host could not be told to leave: removal may be forced. */
const UNREACHABLE_CODES = ['HOST_UNREACHABLE', 'CONNECTION_TIMEOUT', 'TLS_ERROR', 'HOST_IDENTITY_CHANGED'];

/** The hosts' and clusters' controller. */
export interface HostController {
  askRemove: (n: NodeSummary) => void;
  openDetails: (n: NodeSummary) => void;
  /** Loads the host on the details screen again. */
  reloadDetails: () => Promise<void>;
  /** Reloads the details screen's host after a refresh, unless its first load is still under way. */
  refreshDetails: () => void;
  /** Asks the vDC to read the details screen's host's inventory again and says what changed. */
  refreshInventory: () => Promise<void>;
  /** True while a refresh of an inventory is under way. */
  inventoryRefreshing: () => boolean;
  createCluster: (name: string) => Promise<void>;
}

export function createHostController(d: {
  api: ConsoleApi;
  store: Store;
  model: DashboardModel;
  flash: FlashModel;
  glyphs: Glyphs;
}): HostController {
  const { api, store, model, flash } = d;

  const remove = async (n: NodeSummary, force: boolean): Promise<void> => {
    const name = plain(n.hostname);
    flash.show('info', `Removing ${name}${d.glyphs.ellipsis}`, Infinity);
    let r: RemoveNodeResponse;
    try {
      r = await api.removeNode(n.id, { force });
    } catch (err) {
      if (!force && err instanceof QuantixError && UNREACHABLE_CODES.includes(err.code)) {
        flash.clear();
        store.dispatch({ type: 'dialog', dialog: unreachableDialog(n, err.message, () => remove(n, true)) });
        return;
      }
      throw err;
    }
    const told = r.hostNotified ? '' : ' The host was not told: leave the cluster on its console (F9).';
    flash.show('ok', `Removed ${name} from ${plain(n.clusterName)}.${told}`);
    store.dispatch({ type: 'removed' });
    await model.refresh();
  };

  const loadDetails = async (): Promise<void> => {
    const id = store.state().details?.id;
    if (id === undefined) return;
    try {
      // The history is a bonus: a vDC that cannot give it (an older version) still shows the host.
      const [node, trend] = await Promise.all([model.node(id), api.nodeTrend(id).catch(() => null)]);
      store.dispatch({ type: 'detailsLoaded', id, node, trend });
    } catch (err) {
      flash.error(err);
      store.dispatch({ type: 'detailsLoaded', id, node: null });
    }
  };

  let refreshing = false;
  const refreshInventory = async (): Promise<void> => {
    const shown = store.state().details;
    if (!shown?.node || refreshing) return;
    const name = plain(shown.node.hostname);
    refreshing = true;
    flash.show('info', `Reading the inventory of ${name} again${d.glyphs.ellipsis}`, Infinity);
    try {
      const r = await api.refreshNode(shown.id);
      store.dispatch({ type: 'detailsLoaded', id: shown.id, node: r.node });
      flash.show(r.changes.length ? 'warn' : 'ok', describeRefresh(r.node.hostname, r.changes));
    } finally {
      refreshing = false;
    }
    // Capacity totals follow the new inventory.
    await model.refresh();
  };

  return {
    refreshInventory,
    inventoryRefreshing: () => refreshing,
    askRemove: (n) => store.dispatch({ type: 'dialog', dialog: removeDialog(n, (force) => remove(n, force)) }),
    openDetails(n) {
      store.dispatch({ type: 'openDetails', id: n.id, hostname: n.hostname });
      void loadDetails();
    },
    reloadDetails: loadDetails,
    refreshDetails() {
      const s = store.state();
      if (topScreen(s) === 'details' && s.details && !s.details.loading) void loadDetails();
    },
    async createCluster(name) {
      const c = await api.createCluster({ name });
      flash.show('ok', `Created cluster ${plain(c.name)}.`);
      await model.select(c.id, null);
      model.pane = 'clusters';
    },
  };
}
