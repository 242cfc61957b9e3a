/**
 * The vDC console's screens and keys: which view is showing (dashboard,
 * host details, help, the add-host wizard), the key table of each (footer
 * and help are generated from them), dialogs and prompts, the wizard's
 * network effects, and when to redraw. Errors from any key land in the one
 * status line through the dispatcher.
 */
import type { DiscoverOptions } from '../../common/http/vdc-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { Cluster, CreateClusterRequest, DiscoverRequest, DiscoverResponse, NodeDetail, NodeSummary, RegisterRequest, RemoveNodeResponse } from '../../common/protocol/vdc-api.js';
import { confirmDialog, dialogBindings, overlayDialog, type Dialog } from '../../common/tui/dialog.js';
import { FlashModel } from '../../common/tui/flash.js';
import { createKeyDispatcher, type KeyBinding } from '../../common/tui/keys.js';
import { redrawBinding, type TuiApp } from '../../common/tui/screen.js';
import { plain, seg } from '../../common/tui/text.js';
import { DashboardModel, type DashboardHealth, type DashboardSource } from './model.js';
import { describeSort } from './sort.js';
import { promptLines, renderDashboard, renderDetails, renderHelpScreen, renderWizard, type Frame } from './render/screens.js';
import {
  canonicalTokenOf,
  checkNewClusterName,
  clusterTarget,
  initialWizard,
  wizardReducer,
  wizardUnderWay,
  type ClusterChoice,
  type WizardAction,
  type WizardError,
  type WizardState,
} from './wizard.js';
import { formatHostPort } from '../../common/protocol/host-port.js';

/** What the console needs from the vDC; VdcClient provides it. */
export interface ConsoleApi extends DashboardSource {
  health(): Promise<DashboardHealth>;
  createCluster(req: CreateClusterRequest): Promise<Cluster>;
  discover(req: DiscoverRequest, o?: DiscoverOptions): Promise<DiscoverResponse>;
  register(req: RegisterRequest): Promise<NodeDetail>;
  removeNode(id: string, opts?: { force?: boolean }): Promise<RemoveNodeResponse>;
}

/** How the console runs. */
export interface ConsoleOptions {
  refreshMs: number;
  now?: () => number;
}

type View = 'dashboard' | 'details' | 'help' | 'wizard';
type Wizard = WizardState<DiscoverResponse, NodeDetail>;

/** A one-line text prompt shown as a dialog (cluster name). */
interface Prompt {
  title: string;
  label: string;
  hint: string;
  value: string;
  validate: (v: string) => string | null;
  submit: (v: string) => Promise<void>;
  showProblem: boolean;
}

/** Codes after which the host could not be told to leave: removal may be forced. */
const UNREACHABLE_CODES = ['HOST_UNREACHABLE', 'CONNECTION_TIMEOUT', 'TLS_ERROR', 'HOST_IDENTITY_CHANGED'];

/** True for a key event that types a character into a text field. */
function typedChar(ch: string | undefined, key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined): string | null {
  if (!ch || ch.length !== 1 || ch < ' ' || ch === '\x7f') return null;
  if (key?.ctrl || key?.meta) return null;
  return ch;
}

/** Turns any failure into what the wizard's error page shows. */
function wizardError(err: unknown): WizardError {
  if (err instanceof QuantixError) return { code: err.code, message: err.message, hint: err.hint, ...(err.phase ? { phase: err.phase } : {}) };
  const msg = err instanceof Error ? err.message.split('\n')[0]! : String(err);
  return { code: 'INTERNAL', message: `Unexpected error: ${msg}`, hint: 'Try again; if it persists, look at the console log (--log-file).' };
}

