/**
 * Command-line options of `quantix-host-console`, parsed without side
 * effects so that usage errors are testable and reported before the screen
 * takes over the terminal.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseEscapeDelay } from '../../common/tui/input.js';
import { argumentProblem } from '../../common/cli/error-line.js';

/** Parsed options. */
export interface ConsoleOptions {
  socketPath: string;
  /** `q` quits (demo and SSH use); a real host console never exits. */
  exitable: boolean;
  /** Reboot and shut down for real; otherwise power actions are simulated. */
  allowPower: boolean;
  /** Where stderr output goes while the screen is up (null: dropped). */
  logFile: string | null;
  /** How long an incomplete escape sequence waits for its next byte (ms). */
  escapeDelayMs: number;
  /** Repaint the idle main screen this often (ms; 0 never). */
  idleRepaintMs: number;
  help: boolean;
}

/** Usage text for --help and usage errors. */
export const USAGE = `Usage: quantix-host-console [options]

The Quantix-OS direct console: host identity, management addresses, cluster
membership and the registration token, for tty1, serial and IPMI consoles.

Options:
  --socket PATH    agent's local socket (env QUANTIX_NODE_SOCKET; default
                   /run/quantix/node.sock as root, else $XDG_RUNTIME_DIR/quantix/node.sock
                   or $XDG_STATE_HOME/quantix/node/node.sock)
  --exitable       let q quit (for demos and SSH; a host console never exits)
  --allow-power    let F10 really reboot or shut down the host (otherwise simulated)
  --log-file PATH  where diagnostics go while the screen is up (env QUANTIX_CONSOLE_LOG)
  --escape-delay MS  how long a key's escape sequence may take to arrive, for
                   slow serial and IPMI links (env QUANTIX_ESCAPE_DELAY;
                   default 200, 10-5000); a lone Esc acts after this delay
  --idle-repaint S  repaint the main screen after S seconds without a key, to
                   clear console messages (default 300; 0 never); Ctrl-L
                   repaints at once
  -h, --help       show this help

Keys: F1 help, F2 system, F3 network, F4 token, F5 refresh, F9 leave cluster,
F10 power, Ctrl-L redraw. Without F-keys: the digit (0 for F10), or Esc then
the digit; keypad keys and vt100's keypad F-keys work as terminfo defines them.`;

/** The agent's default socket path, by the same rule as the agent: root uses /run, others their runtime or state dir. */
export function defaultSocketPath(
  env: NodeJS.ProcessEnv,
  uid: number | null = typeof process.getuid === 'function' ? process.getuid() : null,
): string {
  if (env.QUANTIX_NODE_SOCKET) return env.QUANTIX_NODE_SOCKET;
  if (uid === 0) return '/run/quantix/node.sock';
  if (env.XDG_RUNTIME_DIR?.startsWith('/')) return path.join(env.XDG_RUNTIME_DIR, 'quantix', 'node.sock');
  const state = env.XDG_STATE_HOME?.startsWith('/')
    ? env.XDG_STATE_HOME
    : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(state, 'quantix', 'node', 'node.sock');
}

/** Default diagnostics file: beside the agent's state as root, else in the user's state dir. */
export function defaultLogFile(
  env: NodeJS.ProcessEnv,
  uid: number | null = typeof process.getuid === 'function' ? process.getuid() : null,
): string {
  if (env.QUANTIX_CONSOLE_LOG) return env.QUANTIX_CONSOLE_LOG;
  if (uid === 0) return '/var/log/quantix/host-console.log';
  const state = env.XDG_STATE_HOME?.startsWith('/')
    ? env.XDG_STATE_HOME
    : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(state, 'quantix', 'host-console.log');
}

/** Outcome of parsing: options, or a usage error to print. */
export type ParsedOptions = { ok: true; options: ConsoleOptions } | { ok: false; error: string };

/** Parses argv (without node and script) and the environment. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): ParsedOptions {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        socket: { type: 'string' },
        exitable: { type: 'boolean', default: false },
        'allow-power': { type: 'boolean', default: false },
        'log-file': { type: 'string' },
        'escape-delay': { type: 'string' },
        'idle-repaint': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 0)
      return { ok: false, error: `unexpected argument ${JSON.stringify(positionals[0]!.slice(0, 40))}` };
    if (values.socket === '') return { ok: false, error: '--socket needs a path' };
    const delay = parseEscapeDelay(values['escape-delay'], env);
    if (!delay.ok) return { ok: false, error: delay.error };
    const idle =
      values['idle-repaint'] === undefined
        ? 300
        : /^\d+$/.test(values['idle-repaint'])
          ? Number(values['idle-repaint'])
          : NaN;
    if (!(idle >= 0 && idle <= 86_400))
      return { ok: false, error: '--idle-repaint takes seconds from 0 (never) to 86400' };
    return {
      ok: true,
      options: {
        socketPath: values.socket ?? defaultSocketPath(env),
        exitable: values.exitable,
        allowPower: values['allow-power'],
        logFile: values['log-file'] ?? defaultLogFile(env),
        escapeDelayMs: delay.ms,
        idleRepaintMs: idle * 1000,
        help: values.help,
      },
    };
  } catch (err) {
    return { ok: false, error: argumentProblem(err) };
  }
}
