/**
 * Filesystem space with a deadline. Every statfs, local or network, goes
 * through here, so one stuck mount costs one warning and a null, never the
 * whole discovery.
 */
import type { FsSpace, StatfsProbe } from './probes.js';
import { NETWORK_FS_TYPES, withTimeout } from './probes.js';
import type { WarningSink } from './source.js';

/** statfs default deadline: long enough for a loaded NFS server, short enough for an operator waiting on discovery. */
export const DEFAULT_STATFS_TIMEOUT_MS = 1500;

/** Space of a mount, 'timeout' when the filesystem did not answer in time, null on failure (warned). */
export type SpaceReader = (mountPoint: string, fsType: string) => Promise<FsSpace | 'timeout' | null>;

/** Wraps a statfs probe with the deadline and one warning per failing mount. */
export function createSpaceReader(statfs: StatfsProbe, timeoutMs: number, warnings: WarningSink): SpaceReader {
  return async (mountPoint, fsType) => {
    let result: FsSpace | 'timeout';
    try {
      result = await withTimeout(statfs(mountPoint, fsType), timeoutMs);
    } catch (err) {
      warnings.warn(
        'STATFS_FAILED',
        `Could not read the space of ${mountPoint}: ${(err as Error).message}`,
        mountPoint,
      );
      return null;
    }
    if (result === 'timeout') {
      const network = NETWORK_FS_TYPES.has(fsType);
      warnings.warn(
        network ? 'NFS_UNRESPONSIVE' : 'STATFS_TIMEOUT',
        network
          ? `The server of ${mountPoint} did not answer within ${timeoutMs} ms; its size is unknown. Check the server and the network path to it.`
          : `${mountPoint} did not report its space within ${timeoutMs} ms`,
        mountPoint,
      );
    }
    return result;
  };
}
