/**
 * Runs a compiled program to completion, as a shell would for a command:
 * stdin given (or empty), stdout and stderr collected, a deadline after
 * which it is killed and the test fails saying which command hung.
 */
import { spawn } from 'node:child_process';

/** What a finished command left. */
export interface ProgramRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Options of runNodeProgram. */
export interface RunOptions {
  /** The whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string;
  timeoutMs?: number;
  /** Without a controlling terminal, so nothing can ever be asked on /dev/tty. */
  detached?: boolean;
  /** Run as this user and group (needs root), as another user of the machine would. */
  uid?: number;
  gid?: number;
}

/**
 * The command line that starts `node ...args`, under a lower open-files
 * limit when fdLimit is given (through the shell's `ulimit -n`, which then
 * execs node: the child's pid is node's).
 */
export function nodeCommand(args: string[], fdLimit?: number): [string, string[]] {
  if (fdLimit === undefined) return [process.execPath, args];
  return ['/bin/sh', ['-c', `ulimit -n ${Math.floor(fdLimit)} && exec "$0" "$@"`, process.execPath, ...args]];
}

/** Runs `node script ...args` and resolves when it exits. */
export function runNodeProgram(script: string, args: string[], opts: RunOptions = {}): Promise<ProgramRun> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: opts.detached ?? false,
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not finish within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
