/**
 * The host's cluster membership, persisted in `<state-dir>/membership.json`
 * with write-fsync-rename so a crash leaves the old or the new record. The
 * record pins the vDC's client certificate by fingerprint.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/fs/atomic-file.js';
import type { ClusterRef, Membership, VdcRef } from '../../common/protocol/agent-api.js';

/** The stored membership. */
export interface MembershipRecord {
  vdc: VdcRef & { clientCertFingerprint: string };
  cluster: ClusterRef;
  nodeId: string;
  joinedAt: string;
  lastContactAt: string | null;
  /** Set by the vDC (`node/membership`); absent in records written before maintenance existed. */
  maintenance?: boolean;
}

/** File name of the membership record in the state directory. */
export const MEMBERSHIP_FILE = 'membership.json';

/** Path of the membership record. */
export function membershipPath(stateDir: string): string {
  return join(stateDir, MEMBERSHIP_FILE);
}

function isRecord(v: unknown): v is MembershipRecord {
  const o = v as Partial<MembershipRecord> | null;
  return (
    !!o &&
    typeof o === 'object' &&
    typeof o.nodeId === 'string' &&
    typeof o.joinedAt === 'string' &&
    !!o.vdc &&
    typeof o.vdc.id === 'string' &&
    typeof o.vdc.name === 'string' &&
    typeof o.vdc.url === 'string' &&
    typeof o.vdc.clientCertFingerprint === 'string' &&
    /^[0-9a-f]{64}$/.test(o.vdc.clientCertFingerprint) &&
    !!o.cluster &&
    typeof o.cluster.id === 'string' &&
    typeof o.cluster.name === 'string' &&
    (o.lastContactAt === null || typeof o.lastContactAt === 'string') &&
    (o.maintenance === undefined || typeof o.maintenance === 'boolean')
  );
}

/**
 * Reads the membership; null when standalone. A damaged file is an error,
 * not "standalone": silently forgetting the vDC would let anyone re-register
 * the host.
 */
export function loadMembership(stateDir: string): MembershipRecord | null {
  const path = membershipPath(stateDir);
  if (!existsSync(path)) return null;
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (!isRecord(parsed))
    throw new Error(`${path} is not a membership record; move it aside to make the host standalone`);
  return {
    vdc: {
      id: parsed.vdc.id,
      name: parsed.vdc.name,
      url: parsed.vdc.url,
      clientCertFingerprint: parsed.vdc.clientCertFingerprint,
    },
    cluster: { id: parsed.cluster.id, name: parsed.cluster.name },
    nodeId: parsed.nodeId,
    joinedAt: parsed.joinedAt,
    lastContactAt: parsed.lastContactAt ?? null,
    maintenance: parsed.maintenance === true,
  };
}

/** Writes the membership durably. */
export function saveMembership(stateDir: string, m: MembershipRecord): void {
  writeFileAtomic(membershipPath(stateDir), JSON.stringify(m, null, 2) + '\n', 0o600);
}

/** Removes the membership (the host is standalone again). */
export function clearMembership(stateDir: string): void {
  try {
    unlinkSync(membershipPath(stateDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The public view of a membership (without the pinned fingerprint). */
export function membershipView(m: MembershipRecord | null): Membership | null {
  if (!m) return null;
  return {
    vdc: { id: m.vdc.id, name: m.vdc.name, url: m.vdc.url },
    cluster: { ...m.cluster },
    nodeId: m.nodeId,
    joinedAt: m.joinedAt,
    lastContactAt: m.lastContactAt,
    maintenance: m.maintenance === true,
  };
}
