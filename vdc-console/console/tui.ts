/**
 * Starts the full-screen console: finds the vDC, reports a missing login
 * before the terminal is taken over, sends the dashboard's first requests,
 * and only then loads the screen code (open.ts), so the vDC reads its lists
 * while the console starts.
 */
import { errorLine } from '../../common/cli/error-line.js';
import type { ConsoleApi } from './app.js';
import { connect, exitCodeFor, PROGRAM } from './cli.js';
import type { SessionResponse } from '../../common/protocol/vdc-api.js';
import { requestFirstAnswers } from './model.js';
import type { Parsed } from './options.js';

/** What starting the console reads of the command line. */
export type TuiOptions = Extract<Parsed, { kind: 'tui' }>;

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
  const first = requestFirstAnswers(api);
  const { openConsole } = await import('./open.js');
  openConsole(api, opts, env, session, first);
  return null;
}
