/**
 * Claiming a Unix socket path before listening: a socket left by a daemon
 * that died is removed, a live one is refused with the caller's error, and
 * a path that is not a socket is never removed. Real sockets, a real
 * process killed mid-life, and the compiled vDC.
 */
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimSocketPath } from '../../common/fs/socket-path.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { runVdcCli } from '../helpers/vdc.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'qx-socket-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const busy = () => new QuantixError('BUSY', { message: 'taken', hint: 'stop it' });

/** A socket file whose server was killed with SIGKILL, as a crashed daemon leaves it. */
async function staleSocket(p: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${JSON.stringify(p)}, () => console.log('up'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('claimSocketPath', () => {
  it('creates a missing directory, private to the owner', async () => {
    const p = path.join(dir, 'run', 'x.sock');
    await claimSocketPath(p, busy);
    expect(lstatSync(path.dirname(p)).mode & 0o777).toBe(0o700);
    expect(existsSync(p)).toBe(false);
  });

  it('removes the socket of a process that died', async () => {
    const p = path.join(dir, 'x.sock');
    await staleSocket(p);
    expect(lstatSync(p).isSocket()).toBe(true);
    await claimSocketPath(p, busy);
    expect(existsSync(p)).toBe(false);
  });

  it('refuses a socket a server still answers on, with the error the caller gives, and keeps it', async () => {
    const p = path.join(dir, 'x.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(p, resolve));
    try {
      await expect(claimSocketPath(p, busy)).rejects.toMatchObject({ code: 'BUSY', message: 'taken' });
      expect(lstatSync(p).isSocket()).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never removes a file that is not a socket', async () => {
    const p = path.join(dir, 'notes.txt');
    writeFileSync(p, 'keep me');
    await expect(claimSocketPath(p, busy)).rejects.toMatchObject({
      code: 'LISTEN_FAILED',
      hint: 'Remove it, or choose another --socket.',
    });
    expect(readFileSync(p, 'utf8')).toBe('keep me');
  });
});

describe('quantix-vdc serve', () => {
  it('refuses a --socket that names a regular file and leaves the file alone', async () => {
    const file = path.join(dir, 'important.txt');
    writeFileSync(file, 'keep me');
    const r = await runVdcCli(['serve', '--state-dir', path.join(dir, 'state'), '--socket', file, '--listen', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^quantix-vdc: LISTEN_FAILED: .*important\.txt exists and is not a socket\. Remove it, or choose another --socket\./m,
    );
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });
});
