/**
 * Starts the full-screen console: finds the vDC, reports a missing login
 * before the terminal is taken over, then hands the screen to the app.
 */
import { errorLine } from '../../common/cli/error-line.js';
import { createScreen } from '../../common/tui/screen.js';
import { runConsole, type ConsoleApi } from './app.js';
import { connect, exitCodeFor, PROGRAM } from './cli.js';
import type { SessionResponse } from '../../common/protocol/vdc-api.js';
import type { Parsed } from './options.js';
import { PRODUCT } from './product.js';

/** What starting the console reads of the command line. */
export type TuiOptions = Extract<Parsed, { kind: 'tui' }>;

/** Takes over the terminal and runs the console over api (it exits by itself); a viewer session is read-only. */
export function openConsole(
  api: ConsoleApi,
  opts: TuiOptions,
  env: NodeJS.ProcessEnv,
  session: SessionResponse | null = null,
): void {
  const app = createScreen({
    title: `${PRODUCT} console`,
    program: PROGRAM,
    env,
    stderrLog: opts.logFile,
    escapeHoldMs: opts.escapeDelayMs,
  });
  runConsole(app, api, { refreshMs: opts.refreshMs, session });
}

/** Runs the console; returns an exit code when it could not start, null once it runs (it exits by itself). */
export async function startTui(
  opts: TuiOptions,
  env: NodeJS.ProcessEnv,
  uid: number,
  home: string,
): Promise<number | null> {
  let api: ConsoleApi;
  let session: SessionResponse;
  try {
    const client = await connect({ env, uid, home }, opts.globals);
    // What the caller may do decides which keys act; a revoked token is reported here, before the screen is taken.
    session = await client.session();
    api = client;
  } catch (err) {
    process.stderr.write(`${errorLine(PROGRAM, err)}\n`);
    return exitCodeFor(err);
  }
  openConsole(api, opts, env, session);
  return null;
}
