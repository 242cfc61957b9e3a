/**
 * The direct console's wiring: the app state (screen and dialog, see
 * app-state.ts) with the active screen's key table (screens/), the
 * operator's actions (controller.ts), and the redraw schedule (once per
 * wall-clock second, plus whenever the model, the status line or the app
 * state changes).
 */
import { confirmDialog, dialogBindings } from '../../common/tui/dialog.js';
import { FlashModel } from '../../common/tui/flash.js';
import { createKeyDispatcher, type KeyBinding } from '../../common/tui/keys.js';
import { redrawBinding, type TuiApp } from '../../common/tui/screen.js';
import { idleRepaintDue, INITIAL_APP_STATE, reduceApp, type AppState } from './app-state.js';
import { createController } from './controller.js';
import type { ConsoleModel } from './model.js';
import type { ScreenContext } from './screens/context.js';
import { helpGroups } from './screens/help.js';
import { renderScreen, SCREENS } from './screens/index.js';

/** How the console behaves. */
export interface ConsoleAppOptions {
  exitable: boolean;
  allowPower: boolean;
  /**
   * Repaint the whole main screen when it has been left alone this long
   * (ms; 0 never): kernel messages written over an unattended console go
   * away without anyone pressing Ctrl-L.
   */
  idleRepaintMs?: number;
  now?: () => number;
}

/** Default idle repaint: every 5 minutes, about 1 KB each time, a few bytes a second on average. */
export const IDLE_REPAINT_MS = 300_000;

/** Runs the console on an app screen with a model; returns a stop function. */
export function runConsole(app: TuiApp, model: ConsoleModel, opts: ConsoleAppOptions): () => void {
  const now = opts.now ?? Date.now;
  const flash = new FlashModel(now);
  let ui: AppState = INITIAL_APP_STATE;
  let tickTimer: NodeJS.Timeout | null = null;
  const idleRepaintMs = opts.idleRepaintMs ?? IDLE_REPAINT_MS;
  // Last key or repaint: the idle repaint counts from the later one.
  let quietSince = now();

  const ctx: ScreenContext = {
    get state() {
      return model.state;
    },
    now,
    tokenActive: () => model.tokenActive(now()),
    allowPower: opts.allowPower,
    exitable: opts.exitable,
    actions: createController({
      model,
      flash,
      busy: app.busy,
      allowPower: opts.allowPower,
      ellipsis: app.glyphs.ellipsis,
    }),
    dispatch: (action) => {
      ui = reduceApp(ui, action);
      draw();
    },
    redraw: redrawBinding(app),
    exit: () => app.exit(0),
    page: () => Math.max(1, app.size().rows - 8),
  };

  const activeBindings = (): KeyBinding[] =>
    ui.dialog ? dialogBindings(ui.dialog, () => ctx.dispatch({ type: 'closeDialog' })) : SCREENS[ui.view].keys(ctx);

  const keys = createKeyDispatcher(
    {
      bindings: activeBindings,
      onError: (err) => flash.error(err),
      onDisabled: (_b, why) => flash.show('warn', why),
      confirm: (b, run) => {
        const { title, message, confirmLabel } = b.confirm!;
        ctx.dispatch({
          type: 'openDialog',
          dialog: confirmDialog({ title, message, confirmLabel, onConfirm: run, dangerous: true }),
        });
      },
    },
    now,
  );

  function draw() {
    const { cols, rows } = app.size();
    const t = now();
    const bindings = activeBindings();
    const r = renderScreen({
      ...ui,
      state: model.state,
      now: t,
      glyphs: app.glyphs,
      cols,
      rows,
      bindings,
      helpGroups: helpGroups(ctx),
      flash: flash.current(t),
      missingKeys: app.missingKeys,
    });
    // Scrolled past either end: the state keeps what is shown, so the next key moves from there.
    if (r.scroll !== ui.scroll) ui = reduceApp(ui, { type: 'scrolled', scroll: r.scroll });
    app.paint(r.lines);
  }

  // A redraw no key caused (a resize, the idle repaint) is work too: the console says it is idle once it is written.
  const counted = (redraw: () => void) => () => {
    const done = app.busy.begin();
    redraw();
    done();
  };

  // Redraw just after each wall-clock second so the countdown steps evenly.
  const tick = () => {
    draw();
    const t = now();
    if (idleRepaintDue(ui, flash.current(t) !== null, quietSince, t, idleRepaintMs)) {
      quietSince = t;
      counted(() => app.repaint())();
    }
    tickTimer = setTimeout(tick, 1_000 - (now() % 1_000) + 5);
  };

  app.onKey((ch, key) => {
    quietSince = now();
    if (app.tooSmall() && !(opts.exitable && key && ['q', 'C-c'].includes(key.full))) return;
    keys.handleKey(ch, key);
  });
  app.onResize(counted(draw));
  model.on('changed', draw);
  flash.on('changed', draw);
  model.start();
  tick();

  return () => {
    if (tickTimer) clearTimeout(tickTimer);
    model.stop();
    flash.dispose();
  };
}
