/**
 * iSCSI sessions from the iSCSI transport class in sysfs: the target, the
 * portal of its connection, its state, and the LUNs it attached as block
 * devices. No iscsi_session class means no iSCSI initiator is running.
 */
import { posix } from 'node:path';
import type { IscsiSession } from '../../common/protocol/inventory.js';
import { sectorsToBytes } from './disks.js';
import type { HostSource } from './source.js';

/** The LUN of a SCSI address `host:channel:target:lun`, or null. */
export function lunFromScsiAddress(address: string): number | null {
  const m = /^\d+:\d+:\d+:(\d+)$/.exec(address);
  return m ? Number(m[1]) : null;
}

/** The session number of `sessionN`, or null. */
export function sessionNumber(name: string): string | null {
  return /^session(\d+)$/.exec(name)?.[1] ?? null;
}

/** A portal port, or null when not a port number. */
export function parsePort(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  const port = Number(text);
  return port > 0 && port < 65536 ? port : null;
}

async function sessionDevices(src: HostSource, sessionDir: string): Promise<IscsiSession['devices']> {
  const targets = (await src.list(sessionDir)).filter((t) => /^target\d+:\d+:\d+$/.test(t));
  const perTarget = await Promise.all(
    targets.map(async (t) => {
      const luns = (await src.list(`${sessionDir}/${t}`)).filter((l) => lunFromScsiAddress(l) !== null);
      const perLun = await Promise.all(
        luns.map(async (l) => {
          const lunDir = `${sessionDir}/${t}/${l}`;
          const blocks = await src.list(`${lunDir}/block`);
          return Promise.all(
            blocks.map(async (b) => ({
              name: b,
              sizeBytes: sectorsToBytes(await src.attr(`${lunDir}/block/${b}/size`)),
              lun: lunFromScsiAddress(l),
            })),
          );
        }),
      );
      return perLun.flat();
    }),
  );
  return perTarget.flat().sort((a, b) => (a.lun ?? 0) - (b.lun ?? 0) || a.name.localeCompare(b.name));
}

async function readSession(src: HostSource, name: string, connections: string[]): Promise<IscsiSession> {
  const base = `/sys/class/iscsi_session/${name}`;
  const n = sessionNumber(name);
  const connection = connections.find((c) => c.startsWith(`connection${n}:`));
  const conn = connection === undefined ? null : `/sys/class/iscsi_connection/${connection}`;
  const [targetIqn, state, real, pAddress, pPort, address, port] = await Promise.all([
    src.attr(`${base}/targetname`, { required: true }),
    src.attr(`${base}/state`),
    src.realHostPath(base),
    conn === null ? null : src.attr(`${conn}/persistent_address`),
    conn === null ? null : src.attr(`${conn}/persistent_port`),
    conn === null ? null : src.attr(`${conn}/address`),
    conn === null ? null : src.attr(`${conn}/port`),
  ]);
  // The class link points at <session dir>/iscsi_session/sessionN; the SCSI targets hang off the session dir.
  const sessionDir = real === null ? null : posix.dirname(posix.dirname(real));
  return {
    session: name,
    targetIqn,
    // The persistent portal is the one the initiator was configured with; after a redirect the current one differs.
    portalAddress: pAddress ?? address,
    portalPort: parsePort(pPort) ?? parsePort(port),
    state,
    devices: sessionDir === null ? [] : await sessionDevices(src, sessionDir),
  };
}

/** Reads every iSCSI session. */
export async function readIscsi(src: HostSource): Promise<IscsiSession[]> {
  const [sessions, connections] = await Promise.all([
    src.list('/sys/class/iscsi_session'),
    src.list('/sys/class/iscsi_connection'),
  ]);
  const numbered = sessions
    .filter((s) => sessionNumber(s) !== null)
    .sort((a, b) => Number(sessionNumber(a)) - Number(sessionNumber(b)));
  return Promise.all(numbered.map((s) => readSession(src, s, connections)));
}
