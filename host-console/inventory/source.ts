/**
 * The collectors' only door to the machine: every read goes through an
 * injectable root (`/` on a host, a fixture tree in tests) and every problem
 * becomes one warning instead of an exception, so a broken file costs one
 * field, never the inventory.
 */
import { readFile as readFileCallback } from 'node:fs';
import { lstat, open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import type { InventoryWarning } from '../../common/protocol/inventory.js';

/** Collects warnings, one per code and path. */
export interface WarningSink {
  warn(code: string, message: string, path?: string): void;
  list(): InventoryWarning[];
}

/** Creates a warning sink that drops repeats of the same code and path. */
export function createWarningSink(): WarningSink {
  const seen = new Set<string>();
  const warnings: InventoryWarning[] = [];
  return {
    warn(code, message, path) {
      const key = `${code}\0${path ?? ''}`;
      if (seen.has(key)) return;
      seen.add(key);
      warnings.push(path === undefined ? { code, message } : { code, message, path });
    },
    list: () => [...warnings],
  };
}

/** Whether a missing file is normal (optional) or a problem worth a warning (required). */
export interface ReadOptions {
  required?: boolean;
}

/** Largest file read whole; pci.ids is about 1.4 MB, sysfs attributes a page. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/** Reads host paths (`/proc/cpuinfo`) under a root, turning failures into warnings. */
export interface HostSource {
  /** Absolute root the host paths live under. */
  readonly root: string;
  /** True when root is `/`: the live machine, not a fixture tree. */
  readonly live: boolean;
  readonly warnings: WarningSink;
  /** Absolute path of a host path under the root. */
  resolve(hostPath: string): string;
  /** File content, or null when missing (warned if required) or unreadable (always warned). */
  text(hostPath: string, opts?: ReadOptions): Promise<string | null>;
  /** Trimmed single-line attribute (sysfs style); empty content reads as null. */
  attr(hostPath: string, opts?: ReadOptions): Promise<string | null>;
  /** Raw bytes, same rules as text. */
  bytes(hostPath: string, opts?: ReadOptions): Promise<Buffer | null>;
  /** Directory entries, sorted; [] when missing (warned if required) or not a directory (warned). */
  list(hostPath: string, opts?: ReadOptions): Promise<string[]>;
  /** Last component of a symlink's target (driver, iommu_group, master), or null. */
  linkName(hostPath: string): Promise<string | null>;
  /** Resolved host path of a (sysfs) symlink, or null. */
  realHostPath(hostPath: string): Promise<string | null>;
  /** Whether a path exists (following links). */
  exists(hostPath: string): Promise<boolean>;
  /** Whether a path is a character device that opens for reading and writing. */
  usableCharDevice(hostPath: string): Promise<boolean>;
}

/**
 * At most this many file operations in flight. sysfs reads finish in
 * microseconds, so with hundreds started at once their completions pile up
 * and run back to back in one loop turn; a small window keeps each turn
 * short while still keeping libuv's four pool threads busy.
 */
const MAX_IN_FLIGHT = 8;

/** A counting semaphore: run(work) waits for a free slot. */
function createLimiter(limit: number): <T>(work: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (work) => {
    if (active >= limit) await new Promise<void>((go) => waiting.push(go));
    active++;
    try {
      return await work();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'EUNKNOWN';
}

/** Creates a source reading under root. */
export function createHostSource(root: string, warnings: WarningSink = createWarningSink()): HostSource {
  const absRoot = resolve(root);
  const live = absRoot === sep;
  const abs = (hostPath: string): string => (live ? hostPath : join(absRoot, hostPath));
  const limit = createLimiter(MAX_IN_FLIGHT);

  // A dangling symlink reads as ENOENT; it is a broken file, not an absent one.
  const missingIsProblem = async (hostPath: string): Promise<boolean> => {
    try {
      await limit(() => lstat(abs(hostPath)));
      return true;
    } catch {
      return false;
    }
  };

  const onReadError = async (hostPath: string, err: unknown, opts: ReadOptions | undefined): Promise<null> => {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      if (code === 'ENOENT' && (await missingIsProblem(hostPath))) {
        warnings.warn('READ_FAILED', `${hostPath} is a broken link`, hostPath);
      } else if (opts?.required) {
        warnings.warn('READ_FAILED', `${hostPath} is missing`, hostPath);
      }
      return null;
    }
    // sysfs answers EINVAL/ENODEV for attributes that have no value right now (speed of a down link).
    if (code === 'EINVAL' || code === 'ENODEV' || code === 'ENXIO') {
      if (opts?.required) warnings.warn('READ_FAILED', `${hostPath} has no value (${code})`, hostPath);
      return null;
    }
    warnings.warn('READ_FAILED', `${hostPath} could not be read (${code})`, hostPath);
    return null;
  };

  // The callback readFile, not fs/promises: a FileHandle per file costs far more main-thread time than the read itself on sysfs.
  const readWhole = (hostPath: string): Promise<Buffer | 'directory' | 'too-large'> =>
    new Promise((done, fail) => {
      readFileCallback(abs(hostPath), (err, data) => {
        if (err) {
          if (err.code === 'EISDIR') done('directory');
          else fail(err);
          return;
        }
        done(data.length > MAX_FILE_BYTES ? 'too-large' : data);
      });
    });

  const bytes = async (hostPath: string, opts?: ReadOptions): Promise<Buffer | null> => {
    let result: Awaited<ReturnType<typeof readWhole>>;
    try {
      result = await limit(() => readWhole(hostPath));
    } catch (err) {
      return onReadError(hostPath, err, opts);
    }
    if (result === 'directory') {
      warnings.warn('READ_FAILED', `${hostPath} is a directory, expected a file`, hostPath);
      return null;
    }
    if (result === 'too-large') {
      warnings.warn('READ_FAILED', `${hostPath} is larger than ${MAX_FILE_BYTES} bytes`, hostPath);
      return null;
    }
    return result;
  };

  const text = async (hostPath: string, opts?: ReadOptions): Promise<string | null> => {
    const buf = await bytes(hostPath, opts);
    return buf === null ? null : buf.toString('utf8');
  };

  return {
    root: absRoot,
    live,
    warnings,
    resolve: abs,
    bytes,
    text,
    async attr(hostPath, opts) {
      const t = await text(hostPath, opts);
      if (t === null) return null;
      const v = t.replace(/\0+$/, '').trim();
      return v === '' ? null : v;
    },
    async list(hostPath, opts) {
      try {
        return (await limit(() => readdir(abs(hostPath)))).sort();
      } catch (err) {
        const code = errorCode(err);
        if (code === 'ENOTDIR') {
          warnings.warn('READ_FAILED', `${hostPath} is not a directory`, hostPath);
          return [];
        }
        await onReadError(hostPath, err, opts);
        return [];
      }
    },
    async linkName(hostPath) {
      try {
        const target = await limit(() => readlink(abs(hostPath)));
        const name = basename(target);
        return name === '' ? null : name;
      } catch {
        return null;
      }
    },
    async realHostPath(hostPath) {
      try {
        const real = await limit(() => realpath(abs(hostPath)));
        if (live) return real;
        return real.startsWith(absRoot + sep) ? real.slice(absRoot.length) : null;
      } catch {
        return null;
      }
    },
    async exists(hostPath) {
      try {
        await limit(() => stat(abs(hostPath)));
        return true;
      } catch {
        return false;
      }
    },
    async usableCharDevice(hostPath) {
      try {
        return await limit(async () => {
          const info = await stat(abs(hostPath));
          if (!info.isCharacterDevice()) return false;
          const handle = await open(abs(hostPath), 'r+');
          await handle.close();
          return true;
        });
      } catch {
        return false;
      }
    },
  };
}
