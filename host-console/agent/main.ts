#!/usr/bin/env node
/**
 * `quantix-node`: the host agent (`serve`) and its command-line client.
 * Usage errors, refusals and unreachable agents end with one line and a
 * documented exit code, never a stack trace.
 */
import os from 'node:os';
import readline from 'node:readline';
import { errorLine, usageError } from '../../common/cli/error-line.js';
import { createLogger } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { RunningAgent } from './agent.js';
import { runAudit, runClientCommand } from './cli.js';
import { EXIT, parseInvocation, type ServeOptions } from './options.js';
import { formatHostPort } from '../../common/protocol/host-port.js';

/** Why serve could not start, as a coded error with the next step. */
function startupProblem(err: unknown, o: ServeOptions): QuantixError {
  if (err instanceof QuantixError) return err;
  const e = err as NodeJS.ErrnoException | null | undefined;
  const where = formatHostPort(o.listenHost, o.listenPort);
  if (e?.code === 'EADDRINUSE')
    return new QuantixError('LISTEN_FAILED', {
      message: `Cannot listen on ${where}: the address is in use (another agent?).`,
      hint: 'Choose another address with --listen, or stop what holds it.',
    });
  if (e?.code === 'EADDRNOTAVAIL')
    return new QuantixError('LISTEN_FAILED', {
      message: `Cannot listen on ${where}: no such local address.`,
      hint: 'Choose another address with --listen.',
    });
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return new QuantixError('PERMISSION_DENIED', {
      message: `The agent could not start: permission denied (${e.syscall ?? 'access'} ${e.path ?? where}).`,
      hint: 'Run it as root, or choose paths and a port this user may use.',
    });
  }
  return new QuantixError('INTERNAL', {
    message: `The agent could not start: ${(e?.message ?? String(err)).split('\n')[0]!}`,
    hint: 'Look at the log lines above, fix the cause, and start it again.',
  });
}

async function serve(o: ServeOptions): Promise<number> {
  const log = createLogger({ name: 'quantix-node' });
  let agent: RunningAgent;
  try {
    // Loaded here so that client commands start without the server's dependencies.
    const { createAgent } = await import('./agent.js');
    agent = await createAgent({
      stateDir: o.stateDir,
      socketPath: o.socketPath,
      listenHost: o.listenHost,
      listenPort: o.listenPort,
      tokenTtlSeconds: o.tokenTtlSeconds,
      inventoryRoot: o.inventoryRoot,
      logger: log,
      limits: { refusalWindowMs: o.reportIntervalSeconds * 1000 },
    });
  } catch (err) {
    const problem = startupProblem(err, o);
    log.fatal({ err }, `agent could not start: ${problem.message}`);
    process.stderr.write(`${errorLine('quantix-node', problem)}\n`);
    return EXIT.FAILURE;
  }
  return await new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      // Exit explicitly: inventory probes may hold timers that would keep a stopped agent alive.
      void agent.close().then(() => {
        resolve(EXIT.OK);
        process.exit(EXIT.OK);
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** A yes/no question on the operator's terminal (asked on stderr, so stdout stays the command's answer); null without one. */
function terminalQuestion(): ((question: string) => Promise<boolean>) | null {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  return async (question) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    try {
      const answer = await new Promise<string>((resolve) => {
        rl.once('close', () => resolve(''));
        // Ctrl-C at the question is a no, not a silent exit.
        rl.once('SIGINT', () => rl.close());
        rl.question(question, resolve);
      });
      return /^y(es)?$/i.test(answer.trim());
    } finally {
      rl.close();
    }
  };
}

async function main(): Promise<number> {
  const inv = parseInvocation(
    process.argv.slice(2),
    process.env,
    typeof process.getuid === 'function' ? process.getuid() : null,
    os.homedir(),
  );
  switch (inv.kind) {
    case 'help':
      process.stdout.write(inv.text + '\n');
      return EXIT.OK;
    case 'usage-error':
      process.stderr.write(`${errorLine('quantix-node', usageError(inv.message))}\n\n${inv.usage}\n`);
      return EXIT.USAGE;
    case 'serve':
      return serve(inv.options);
    case 'audit':
      return runAudit(inv.options, {
        out: (t) => process.stdout.write(t + '\n'),
        err: (t) => process.stderr.write(t + '\n'),
        now: Date.now,
      });
    case 'client':
      return runClientCommand(inv.command, inv, {
        out: (t) => process.stdout.write(t + '\n'),
        err: (t) => process.stderr.write(t + '\n'),
        now: Date.now,
        ask: terminalQuestion(),
      });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${errorLine('quantix-node', err)}\n`);
    process.exitCode = EXIT.FAILURE;
  },
);
