/**
 * One `quantix-vdc serve` per state directory. The lock is an exclusive
 * SQLite lock (`locking_mode = EXCLUSIVE` on `serve.lock`), held for the
 * life of the process: the kernel releases it when the process ends, however
 * it ends, so a lock left by a killed process never blocks the next start.
 * `serve.pid` names the holder for the refusal message only; it is never
 * what decides.
 */
import Database from 'better-sqlite3';
import { chmodSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/fs/atomic-file.js';
import { QuantixError } from '../../common/protocol/errors.js';

/** A held state-directory lock. */
export interface StateLock {
  release(): void;
}

function holder(stateDir: string): string {
  try {
    const pid = readFileSync(join(stateDir, 'serve.pid'), 'utf8').trim();
    return /^[0-9]{1,10}$/.test(pid) ? ` (pid ${pid})` : '';
  } catch {
    return '';
  }
}

/** Takes the lock of a state directory, or throws STATE_DIR_IN_USE naming the holder. */
export function lockStateDir(stateDir: string): StateLock {
  const path = join(stateDir, 'serve.lock');
  const db = new Database(path, { timeout: 0 });
  try {
    chmodSync(path, 0o600);
    db.pragma('journal_mode = MEMORY');
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in this mode it is kept until the connection closes.
    db.exec('BEGIN EXCLUSIVE; CREATE TABLE IF NOT EXISTS lock (x INTEGER); COMMIT;');
  } catch (err) {
    db.close();
    const code = (err as { code?: unknown }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
      throw new QuantixError('STATE_DIR_IN_USE', {
        message: `Another quantix-vdc${holder(stateDir)} is already serving the state directory ${stateDir}.`,
      });
    }
    throw err;
  }
  writeFileAtomic(join(stateDir, 'serve.pid'), `${process.pid}\n`, 0o600);
  return {
    release: () => {
      if (db.open) db.close();
    },
  };
}
