/**
 * The vDC console put together: the state and its reducer (state.ts), the
 * screens (screens/, each with its key tables and its render), the
 * controllers that make the requests (controllers/), the dashboard model
 * and the status line. Here keys are routed to the screen on top (or the
 * dialog or prompt over it), typed text to the field that is open, and
 * every change is drawn. Errors from any key land in the one status line
 * through the dispatcher.
 */
import { dialogBindings, overlayDialog } from '../../common/tui/dialog.js';
import { FlashModel } from '../../common/tui/flash.js';
import { createKeyDispatcher, type KeyBinding } from '../../common/tui/keys.js';
import type { TuiApp } from '../../common/tui/screen.js';
import type { Line } from '../../common/tui/text.js';
import type { SessionResponse } from '../../common/protocol/vdc-api.js';
import { trackFirstAnswers, trackRequests, type ConsoleApi } from './controllers/api.js';
import { AuditBrowser } from './controllers/audit.js';
import { createBulkController } from './controllers/bulk.js';
import { createHostController } from './controllers/hosts.js';
import { createMembershipController } from './controllers/membership.js';
import { createWizardController } from './controllers/wizard.js';
import { DashboardModel, type FirstAnswers } from './model.js';
import type { Frame } from './render/frame.js';
import { auditFilterKeys, auditKeys, drawAudit } from './screens/audit.js';
import type { ScreenContext } from './screens/context.js';
import { dashboardKeys, drawDashboard, filterKeys, typeFilter } from './screens/dashboard.js';
import { detailsKeys, drawDetails } from './screens/details.js';
import { quitDialog } from './screens/dialogs.js';
import { drawHelp, helpKeys } from './screens/help.js';
import { promptDialog, promptKeys } from './screens/prompt.js';
import { drawWizard, wizardKeys } from './screens/wizard.js';
import { bulkKeys, drawBulk } from './screens/bulk.js';
import { appReducer, initialAppState, topScreen, type AppAction, type Store } from './state.js';
import { wizardUnderWay } from './wizard.js';

export type { ConsoleApi } from './controllers/api.js';

/** How the console runs. */
export interface ConsoleOptions {
  refreshMs: number;
  /** Who the vDC takes the console for; null: not asked (full access assumed, the vDC still decides). */
  session?: SessionResponse | null;
  /** The dashboard's first requests, when they were sent before the screen was built. */
  first?: FirstAnswers | null;
  now?: () => number;
}

/** True for a key event that types a character into a text field. */
function typedChar(
  ch: string | undefined,
  key: { name?: string; ctrl?: boolean; meta?: boolean } | undefined,
): string | null {
  if (!ch || ch.length !== 1 || ch < ' ' || ch === '\x7f') return null;
  if (key?.ctrl || key?.meta) return null;
  return ch;
}

/** The keys of what has the keyboard: the dialog, else the prompt, else the screen on top. */
function activeBindings(ctx: ScreenContext): KeyBinding[] {
  const s = ctx.state();
  if (s.dialog) return dialogBindings(s.dialog, () => ctx.dispatch({ type: 'dialog', dialog: null }), ctx.glyphs);
  if (s.prompt) return promptKeys(ctx, s.prompt);
  switch (topScreen(s)) {
    case 'dashboard':
      return s.filterEditing ? filterKeys(ctx) : dashboardKeys(ctx);
    case 'details':
      return detailsKeys(ctx);
    case 'help':
      return helpKeys(ctx);
    case 'wizard':
      return s.wizard ? wizardKeys(s.wizard.step, ctx) : [];
    case 'audit':
      return ctx.audit.draft !== null ? auditFilterKeys(ctx) : auditKeys(ctx);
    case 'bulk':
      return bulkKeys(ctx);
  }
}

/** The whole screen: the screen on top, with the prompt and the dialog over it. */
function screenLines(f: Frame, ctx: ScreenContext): Line[] {
  const s = ctx.state();
  const top = topScreen(s);
  let lines =
    top === 'details'
      ? drawDetails(f, ctx)
      : top === 'audit'
        ? drawAudit(f, ctx)
        : top === 'help'
          ? drawHelp(f, ctx)
          : top === 'wizard' && s.wizard
            ? drawWizard(f, ctx, s.wizard)
            : top === 'bulk'
              ? drawBulk(f, ctx)
              : drawDashboard(f, ctx);
  if (s.prompt) lines = overlayDialog(lines, promptDialog(ctx, s.prompt), f.cols, f.rows, f.glyphs);
  if (s.dialog) lines = overlayDialog(lines, s.dialog, f.cols, f.rows, f.glyphs);
  return lines;
}

