#!/usr/bin/env node
/**
 * `quantix-host-console`: the Quantix-OS direct console. Parses options
 * before touching the terminal (usage errors go to stderr with exit 2),
 * then runs the full-screen console against the agent's local socket.
 */
import { errorLine, usageError } from '../../common/cli/error-line.js';
import { createLineLog, type LineLog } from '../../common/log/line-log.js';
import { createScreen } from '../../common/tui/screen.js';
import { createAgentApi, trackRequests } from './agent-api.js';
import { runConsole } from './app.js';
import { ConsoleModel } from './model.js';
import { parseOptions, USAGE } from './options.js';
import { PRODUCT } from './types.js';

const parsed = parseOptions(process.argv.slice(2), process.env);
if (!parsed.ok) {
  process.stderr.write(`${errorLine('quantix-host-console', usageError(parsed.error))}\n\n${USAGE}\n`);
  process.exit(2);
}
const options = parsed.options;
if (options.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!process.stdout.isTTY || !process.stdin.isTTY) {
  process.stderr.write(
    `${errorLine('quantix-host-console', usageError('the console needs a terminal (stdin and stdout must be a tty)', 'Run it on a terminal: tty1, a serial console, or an SSH session with a tty (ssh -t).'))}\n`,
  );
  process.exit(2);
}

// Set once the screen is up: a fatal error before that has no log to go to.
const logger: { current?: LineLog } = {};
const app = createScreen({
  title: `${PRODUCT} direct console`,
  program: 'quantix-host-console',
  stderrLog: options.logFile,
  escapeHoldMs: options.escapeDelayMs,
  onFatal: (err) => logger.current?.fatal({ err }, 'console stopped on an unexpected error'),
});
const log = createLineLog({ name: 'quantix-host-console', fd: app.logFd });
logger.current = log;
// Every request to the agent is counted: tests wait for the console to be idle, not for silence.
const model = new ConsoleModel(trackRequests(createAgentApi(options.socketPath), app.busy), {
  socketPath: options.socketPath,
});
model.on('changed', () => {
  if (model.state.problem && model.state.problem.attempts === 1) {
    log.warn({ code: model.state.problem.code, socket: options.socketPath }, 'agent not reachable');
  }
});
runConsole(app, model, {
  exitable: options.exitable,
  allowPower: options.allowPower,
  idleRepaintMs: options.idleRepaintMs,
});
