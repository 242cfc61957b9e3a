/**
 * The requests behind maintenance, move and rename in the console: each
 * asks first (a dialog or a prompt), then calls the vDC and says in the
 * status line what happened, including a host that could not be told.
 */
import type { NodeSummary } from '../../../common/protocol/vdc-api.js';
import type { FlashModel } from '../../../common/tui/flash.js';
import { plain } from '../../../common/tui/text.js';
import type { DashboardModel } from '../model.js';
import { maintenanceDialog, moveDialog, MOVE_PAGE_SIZE, moveTargets } from '../screens/membership-dialogs.js';
import type { Store } from '../state.js';
import type { ConsoleApi } from './api.js';

/** Maintenance, move and rename. */
export interface MembershipController {
  askMaintenance: (n: NodeSummary) => void;
  askMove: (n: NodeSummary) => void;
  renameCluster: (id: string, name: string) => Promise<void>;
}

export function createMembershipController(d: {
  api: ConsoleApi;
  store: Store;
  model: DashboardModel;
  flash: FlashModel;
  /** The key being handled (the digit that picked a cluster). */
  pressedKey: () => string | undefined;
}): MembershipController {
  const { api, store, model, flash } = d;

  const setMaintenance = async (n: NodeSummary, on: boolean): Promise<void> => {
    const r = await api.setMaintenance(n.id, on);
    const name = plain(n.hostname);
    const told = r.hostNotified ? '' : ` ${plain(r.reason ?? 'The host was not told yet.')}`;
    flash.show(
      'ok',
      on
        ? `${name} is in maintenance: not counted in capacity totals.${told}`
        : `${name} is out of maintenance.${told}`,
    );
    await model.refresh();
  };

  const move = async (n: NodeSummary, clusterId: string, clusterName: string): Promise<void> => {
    const r = await api.moveNode(n.id, clusterId);
    flash.show('ok', `Moved ${plain(n.hostname)} from ${plain(r.from.name)} to ${plain(clusterName)}.`);
    await model.refresh();
  };

  const showMove = (n: NodeSummary, page: number): void => {
    const targets = moveTargets(n, model.clusters);
    if (targets.length === 0) {
      flash.show('warn', 'There is no other cluster to move to: press c on the dashboard to create one.');
      return;
    }
    const pages = Math.ceil(targets.length / MOVE_PAGE_SIZE);
    const dialog = moveDialog(
      n,
      targets,
      page,
      () => {
        const i = Number(d.pressedKey()) - 1 + page * MOVE_PAGE_SIZE;
        const c = targets[i];
        return c ? move(n, c.id, c.name) : Promise.resolve();
      },
      () => showMove(n, (page + 1) % pages),
    );
    store.dispatch({ type: 'dialog', dialog });
  };

  return {
    askMaintenance: (n) =>
      store.dispatch({ type: 'dialog', dialog: maintenanceDialog(n, (on) => setMaintenance(n, on)) }),
    askMove: (n) => showMove(n, 0),
    async renameCluster(id, name) {
      const r = await api.renameCluster(id, name);
      const pending = r.hostsPending
        ? ` ${r.hostsPending} host${r.hostsPending === 1 ? '' : 's'} will be told when ${r.hostsPending === 1 ? 'it answers' : 'they answer'}.`
        : '';
      flash.show('ok', `Renamed cluster ${plain(r.previousName)} to ${plain(r.cluster.name)}.${pending}`);
      await model.refresh();
    },
  };
}