/** Sends a printable key to the text field that is open, if any. */
function typeText(ctx: ScreenContext, c: string): void {
  const s = ctx.state();
  if (s.dialog) return;
  if (s.prompt) ctx.dispatch({ type: 'promptType', text: c });
  else if (topScreen(s) === 'dashboard' && s.filterEditing) typeFilter(ctx, c);
  else if (topScreen(s) === 'wizard' && s.wizard?.step === 'input') ctx.ops.wizard({ type: 'type', text: c });
  else if (topScreen(s) === 'audit') ctx.audit.type(c);
}

/** Runs the console on a screen; returns a stop function. */
export function runConsole(app: TuiApp, vdc: ConsoleApi, opts: ConsoleOptions): () => void {
  const now = opts.now ?? Date.now;
  const api = trackRequests(vdc, app.busy);
  const first = opts.first ? trackFirstAnswers(opts.first, app.busy) : null;
  const model = new DashboardModel(api, { refreshMs: opts.refreshMs, now, first });
  const flash = new FlashModel(now);
  let state = initialAppState();
  let pressedKey: string | undefined;
  const apply = (a: AppAction) => {
    state = appReducer(state, a);
  };
  const store: Store = {
    state: () => state,
    dispatch: (a) => {
      apply(a);
      draw();
    },
    settle: apply,
  };
  const wizard = createWizardController({ api, store, model, flash, redraw: () => draw() });
  const hosts = createHostController({ api, store, model, flash, glyphs: app.glyphs });
  const audit = new AuditBrowser({ api, flash, now, changed: () => draw() });
  const membership = createMembershipController({ api, store, model, flash, pressedKey: () => pressedKey });
  const bulk = createBulkController({
    api,
    busy: app.busy,
    store,
    model,
    flash,
    redraw: () => draw(),
    uid: process.getuid?.() ?? -1,
  });
  const quit = () => {
    if (wizardUnderWay(state.wizard) || bulk.underWay())
      store.dispatch({ type: 'dialog', dialog: quitDialog(() => app.exit(0)) });
    else app.exit(0);
  };
  const ctx: ScreenContext = {
    glyphs: app.glyphs,
    ...store,
    model,
    audit,
    flash,
    bulk,
    ops: {
      quit,
      openWizard: wizard.open,
      wizard: wizard.dispatch,
      askRemove: hosts.askRemove,
      openDetails: hosts.openDetails,
      reloadDetails: hosts.reloadDetails,
      refreshInventory: hosts.refreshInventory,
      inventoryRefreshing: hosts.inventoryRefreshing,
      createCluster: hosts.createCluster,
      renameCluster: membership.renameCluster,
      askMaintenance: membership.askMaintenance,
      askMove: membership.askMove,
      refresh: () => model.refresh(),
      repaint: () => app.repaint(),
      openAudit: () => {
        store.dispatch({ type: 'openAudit' });
        void audit.reload();
      },
    },
    pressedKey: () => pressedKey,
    page: () => Math.max(1, app.size().rows - 12),
    session: opts.session ?? null,
  };
  const keys = createKeyDispatcher(
    {
      bindings: () => activeBindings(ctx),
      onError: (err) => {
        flash.error(err);
        void model.refresh();
      },
      onDisabled: (_b, why) => flash.show('warn', why),
    },
    now,
  );

  function draw(): void {
    const { cols, rows } = app.size();
    const f: Frame = {
      cols,
      rows,
      glyphs: app.glyphs,
      now: now(),
      bindings: activeBindings(ctx),
      flash: flash.current(now()),
    };
    app.paint(screenLines(f, ctx));
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
    if (c !== null) typeText(ctx, c);
  });
  app.onResize(draw);
  model.on('changed', () => {
    wizard.syncClusters();
    hosts.refreshDetails();
    draw();
  });
  flash.on('changed', draw);

  draw();
  model.start();

  return () => {
    model.stop();
    flash.dispose();
    wizard.dispose();
    bulk.dispose();
  };
}
