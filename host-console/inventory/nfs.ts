/**
 * NFS mounts from /proc/mounts. Size comes from statfs under a deadline,
 * because a statfs on a hung hard-mounted server never returns; such a mount
 * is reported with `responsive: false` instead of holding up discovery.
 */
import type { NfsMount } from '../../common/protocol/inventory.js';
import type { MountEntry, MountTable } from './mounts.js';
import type { SpaceReader } from './space.js';
import { bracketHost } from '../../common/protocol/host-port.js';

/** Filesystem types reported as NFS. */
const NFS_TYPES = new Set(['nfs', 'nfs4']);

/** Splits an NFS mount source into server and export: `host:/path`, `[fd00::5]:/path`, and tolerates an unbracketed IPv6 server. */
export function splitNfsSource(source: string): { server: string; export: string } | null {
  if (source.startsWith('[')) {
    const m = /^\[([^\]]+)\]:(.*)$/.exec(source);
    return m && m[2] !== '' ? { server: m[1]!, export: m[2]! } : null;
  }
  const at = source.indexOf(':/');
  if (at > 0) return { server: source.slice(0, at), export: source.slice(at + 1) };
  const colon = source.indexOf(':');
  if (colon <= 0 || colon === source.length - 1) return null;
  return { server: source.slice(0, colon), export: source.slice(colon + 1) };
}

/** `server:/export` with an IPv6 server in brackets. */
export function formatNfsSource(server: string, exportPath: string): string {
  return `${bracketHost(server)}:${exportPath}`;
}

/** The NFS version from `vers=`/`nfsvers=` options, else 4 for nfs4, else null. */
export function nfsVersion(fsType: string, options: string): string | null {
  for (const opt of options.split(',')) {
    const m = /^(?:nfs)?vers=([\d.]+)$/.exec(opt);
    if (m) return m[1]!;
  }
  return fsType === 'nfs4' ? '4' : null;
}

/** An NFS mount before statfs: everything but its space. */
export type NfsMountEntry = Omit<NfsMount, 'sizeBytes' | 'usedBytes' | 'availableBytes' | 'responsive'> & {
  fsType: string;
};

/** The NFS mounts of a mount table. */
export function nfsMountsFrom(mounts: MountEntry[]): NfsMountEntry[] {
  const out: NfsMountEntry[] = [];
  for (const m of mounts) {
    if (!NFS_TYPES.has(m.fsType)) continue;
    const parts = splitNfsSource(m.source);
    out.push({
      server: parts?.server ?? m.source,
      export: parts?.export ?? '',
      source: parts ? formatNfsSource(parts.server, parts.export) : m.source,
      mountPoint: m.mountPoint,
      version: nfsVersion(m.fsType, m.options),
      options: m.options,
      fsType: m.fsType,
    });
  }
  return out;
}

/** Reads NFS mounts with their space; every statfs runs in parallel under the deadline. */
export async function readNfs(table: MountTable, space: SpaceReader): Promise<NfsMount[]> {
  return Promise.all(
    nfsMountsFrom(table.mounts).map(async ({ fsType, ...m }) => {
      const s = await space(m.mountPoint, fsType);
      const known = s !== null && s !== 'timeout';
      return {
        ...m,
        sizeBytes: known ? s.sizeBytes : null,
        usedBytes: known ? s.usedBytes : null,
        availableBytes: known ? s.availableBytes : null,
        responsive: s !== 'timeout',
      };
    }),
  );
}
