/**
 * Claiming the path of a Unix socket a daemon is about to listen on. A
 * daemon that died leaves its socket file behind, and listen() then fails
 * with EADDRINUSE; a daemon still running must not lose its socket to a
 * second one started by mistake; and a path that is not a socket at all is
 * someone's file, never removed.
 */
import { lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { QuantixError } from '../protocol/errors.js';

/** Whether a server accepts connections on the socket at path. */
function answers(path: string): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = net.connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Makes path free to listen on: creates its directory (0700) and removes a
 * socket nobody answers on. Throws `busy()` when a server still answers, and
 * LISTEN_FAILED when the path is something other than a socket.
 */
export async function claimSocketPath(path: string, busy: () => QuantixError): Promise<void> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket())
    throw new QuantixError('LISTEN_FAILED', {
      message: `${path} exists and is not a socket.`,
      hint: 'Remove it, or choose another --socket.',
    });
  if (await answers(path)) throw busy();
  unlinkSync(path);
}
