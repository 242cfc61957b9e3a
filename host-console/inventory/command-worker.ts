/**
 * The command worker: a worker thread that runs the external tools the
 * inventory asks for (lsblk, nvidia-smi, stat -f), one per message, with
 * execa: never a shell, stdin closed, a deadline after which the command is
 * killed with SIGKILL, and at most 4 MiB of output. `createCommandRunner`
 * (probes.ts) starts it from its compiled file and owns its life.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { execa } from 'execa';
import { COMMAND_WORKER_DATA } from './probes.js';

/** Most bytes of output a command may write before it is stopped. */
export const COMMAND_MAX_OUTPUT_BYTES = 4 * 1024 * 1024;

/** One command to run, as the runner posts it. */
export interface CommandRequest {
  id: number;
  file: string;
  args: string[];
  timeoutMs: number;
}

/** The answer to one request: the output and exit code, or the code of why it could not run. */
export type CommandReply = { id: number; stdout: string; exitCode: number } | { id: number; error: string };

/** Runs one request; never rejects. */
export async function runCommand({ id, file, args, timeoutMs }: CommandRequest): Promise<CommandReply> {
  try {
    const r = await execa(file, args, {
      reject: false,
      stdin: 'ignore',
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
      maxBuffer: COMMAND_MAX_OUTPUT_BYTES,
    });
    // No exit code: the command never started (ENOENT...) or a signal ended it (the deadline's SIGKILL).
    if (r.exitCode === undefined) return { id, error: r.code ?? (r.timedOut ? 'ETIMEDOUT' : 'EFAILED') };
    return { id, stdout: r.stdout, exitCode: r.exitCode };
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    return { id, error: typeof code === 'string' && code !== '' ? code : 'EFAILED' };
  }
}

const port = parentPort;
if (port !== null && workerData === COMMAND_WORKER_DATA) {
  port.on('message', (request: CommandRequest) => {
    void runCommand(request).then((reply) => {
      port.postMessage(reply);
    });
  });
}
