import { describe, expect, it } from 'vitest';
import type {
  Cluster,
  DiscoverResponse,
  MaintenanceResponse,
  MoveNodeResponse,
  NodeDetail,
  RemoveNodeResponse,
  RenameClusterResponse,
  TrendResponse,
} from '../../common/protocol/vdc-api.js';
import { createBusyTracker } from '../../common/tui/idle.js';
import { trackRequests, type ConsoleApi } from '../../vdc-console/console/controllers/api.js';
import { wizardEffects } from '../../vdc-console/console/controllers/wizard.js';
import { INVENTORY_TABS } from '../../vdc-console/console/render/inventory.js';
import {
  appReducer,
  helpOpenedFrom,
  initialAppState,
  topScreen,
  type AppAction,
  type AppState,
} from '../../vdc-console/console/state.js';
import { initialWizard, type WizardState } from '../../vdc-console/console/wizard.js';

const run = (actions: AppAction[], from: AppState = initialAppState()): AppState => actions.reduce(appReducer, from);

const node = (over: Partial<NodeDetail> = {}): NodeDetail =>
  ({ id: 'n1', hostname: 'qx-node-01', clusterId: 'c1', clusterName: 'prod', inventory: null, ...over }) as NodeDetail;

const form = (): WizardState<DiscoverResponse, NodeDetail> =>
  initialWizard<DiscoverResponse, NodeDetail>([{ id: 'c1', name: 'prod', hosts: 1 }]);

describe('the console reducer: the screen stack', () => {
  it('starts on the dashboard; help returns to the screen it was opened from', () => {
    const s0 = initialAppState();
    expect(topScreen(s0)).toBe('dashboard');
    expect(helpOpenedFrom(s0)).toBeNull();
    const s = run([{ type: 'openDetails', id: 'n1', hostname: 'qx-node-01' }, { type: 'openHelp' }]);
    expect(s.stack).toEqual(['dashboard', 'details', 'help']);
    expect(helpOpenedFrom(s)).toBe('details');
    const back = run([{ type: 'back' }], s);
    expect(topScreen(back)).toBe('details');
    expect(back.details?.id).toBe('n1');
  });

  it('opening help twice does not stack it twice, and its scroll starts at the top', () => {
    const s = run([{ type: 'openHelp' }, { type: 'scroll', delta: 5 }, { type: 'openHelp' }]);
    expect(s.stack).toEqual(['dashboard', 'help']);
    expect(s.helpScroll).toBe(0);
  });

  it('back never leaves the dashboard, and forgets the host of a closed details screen', () => {
    expect(run([{ type: 'back' }]).stack).toEqual(['dashboard']);
    const s = run([{ type: 'openDetails', id: 'n1', hostname: 'h' }, { type: 'back' }]);
    expect(s.stack).toEqual(['dashboard']);
    expect(s.details).toBeNull();
  });

  it('a removed host closes its details screen, but not help opened over it', () => {
    const details = run([{ type: 'openDetails', id: 'n1', hostname: 'h' }]);
    expect(run([{ type: 'removed' }], details).stack).toEqual(['dashboard']);
    const help = run([{ type: 'openHelp' }], details);
    expect(run([{ type: 'removed' }], help)).toBe(help);
  });
});

