/**
 * The add-host wizard's network work: discover while the state is
 * `connecting` (aborted when the operator goes back), create the cluster
 * if it is new and register while `confirm` is busy, and the spinner's
 * redraws meanwhile. The screens send wizard actions here; what the new
 * state asks for is started from the difference between the states.
 */
import { QuantixError } from '../../../common/protocol/errors.js';
import type { DiscoverResponse, NodeDetail } from '../../../common/protocol/vdc-api.js';
import type { FlashModel } from '../../../common/tui/flash.js';
import { plain } from '../../../common/tui/text.js';
import type { DashboardModel } from '../model.js';
import type { Store, Wizard } from '../state.js';
import {
  canonicalTokenOf,
  clusterTarget,
  initialWizard,
  type ClusterChoice,
  type WizardAction,
  type WizardError,
} from '../wizard.js';
import type { ConsoleApi } from './api.js';

/** Turns any failure into what the wizard's error page shows. */
export function wizardError(err: unknown): WizardError {
  if (err instanceof QuantixError)
    return { code: err.code, message: err.message, hint: err.hint, ...(err.phase ? { phase: err.phase } : {}) };
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${msg}`,
    hint: 'Try again; if it persists, look at the console log (--log-file).',
  };
}

/** What a change of the wizard's state asks the controller to do. */
export interface WizardEffects {
  /** Abandon the discovery under way (Esc while connecting). */
  abort: boolean;
  close: boolean;
  /** The host was added. */
  added: NodeDetail | null;
  discover: boolean;
  register: boolean;
}

/** The work a step from before to after asks for (pure). */
export function wizardEffects(before: Wizard, after: Wizard): WizardEffects {
  const added = after.step === 'success' ? after.registered : null;
  const ends = after.closed || added !== null;
  return {
    abort: before.step === 'connecting' && after.step === 'input',
    close: ends,
    added,
    discover: !ends && before.step !== 'connecting' && after.step === 'connecting',
    register: !ends && after.registering && !before.registering,
  };
}

/** The cluster list as the wizard offers it. */
function clusterChoices(model: DashboardModel): ClusterChoice[] {
  return model.clusters.map((c) => ({ id: c.id, name: c.name, hosts: c.hosts }));
}

/** The wizard's controller. */
export interface WizardController {
  open: () => void;
  dispatch: (a: WizardAction<DiscoverResponse, NodeDetail>) => void;
  /** Gives the form the vDC's current clusters when they changed. */
  syncClusters: () => void;
  dispose: () => void;
}

export function createWizardController(d: {
  api: ConsoleApi;
  store: Store;
  model: DashboardModel;
  flash: FlashModel;
  redraw: () => void;
}): WizardController {
  let abort: AbortController | null = null;
  let spinTimer: NodeJS.Timeout | null = null;
  const current = () => d.store.state().wizard;

  const updateSpinner = () => {
    const w = current();
    const busy = w !== null && (w.step === 'connecting' || w.registering);
    if (busy && !spinTimer) spinTimer = setInterval(d.redraw, 200);
    else if (!busy && spinTimer) {
      clearInterval(spinTimer);
      spinTimer = null;
    }
  };
  const stopRequest = () => {
    abort?.abort();
    abort = null;
  };

  const discover = (w: Wizard) => {
    const id = w.requestId;
    const token = canonicalTokenOf(w);
    if (!token) return;
    const a = new AbortController();
    abort = a;
    d.api
      .discover(
        { address: w.address.trim(), token },
        { signal: a.signal, onStage: (stage) => dispatch({ type: 'stage', requestId: id, stage }) },
      )
      .then((result) => dispatch({ type: 'discovered', requestId: id, result }))
      .catch((err: unknown) => {
        if (!a.signal.aborted) dispatch({ type: 'failed', requestId: id, error: wizardError(err) });
      });
  };

  const register = (w: Wizard) => {
    const id = w.requestId;
    const target = clusterTarget(w);
    (async () => {
      const clusterId = target.kind === 'existing' ? target.id : (await d.api.createCluster({ name: target.name })).id;
      return d.api.register({ discoveryId: w.discovery!.discoveryId, clusterId });
    })()
      .then((node) => dispatch({ type: 'registered', requestId: id, node }))
      .catch((err: unknown) =>
        dispatch({ type: 'failed', requestId: id, error: { ...wizardError(err), phase: 'register' } }),
      );
  };

  /** Applies a wizard action and starts or stops the network work the new state asks for. */
  function dispatch(a: WizardAction<DiscoverResponse, NodeDetail>): void {
    const before = current();
    if (!before) return;
    d.store.settle({ type: 'wizard', action: a });
    const after = current();
    if (!after || after === before) return;
    const fx = wizardEffects(before, after);
    if (fx.abort || fx.close) stopRequest();
    if (fx.close) d.store.settle({ type: 'closeWizard' });
    if (fx.added) {
      d.flash.show('ok', `Added ${plain(fx.added.hostname)} to ${plain(fx.added.clusterName)}.`);
      void d.model.select(fx.added.clusterId, fx.added.id);
    }
    if (fx.discover) discover(after);
    if (fx.register) register(after);
    updateSpinner();
    d.redraw();
  }

  return {
    open() {
      d.store.dispatch({
        type: 'openWizard',
        wizard: initialWizard<DiscoverResponse, NodeDetail>(
          clusterChoices(d.model),
          d.model.selectedCluster()?.id ?? null,
        ),
      });
    },
    dispatch,
    syncClusters() {
      const w = current();
      if (!w || w.step !== 'input') return;
      const known = w.clusters;
      const next = clusterChoices(d.model);
      const same =
        next.length === known.length &&
        next.every((c, i) => c.id === known[i]!.id && c.hosts === known[i]!.hosts && c.name === known[i]!.name);
      if (!same) d.store.settle({ type: 'wizard', action: { type: 'clusters', clusters: next } });
    },
    dispose() {
      stopRequest();
      if (spinTimer) clearInterval(spinTimer);
    },
  };
}
