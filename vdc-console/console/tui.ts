/**
 * Starts the full-screen console: finds the vDC (or the benchmark fixture),
 * reports a missing login before the terminal is taken over, then hands
 * the screen to the app.
 */
import { errorLine } from '../../common/cli/error-line.js';
import { createScreen } from '../../common/tui/screen.js';
import { runConsole, type ConsoleApi } from './app.js';
import { connect, exitCodeFor, PROGRAM } from './cli.js';
import { loadFixture } from './fixture.js';
import type { Parsed } from './options.js';
import { PRODUCT } from './product.js';

/** Runs the console; returns an exit code when it could not start, null once it runs (it exits by itself). */
export async function startTui(opts: Extract<Parsed, { kind: 'tui' }>, env: NodeJS.ProcessEnv, uid: number, home: string): Promise<number | null> {
  let api: ConsoleApi;
  try {
    api = env.QUANTIX_VDC_CONSOLE_FIXTURE ? loadFixture(env.QUANTIX_VDC_CONSOLE_FIXTURE, Date.now()) : await connect({ env, uid, home }, opts.globals);
  } catch (err) {
    process.stderr.write(`${errorLine(PROGRAM, err)}\n`);
    return exitCodeFor(err);
  }
  const app = createScreen({ title: `${PRODUCT} console`, program: PROGRAM, env, stderrLog: opts.logFile, escapeHoldMs: opts.escapeDelayMs });
  runConsole(app, api, { refreshMs: opts.refreshMs });
  return null;
}