describe('the console reducer: details', () => {
  it('keeps the answer for the host still shown only, and stops loading either way', () => {
    const s = run([{ type: 'openDetails', id: 'n1', hostname: 'old-name' }]);
    expect(s.details).toMatchObject({ loading: true, node: null });
    expect(run([{ type: 'detailsLoaded', id: 'n2', node: node({ id: 'n2' }) }], s)).toBe(s);
    const loaded = run([{ type: 'detailsLoaded', id: 'n1', node: node() }], s);
    expect(loaded.details).toMatchObject({ loading: false, hostname: 'qx-node-01' });
    const failed = run([{ type: 'detailsLoaded', id: 'n1', node: null }], loaded);
    expect(failed.details).toMatchObject({ loading: false, hostname: 'qx-node-01', node: loaded.details!.node });
  });

  it('cycles through the inventory tabs both ways, back to the top of each, only when there is an inventory', () => {
    const open = run([{ type: 'openDetails', id: 'n1', hostname: 'h' }]);
    expect(run([{ type: 'detailsTab', delta: 1 }], open)).toBe(open);
    const inv = run(
      [
        { type: 'detailsLoaded', id: 'n1', node: node({ inventory: {} as NodeDetail['inventory'] }) },
        { type: 'scroll', delta: 7 },
      ],
      open,
    );
    expect(inv.details!.scroll).toBe(7);
    const left = run([{ type: 'detailsTab', delta: -1 }], inv);
    expect(left.details).toMatchObject({ tab: INVENTORY_TABS.length - 1, scroll: 0 });
    expect(
      run(
        Array.from({ length: INVENTORY_TABS.length }, () => ({ type: 'detailsTab', delta: 1 }) as const),
        inv,
      ).details!.tab,
    ).toBe(0);
  });
});

describe('the console reducer: scroll, prompt, filter, dialog', () => {
  it('scrolls the screen on top; Home and End go to the start and the end; a renderer clamps it', () => {
    const help = run([{ type: 'openHelp' }, { type: 'scroll', delta: 3 }, { type: 'scroll', delta: -1 }]);
    expect(help.helpScroll).toBe(2);
    expect(run([{ type: 'scroll', delta: Infinity }], help).helpScroll).toBe(1e9);
    expect(run([{ type: 'scroll', delta: -Infinity }], help).helpScroll).toBe(0);
    expect(run([{ type: 'scrolled', screen: 'help', scroll: 1 }], help).helpScroll).toBe(1);
    // The dashboard's tables scroll in the model, not here.
    const dash = initialAppState();
    expect(run([{ type: 'scroll', delta: 3 }], dash)).toEqual(dash);
  });

  it('types into the prompt, erases a whole character, shows the problem once refused, closes', () => {
    const s = run([
      { type: 'openPrompt', kind: 'createCluster' },
      { type: 'promptType', text: 'ab' },
      { type: 'promptType', text: 'é' },
      { type: 'promptErase' },
    ]);
    expect(s.prompt).toEqual({ kind: 'createCluster', value: 'ab', showProblem: false });
    expect(run([{ type: 'promptRefused' }], s).prompt?.showProblem).toBe(true);
    expect(run([{ type: 'closePrompt' }], s).prompt).toBeNull();
    // Without a prompt the prompt's actions do nothing.
    const none = initialAppState();
    expect(run([{ type: 'promptType', text: 'x' }, { type: 'promptErase' }, { type: 'promptRefused' }], none)).toBe(
      none,
    );
  });

  it('holds the filter flag and the dialog', () => {
    expect(run([{ type: 'filterEditing', on: true }]).filterEditing).toBe(true);
    const dialog = { title: 'Remove host?', lines: [], choices: [] };
    expect(run([{ type: 'dialog', dialog }]).dialog).toBe(dialog);
    expect(
      run([
        { type: 'dialog', dialog },
        { type: 'dialog', dialog: null },
      ]).dialog,
    ).toBeNull();
  });
});

