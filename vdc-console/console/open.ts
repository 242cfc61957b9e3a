/**
 * Takes over the terminal and hands the screen to the app. The only part
 * of starting the console that loads the terminal library, so it is loaded
 * after the first requests are on their way (tui.ts).
 */
import { createScreen } from '../../common/tui/screen.js';
import { runConsole, type ConsoleApi } from './app.js';
import { PROGRAM } from './cli.js';
import type { SessionResponse } from '../../common/protocol/vdc-api.js';
import type { FirstAnswers } from './model.js';
import type { TuiOptions } from './tui.js';
import { PRODUCT } from './product.js';

/** Takes over the terminal and runs the console over api (it exits by itself); a viewer session is read-only. */
export function openConsole(
  api: ConsoleApi,
  opts: TuiOptions,
  env: NodeJS.ProcessEnv,
  session: SessionResponse | null = null,
  first: FirstAnswers | null = null,
): void {
  const app = createScreen({
    title: `${PRODUCT} console`,
    program: PROGRAM,
    env,
    stderrLog: opts.logFile,
    escapeHoldMs: opts.escapeDelayMs,
  });
  runConsole(app, api, { refreshMs: opts.refreshMs, session, first });
}