/** Runs the console on a screen; returns a stop function. */
export function runConsole(app: TuiApp, api: ConsoleApi, opts: ConsoleOptions): () => void {
  const now = opts.now ?? Date.now;
  const g = app.glyphs;
  const model = new DashboardModel(api, { refreshMs: opts.refreshMs, now });
  const flash = new FlashModel(now);
  let view: View = 'dashboard';
  let helpReturn: View = 'dashboard';
  let dialog: Dialog | null = null;
  let prompt: Prompt | null = null;
  let filterEditing = false;
  let wizard: Wizard | null = null;
  let wizardAbort: AbortController | null = null;
  let wizardScroll = 0;
  let details: { id: string; hostname: string; node: NodeDetail | null; loading: boolean; tab: number; scroll: number } | null = null;
  let helpScroll = 0;
  let spinTimer: NodeJS.Timeout | null = null;
  /** The key being dispatched, for a binding that serves two keys (← and →). */
  let pressedKey: string | undefined;

  const openDialog = (d: Dialog) => {
    dialog = d;
    draw();
  };
  const closeDialog = () => {
    dialog = null;
    draw();
  };
  const show = (v: View) => {
    view = v;
    draw();
  };

  // ---- wizard -------------------------------------------------------------

  const clusterChoices = (): ClusterChoice[] => model.clusters.map((c) => ({ id: c.id, name: c.name, hosts: c.hosts }));

  const updateSpinner = () => {
    const busy = wizard !== null && (wizard.step === 'connecting' || wizard.registering);
    if (busy && !spinTimer) spinTimer = setInterval(draw, 200);
    else if (!busy && spinTimer) {
      clearInterval(spinTimer);
      spinTimer = null;
    }
  };

  const closeWizard = () => {
    wizardAbort?.abort();
    wizardAbort = null;
    wizard = null;
    updateSpinner();
    show('dashboard');
  };

  const startDiscover = (w: Wizard) => {
    const id = w.requestId;
    const token = canonicalTokenOf(w);
    if (!token) return;
    const abort = new AbortController();
    wizardAbort = abort;
    api
      .discover({ address: w.address.trim(), token }, { signal: abort.signal, onStage: (stage) => dispatch({ type: 'stage', requestId: id, stage }) })
      .then((result) => dispatch({ type: 'discovered', requestId: id, result }))
      .catch((err: unknown) => {
        if (!abort.signal.aborted) dispatch({ type: 'failed', requestId: id, error: wizardError(err) });
      });
  };

  const startRegister = (w: Wizard) => {
    const id = w.requestId;
    const target = clusterTarget(w);
    (async () => {
      const clusterId = target.kind === 'existing' ? target.id : (await api.createCluster({ name: target.name })).id;
      return api.register({ discoveryId: w.discovery!.discoveryId, clusterId });
    })()
      .then((node) => dispatch({ type: 'registered', requestId: id, node }))
      .catch((err: unknown) => dispatch({ type: 'failed', requestId: id, error: { ...wizardError(err), phase: 'register' } }));
  };

  const finishWizard = (node: NodeDetail) => {
    closeWizard();
    flash.show('ok', `Added ${plain(node.hostname)} to ${plain(node.clusterName)}.`);
    void model.select(node.clusterId, node.id);
  };

  /** Applies a wizard action and starts or stops the network work the new state asks for. */
  function dispatch(a: WizardAction<DiscoverResponse, NodeDetail>): void {
    if (!wizard) return;
    const before = wizard;
    const after = wizardReducer(before, a);
    if (after === before) return;
    wizard = after;
    if (after.step !== before.step || after.tab !== before.tab) wizardScroll = 0;
    // Esc while connecting: the vDC abandons the discovery when the request goes away.
    if (before.step === 'connecting' && after.step === 'input') {
      wizardAbort?.abort();
      wizardAbort = null;
    }
    if (after.closed) { closeWizard(); return; }
    if (after.step === 'success' && after.registered) { finishWizard(after.registered); return; }
    if (before.step !== 'connecting' && after.step === 'connecting') startDiscover(after);
    if (after.registering && !before.registering) startRegister(after);
    updateSpinner();
    draw();
  }

  const openWizard = () => {
    wizard = initialWizard<DiscoverResponse, NodeDetail>(clusterChoices(), model.selectedCluster()?.id ?? null);
    wizardScroll = 0;
    show('wizard');
  };

  // ---- actions ------------------------------------------------------------

  const quit = () => {
    if (wizardUnderWay(wizard)) {
      openDialog(
        confirmDialog({
          title: 'Quit?',
          message: 'A host is being added; what was typed is lost\nand the host is not added.',
          confirmLabel: 'Quit',
          cancelLabel: 'Stay',
          onConfirm: () => app.exit(0),
          dangerous: true,
        }),
      );
      return;
    }
    app.exit(0);
  };

  const doRemove = async (n: NodeSummary, force: boolean) => {
    const name = plain(n.hostname);
    flash.show('info', `Removing ${name}${g.ellipsis}`, Infinity);
    let r: RemoveNodeResponse;
    try {
      r = await api.removeNode(n.id, { force });
    } catch (err) {
      if (!force && err instanceof QuantixError && UNREACHABLE_CODES.includes(err.code)) {
        flash.clear();
        openDialog({
          title: 'Host unreachable',
          lines: [
            [seg(`${name} could not be told to leave: ${plain(err.message)}`)],
            [seg('Forget it anyway? Until someone leaves the cluster on its console (F9),')],
            [seg('the host still believes it belongs to this vDC.')],
          ],
          choices: [
            { keys: ['f', 'S-f'], label: 'Force remove', dangerous: true, action: () => doRemove(n, true) },
            { keys: ['n', 'S-n', 'escape'], label: 'Cancel', action: () => {} },
          ],
        });
        return;
      }
      throw err;
    }
    const told = r.hostNotified ? '' : ' The host was not told: leave the cluster on its console (F9).';
    flash.show('ok', `Removed ${name} from ${plain(n.clusterName)}.${told}`);
    if (view === 'details') show('dashboard');
    await model.refresh();
  };

  const askRemove = (n: NodeSummary) => {
    const down = n.state !== 'connected';
    openDialog({
      title: 'Remove host?',
      lines: [
        [seg(`Remove ${plain(n.hostname)} (${plain(formatHostPort(n.address, n.port))}) from cluster ${plain(n.clusterName)}?`)],
        [seg('The host is told to leave and stops being managed by this vDC.')],
        ...(down ? [[seg(`It is ${n.state === 'disconnected' ? 'unreachable' : n.state}: Force forgets it without telling it.`, 'warn' as const)]] : []),
      ],
      choices: [
        { keys: ['y', 'S-y', 'enter'], label: 'Remove', dangerous: true, action: () => doRemove(n, false) },
        ...(down ? [{ keys: ['f', 'S-f'], label: 'Force remove', dangerous: true, action: () => doRemove(n, true) }] : []),
        { keys: ['n', 'S-n', 'escape'], label: 'Cancel', action: () => {} },
      ],
    });
  };

  const createClusterPrompt = () => {
    prompt = {
      title: 'Create cluster',
      label: 'Name',
      hint: 'letters, digits, "-", "_" and "." (1-63)',
      value: '',
      validate: (v) => checkNewClusterName(v, clusterChoices()),
      showProblem: false,
      submit: async (v) => {
        const c = await api.createCluster({ name: v.trim() });
        flash.show('ok', `Created cluster ${plain(c.name)}.`);
        await model.select(c.id, null);
        model.pane = 'clusters';
      },
    };
    draw();
  };

  const openDetails = (n: NodeSummary) => {
    details = { id: n.id, hostname: n.hostname, node: null, loading: true, tab: 0, scroll: 0 };
    show('details');
    void loadDetails();
  };

  const loadDetails = async () => {
    const d = details;
    if (!d) return;
    try {
      const node = await model.node(d.id);
      if (details?.id === d.id) {
        details.node = node;
        details.hostname = node.hostname;
      }
    } catch (err) {
      flash.error(err);
    } finally {
      if (details?.id === d.id) details.loading = false;
      draw();
    }
  };

  // ---- key tables ---------------------------------------------------------

  const selectedHost = () => model.selectedHost();
  const noHost = () => (selectedHost() ? null : model.clusters.length === 0 ? 'There are no hosts yet: press a to add one.' : 'No host selected: press Tab, then choose one.');
  const page = () => Math.max(1, app.size().rows - 12);

  const moveKeys = (move: (d: number) => void, visible = false): KeyBinding[] => [
    { keys: ['up', 'k'], label: 'Up', help: 'Move up', visible, handler: () => move(-1) },
    { keys: ['down', 'j'], label: 'Down', help: 'Move down', visible, handler: () => move(1) },
    { keys: ['pageup'], label: 'Page up', visible: false, handler: () => move(-page()) },
    { keys: ['pagedown'], label: 'Page down', visible: false, handler: () => move(page()) },
    { keys: ['home', 'g'], label: 'First', help: 'First row', visible: false, handler: () => move(-Infinity) },
    { keys: ['end', 'S-g'], label: 'Last', help: 'Last row', visible: false, handler: () => move(Infinity) },
  ];

  /** ← and → in one binding, so footer and help name them once: `←→ Tab`. */
  const tabKeys = (move: (delta: number) => void): KeyBinding => ({
    keys: ['left', 'right'],
    display: g.enter === '⏎' ? '←→' : 'Left/Right',
    label: 'Tab',
    help: 'Previous or next inventory tab',
    handler: () => move(pressedKey === 'left' ? -1 : 1),
  });

  const helpKey: KeyBinding = {
    keys: ['?'],
    label: 'Help',
    side: 'right',
    help: 'Every key of every screen',
    handler: () => {
      helpReturn = view;
      helpScroll = 0;
      show('help');
    },
  };
  const quitKey: KeyBinding = { keys: ['q', 'C-c'], label: '', help: 'Quit (asks while a host is being added)', side: 'right', handler: quit };

  const dashboardKeys = (): KeyBinding[] => [
    { keys: ['a'], label: 'Add host', help: 'Add a host: address, token from its console, cluster', handler: openWizard },
    { keys: ['c'], label: 'Cluster', help: 'Create a cluster', handler: createClusterPrompt },
    {
      keys: ['d', 'delete'],
      label: 'Remove',
      help: 'Remove the selected host from its cluster',
      dangerous: true,
      disabledReason: noHost,
      handler: () => askRemove(selectedHost()!),
    },
    { keys: ['enter'], label: 'Details', help: 'Details of the selected host: inventory, state, last error', disabledReason: noHost, handler: () => openDetails(selectedHost()!) },
    {
      keys: ['/'],
      label: 'Filter',
      help: 'Filter hosts by name, address, state or id (Enter keeps it, Esc clears it)',
      handler: () => {
        filterEditing = true;
        model.pane = 'hosts';
        draw();
      },
    },
    { keys: ['tab', 'S-tab'], label: 'Pane', help: 'Switch between the clusters and hosts tables', handler: () => model.togglePane() },
    { keys: ['r', 'f5'], label: 'Refresh', help: 'Refresh now', visible: false, handler: () => model.refresh() },
    redrawBinding(app),
    {
      keys: ['s'],
      label: 'Sort',
      help: 'Sort the focused table by its next column: name, state, CPU, memory, last seen',
      visible: false,
      handler: () => flash.show('info', describeSort(model.cycleSort())),
    },
    { keys: ['S-s'], label: 'Reverse', help: 'Reverse the focused table\'s order', visible: false, handler: () => flash.show('info', describeSort(model.reverseSort())) },
    ...moveKeys((d) => model.move(d)),
    helpKey,
    quitKey,
  ];

  const filterKeys = (): KeyBinding[] => [
    {
      keys: ['enter'],
      label: 'Keep filter',
      handler: () => {
        filterEditing = false;
        draw();
      },
    },
    {
      keys: ['escape'],
      label: 'Clear',
      handler: () => {
        filterEditing = false;
        model.setFilter('');
        draw();
      },
    },
    { keys: ['backspace'], label: 'Erase', visible: false, handler: () => model.setFilter([...model.filter].slice(0, -1).join('')) },
    { keys: ['C-u'], label: 'Clear text', visible: false, handler: () => model.setFilter('') },
    { keys: ['up'], label: 'Up', visible: false, handler: () => model.move(-1) },
    { keys: ['down'], label: 'Down', visible: false, handler: () => model.move(1) },
    { keys: ['C-c'], label: 'Quit', visible: false, handler: quit },
  ];

  const detailsKeys = (): KeyBinding[] => [
    tabKeys(detailsTab),
    { keys: ['d', 'delete'], label: 'Remove', help: 'Remove this host', dangerous: true, disabledReason: () => (details?.node ? null : 'The host is still loading.'), handler: () => askRemove(details!.node!) },
    { keys: ['r', 'f5'], label: 'Refresh', help: 'Load the host again', visible: false, handler: () => loadDetails() },
    {
      keys: ['escape', 'backspace'],
      label: 'Back',
      help: 'Back to the dashboard',
      handler: () => {
        details = null;
        show('dashboard');
      },
    },
    ...moveKeys((d) => {
      if (details) details.scroll = Number.isFinite(d) ? details.scroll + d : d > 0 ? 1e9 : 0;
      draw();
    }),
    helpKey,
    quitKey,
  ];

  const helpKeys = (): KeyBinding[] => [
    { keys: ['escape', '?', 'q'], label: 'Back', handler: () => show(helpReturn) },
    ...moveKeys((d) => {
      helpScroll = Number.isFinite(d) ? helpScroll + d : d > 0 ? 1e9 : 0;
      draw();
    }),
    { keys: ['C-c'], label: 'Quit', visible: false, handler: quit },
  ];

  const wizardKeys = (w: Wizard): KeyBinding[] => {
    const ctrlC: KeyBinding = { keys: ['C-c'], label: 'Quit', help: 'Quit the console (asks first)', visible: false, handler: quit };
    switch (w.step) {
      case 'input':
        return [
          { keys: ['tab'], label: 'Next field', handler: () => dispatch({ type: 'focusNext' }) },
          { keys: ['S-tab'], label: 'Previous field', visible: false, handler: () => dispatch({ type: 'focusPrev' }) },
          { keys: ['enter'], label: 'Connect', help: 'Connect to the host (from any field, once the form is valid)', handler: () => dispatch({ type: 'submit' }) },
          { keys: ['escape'], label: 'Cancel', handler: () => dispatch({ type: 'cancel' }) },
          {
            keys: ['up'],
            label: 'Up',
            help: 'Previous cluster (in the list) or previous field',
            visible: false,
            handler: () => dispatch(w.focus === 'cluster' ? { type: 'moveCluster', delta: -1 } : { type: 'focusPrev' }),
          },
          {
            keys: ['down'],
            label: 'Down',
            help: 'Next cluster (in the list) or next field',
            visible: false,
            handler: () => dispatch(w.focus === 'cluster' ? { type: 'moveCluster', delta: 1 } : { type: 'focusNext' }),
          },
          { keys: ['backspace'], label: 'Erase', visible: false, handler: () => dispatch({ type: 'erase' }) },
          { keys: ['C-u'], label: 'Clear field', visible: false, handler: () => dispatch({ type: 'clearField' }) },
          ctrlC,
        ];
      case 'connecting':
        return [{ keys: ['escape'], label: 'Cancel', help: 'Stop connecting and go back to the form', handler: () => dispatch({ type: 'cancel' }) }, ctrlC];
      case 'discovery':
        return [
          tabKeys((delta) => dispatch({ type: 'tab', delta, count: 5 })),
          ...moveKeys((d) => {
            wizardScroll = Number.isFinite(d) ? wizardScroll + d : d > 0 ? 1e9 : 0;
            draw();
          }),
          { keys: ['enter'], label: 'Continue', handler: () => dispatch({ type: 'next' }) },
          { keys: ['escape'], label: 'Back', help: 'Back to the form (fields kept)', handler: () => dispatch({ type: 'cancel' }) },
          ctrlC,
        ];
      case 'confirm':
        return [
          { keys: ['enter'], label: 'Add host', disabledReason: () => (w.registering ? 'The host is being added.' : null), handler: () => dispatch({ type: 'confirm' }) },
          { keys: ['escape'], label: 'Back', disabledReason: () => (w.registering ? 'The host is being added; it cannot be stopped now.' : null), handler: () => dispatch({ type: 'cancel' }) },
          ctrlC,
        ];
      case 'error':
        return [
          { keys: ['r', 'S-r'], label: 'Retry', help: 'Back to the form, fields kept (a spent token is cleared)', handler: () => dispatch({ type: 'retry' }) },
          { keys: ['escape'], label: 'Cancel', handler: () => dispatch({ type: 'cancel' }) },
          ctrlC,
        ];
      case 'success':
        return [ctrlC];
    }
  };

  const promptKeys = (p: Prompt): KeyBinding[] => [
    {
      keys: ['enter'],
      label: 'Create',
      handler: async () => {
        const problem = p.validate(p.value);
        if (problem) {
          p.showProblem = true;
          draw();
          return;
        }
        prompt = null;
        draw();
        await p.submit(p.value);
      },
    },
    {
      keys: ['escape'],
      label: 'Cancel',
      handler: () => {
        prompt = null;
        draw();
      },
    },
    {
      keys: ['backspace'],
      label: 'Erase',
      visible: false,
      handler: () => {
        p.value = [...p.value].slice(0, -1).join('');
        draw();
      },
    },
    { keys: ['C-c'], label: 'Quit', visible: false, handler: quit },
  ];

  const viewBindings = (): KeyBinding[] => {
    switch (view) {
      case 'dashboard':
        return filterEditing ? filterKeys() : dashboardKeys();
      case 'details':
        return detailsKeys();
      case 'help':
        return helpKeys();
      case 'wizard':
        return wizard ? wizardKeys(wizard) : [];
    }
  };

  const activeBindings = (): KeyBinding[] => (dialog ? dialogBindings(dialog, closeDialog, g) : prompt ? promptKeys(prompt) : viewBindings());

  const keys = createKeyDispatcher(
    {
      bindings: activeBindings,
      onError: (err) => {
        flash.error(err);
        void model.refresh();
      },
      onDisabled: (_b, why) => flash.show('warn', why),
    },
    now,
  );

  function detailsTab(delta: number): void {
    if (!details) return;
    const count = details.node?.inventory ? 5 : 0;
    if (count === 0) return;
    details.tab = (details.tab + delta + count) % count;
    details.scroll = 0;
    draw();
  }

  // ---- drawing ------------------------------------------------------------

  function frame(): Frame {
    const { cols, rows } = app.size();
    return { cols, rows, glyphs: g, now: now(), bindings: activeBindings(), flash: flash.current(now()) };
  }

  function draw(): void {
    const f = frame();
    let lines;
    switch (view) {
      case 'dashboard': {
        const r = renderDashboard(f, model, { filterEditing });
        model.setOffset('clusters', r.clusterOffset);
        model.setOffset('hosts', r.hostOffset);
        lines = r.lines;
        break;
      }
      case 'details': {
        const r = renderDetails(f, details ?? { node: null, loading: false, tab: 0, scroll: 0, hostname: '' });
        if (details) details.scroll = r.scroll;
        lines = r.lines;
        break;
      }
      case 'help': {
        // Why a key cannot act is said only for the screen help was opened from: on the
        // dashboard, "the host is still loading" about the details screen would be false.
        const here = (v: View, bindings: KeyBinding[]) => (v === helpReturn ? bindings : bindings.map(({ disabledReason: _, ...b }) => b));
        const form = wizard ?? initialWizard([]);
        const r = renderHelpScreen(
          f,
          [
            { title: 'Dashboard', bindings: here('dashboard', dashboardKeys()) },
            { title: 'Filter (after /)', bindings: here('dashboard', filterKeys()) },
            { title: 'Host details', bindings: here('details', detailsKeys()) },
            { title: 'Add host: form', bindings: here('wizard', wizardKeys({ ...form, step: 'input' })) },
            { title: 'Add host: review', bindings: here('wizard', wizardKeys({ ...form, step: 'discovery' })) },
            { title: 'Add host: error', bindings: here('wizard', wizardKeys({ ...form, step: 'error' })) },
          ],
          helpScroll,
        );
        helpScroll = r.scroll;
        lines = r.lines;
        break;
      }
      case 'wizard': {
        if (!wizard) { show('dashboard'); return; }
        const r = renderWizard(f, wizard, wizardScroll);
        wizardScroll = r.scroll;
        lines = r.lines;
        break;
      }
    }
    if (prompt) {
      const problem = prompt.validate(prompt.value);
      const d: Dialog = {
        title: prompt.title,
        lines: promptLines(prompt.label, prompt.value, prompt.hint, prompt.showProblem ? problem : null),
        choices: [
          { keys: ['enter'], label: 'Create', action: () => {} },
          { keys: ['escape'], label: 'Cancel', action: () => {} },
        ],
      };
      lines = overlayDialog(lines, d, f.cols, f.rows, g);
    }
    if (dialog) lines = overlayDialog(lines, dialog, f.cols, f.rows, g);
    app.paint(lines);
  }

  app.onKey((ch, key) => {
    if (app.tooSmall()) {
      if (key?.full === 'C-c' || key?.full === 'q') quit();
      return;
    }
    pressedKey = key?.full ?? key?.name;
    if (keys.handleKey(ch, key)) return;
    // Unbound printable keys are typing in whichever text field is open.
    const c = typedChar(ch, key);
    if (c === null || dialog) return;
    if (prompt) {
      prompt.value += c;
      draw();
    } else if (view === 'dashboard' && filterEditing) model.setFilter(model.filter + c);
    else if (view === 'wizard' && wizard?.step === 'input') dispatch({ type: 'type', text: c });
  });
  app.onResize(draw);
  model.on('changed', () => {
    if (wizard && wizard.step === 'input') {
      const known = wizard.clusters;
      const next = clusterChoices();
      const same = next.length === known.length && next.every((c, i) => c.id === known[i]!.id && c.hosts === known[i]!.hosts && c.name === known[i]!.name);
      if (!same) wizard = wizardReducer(wizard, { type: 'clusters', clusters: next });
    }
    if (view === 'details' && details && !details.loading) void loadDetails();
    draw();
  });
  flash.on('changed', draw);

  draw();
  model.start();

  return () => {
    model.stop();
    flash.dispose();
    wizardAbort?.abort();
    if (spinTimer) clearInterval(spinTimer);
  };
}