describe('the console reducer: the wizard', () => {
  it('opens over the dashboard, passes actions to the wizard, resets the scroll on a new step or tab, and closes', () => {
    const s = run([{ type: 'openWizard', wizard: form() }]);
    expect(s.stack).toEqual(['dashboard', 'wizard']);
    const typed = run([{ type: 'wizard', action: { type: 'type', text: '10.0.0.5' } }], s);
    expect(typed.wizard?.address).toBe('10.0.0.5');
    const review = run([{ type: 'wizard', action: { type: 'next' } }], {
      ...typed,
      wizard: { ...typed.wizard!, step: 'discovery' },
      wizardScroll: 9,
    });
    expect(review.wizard?.step).toBe('confirm');
    expect(review.wizardScroll).toBe(0);
    const same = { ...typed, wizardScroll: 4 };
    expect(run([{ type: 'wizard', action: { type: 'type', text: '1' } }], same).wizardScroll).toBe(4);
    const closed = run([{ type: 'closeWizard' }], typed);
    expect(closed.stack).toEqual(['dashboard']);
    expect(closed.wizard).toBeNull();
  });

  it('says what the network should do for each step', () => {
    const input = form();
    const connecting = { ...input, step: 'connecting' as const, requestId: 1 };
    expect(wizardEffects(input, connecting)).toMatchObject({
      discover: true,
      abort: false,
      close: false,
      register: false,
      added: null,
    });
    expect(wizardEffects(connecting, { ...input, requestId: 2 })).toMatchObject({ abort: true, discover: false });
    const confirm = { ...input, step: 'confirm' as const };
    expect(wizardEffects(confirm, { ...confirm, registering: true })).toMatchObject({ register: true, close: false });
    const added = node();
    expect(
      wizardEffects({ ...confirm, registering: true }, { ...confirm, step: 'success', registered: added }),
    ).toMatchObject({ close: true, added, register: false });
    expect(wizardEffects(input, { ...input, closed: true })).toMatchObject({ close: true, discover: false });
  });
});

describe("the console controllers' requests", () => {
  it('count every request to the vDC as work until it settles, answered or failed', async () => {
    const busy = createBusyTracker({ enabled: false, write: () => {} });
    let settle: (ok: boolean) => void = () => {};
    const pending = <T>(value: T): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        settle = (ok) => (ok ? resolve(value) : reject(new Error('refused')));
      });
    const api: ConsoleApi = {
      health: () => pending({ vdc: { name: 'vdc01' } }),
      listClusters: () => pending([]),
      listNodes: () => pending([]),
      getNode: () => pending(node()),
      createCluster: () => pending({} as Cluster),
      discover: () => pending({} as DiscoverResponse),
      register: () => pending(node()),
      removeNode: () => pending({} as RemoveNodeResponse),
      auditPage: () => pending({ events: [], next: null }),
      refreshNode: () => pending({ node: node(), changes: [] }),
      setMaintenance: () => pending({} as MaintenanceResponse),
      moveNode: () => pending({} as MoveNodeResponse),
      renameCluster: () => pending({} as RenameClusterResponse),
      nodeTrend: () => pending({} as TrendResponse),
      clusterTrend: () => pending({} as TrendResponse),
    };
    const tracked = trackRequests(api, busy);
    const calls: Array<() => Promise<unknown>> = [
      () => tracked.health(),
      () => tracked.listClusters(),
      () => tracked.listNodes(),
      () => tracked.getNode('n1'),
      () => tracked.createCluster({ name: 'Zone' }),
      () => tracked.discover({ address: '10.0.0.5', token: 'QUANTIX-AAAA-AAAA-AAAA' }),
      () => tracked.register({ discoveryId: 'd1', clusterId: 'c1' }),
      () => tracked.removeNode('n1', { force: true }),
      () => tracked.auditPage({ limit: 100, action: 'node.register' }),
      () => tracked.refreshNode('n1'),
      () => tracked.setMaintenance('n1', true),
      () => tracked.moveNode('n1', 'c2'),
      () => tracked.renameCluster('c1', 'Zone'),
      () => tracked.nodeTrend('n1'),
      () => tracked.clusterTrend('c1'),
    ];
    for (const [i, call] of calls.entries()) {
      const ok = i % 2 === 0;
      const p = call();
      expect(busy.busy, `request ${i} in flight`).toBe(true);
      settle(ok);
      await (ok ? p : p.catch(() => undefined));
      await new Promise((r) => setImmediate(r));
      expect(busy.busy, `request ${i} settled`).toBe(false);
    }
  });
});
