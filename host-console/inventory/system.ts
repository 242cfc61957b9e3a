/**
 * System identity: SMBIOS strings, OS and kernel, uptime, and the hostId the
 * vDC knows this host by. The hostId must survive reinstalls of the agent and
 * differ between machines, so firmware placeholders are never trusted.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../common/fs/atomic-file.js';
import type { SystemInfo } from '../../common/protocol/inventory.js';
import type { HostSource } from './source.js';

/** SMBIOS strings vendors ship unfilled; they say nothing about the machine. */
const DMI_PLACEHOLDERS = new Set(
  [
    'to be filled by o.e.m.',
    'to be filled by oem',
    'default string',
    'system product name',
    'system manufacturer',
    'system serial number',
    'system version',
    'not specified',
    'not applicable',
    'not available',
    'not present',
    'none',
    'n/a',
    'o.e.m.',
    'oem',
    '0',
    '0123456789',
    '1234567890',
    'xxxxxxxxxx',
  ].map((s) => s.toLowerCase()),
);

/** A DMI string, or null when it is empty or a vendor placeholder. */
export function cleanDmiValue(value: string | null): string | null {
  if (value === null) return null;
  const v = value.replace(/\0/g, '').trim();
  if (v === '' || DMI_PLACEHOLDERS.has(v.toLowerCase())) return null;
  return v;
}

/** UUIDs that many boards share: firmware defaults, not identities. */
const PLACEHOLDER_UUIDS = new Set([
  '03000200-0400-0500-0006-000700080009',
  '00020003-0004-0005-0006-000700080009',
  '12345678-1234-5678-90ab-cddeefaabbcc',
  'fefefefe-fefe-fefe-fefe-fefefefefefe',
]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The lower-case SMBIOS UUID, or null when it is not a UUID or is a placeholder (one repeated digit, known defaults). */
export function usableSmbiosUuid(raw: string | null): string | null {
  if (raw === null) return null;
  const v = raw.trim().toLowerCase();
  if (!UUID_RE.test(v)) return null;
  const digits = v.replace(/-/g, '');
  if (/^(.)\1*$/.test(digits)) return null;
  if (PLACEHOLDER_UUIDS.has(v)) return null;
  return v;
}

/** /etc/machine-id (32 hex digits) as a lower-case UUID, or null when absent, uninitialized or all zeros. */
export function machineIdAsUuid(raw: string | null): string | null {
  if (raw === null) return null;
  const v = raw.trim().toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(v) || /^0+$/.test(v)) return null;
  return `${v.slice(0, 8)}-${v.slice(8, 12)}-${v.slice(12, 16)}-${v.slice(16, 20)}-${v.slice(20)}`;
}

/** Parses os-release (`KEY="value"` lines) into a map. */
export function parseOsRelease(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    map.set(m[1]!, value.replace(/\\(["'$`\\])/g, '$1'));
  }
  return map;
}

/** The OS name from os-release: PRETTY_NAME, else NAME and VERSION, else null. */
export function osName(osRelease: Map<string, string>): string | null {
  const pretty = osRelease.get('PRETTY_NAME');
  if (pretty) return pretty;
  const name = osRelease.get('NAME');
  if (!name) return null;
  const version = osRelease.get('VERSION');
  return version ? `${name} ${version}` : name;
}

/** Seconds since boot from /proc/uptime, or null when the first field is not a number. */
export function parseUptime(text: string): number | null {
  const first = text.trim().split(/\s+/)[0] ?? '';
  if (!/^\d+(\.\d+)?$/.test(first)) return null;
  return Math.floor(Number(first));
}

/** Where the generated hostId is kept inside the state dir. */
export const HOST_ID_FILE = 'host-id';

async function generatedHostId(stateDir: string): Promise<string> {
  const path = join(stateDir, HOST_ID_FILE);
  try {
    const kept = (await readFile(path, 'utf8')).trim().toLowerCase();
    if (UUID_RE.test(kept)) return kept;
  } catch {
    // first start: nothing kept yet
  }
  const id = randomUUID();
  await mkdir(stateDir, { recursive: true, mode: 0o700 });
  // Once per machine lifetime and a few bytes: the synchronous fsync is acceptable here.
  writeFileAtomic(path, `${id}\n`, 0o600);
  return id;
}

/** Picks the hostId: SMBIOS UUID, else machine-id, else a UUID generated once and kept in stateDir. */
export async function resolveHostId(
  smbiosUuid: string | null,
  machineId: string | null,
  stateDir: string,
): Promise<{ hostId: string; hostIdSource: SystemInfo['hostIdSource'] }> {
  const smbios = usableSmbiosUuid(smbiosUuid);
  if (smbios) return { hostId: smbios, hostIdSource: 'smbios' };
  const machine = machineIdAsUuid(machineId);
  if (machine) return { hostId: machine, hostIdSource: 'machine-id' };
  return { hostId: await generatedHostId(stateDir), hostIdSource: 'generated' };
}

const DMI = '/sys/class/dmi/id';

/** Reads the system section through the source. */
export async function readSystem(src: HostSource, stateDir: string): Promise<SystemInfo> {
  const dmi = (name: string) => src.attr(`${DMI}/${name}`);
  const [
    hostname,
    vendor,
    model,
    serial,
    uuid,
    biosVendor,
    biosVersion,
    biosDate,
    osRelease,
    usrOsRelease,
    kernel,
    uptime,
    machineId,
  ] = await Promise.all([
    src.attr('/proc/sys/kernel/hostname', { required: true }),
    dmi('sys_vendor'),
    dmi('product_name'),
    dmi('product_serial'),
    dmi('product_uuid'),
    dmi('bios_vendor'),
    dmi('bios_version'),
    dmi('bios_date'),
    src.text('/etc/os-release'),
    src.text('/usr/lib/os-release'),
    src.attr('/proc/sys/kernel/osrelease', { required: true }),
    src.text('/proc/uptime', { required: true }),
    src.attr('/etc/machine-id'),
  ]);
  const uptimeSeconds = uptime === null ? null : parseUptime(uptime);
  if (uptime !== null && uptimeSeconds === null)
    src.warnings.warn('PARSE_FAILED', '/proc/uptime does not start with a number', '/proc/uptime');
  if (uuid !== null && usableSmbiosUuid(uuid) === null) {
    src.warnings.warn(
      'HOST_ID_PLACEHOLDER',
      'The SMBIOS UUID is a firmware placeholder shared by many boards; it is not used as the hostId',
      `${DMI}/product_uuid`,
    );
  }
  const release = osRelease ?? usrOsRelease;
  return {
    hostname: hostname ?? 'localhost',
    vendor: cleanDmiValue(vendor),
    model: cleanDmiValue(model),
    serial: cleanDmiValue(serial),
    biosVendor: cleanDmiValue(biosVendor),
    biosVersion: cleanDmiValue(biosVersion),
    biosDate: cleanDmiValue(biosDate),
    os: release === null ? null : osName(parseOsRelease(release)),
    kernel,
    uptimeSeconds,
    ...(await resolveHostId(uuid, machineId, stateDir)),
  };
}
