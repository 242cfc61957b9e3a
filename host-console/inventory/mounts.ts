/**
 * The mount table, shared by the local-disk and NFS collectors: /proc/mounts
 * for what is mounted where, /proc/self/mountinfo for the device numbers
 * that tie a mount to a block device even when its source reads /dev/root
 * or a /dev/disk/by-* link.
 */
import type { HostSource } from './source.js';

/** One line of /proc/mounts. */
export interface MountEntry {
  source: string;
  mountPoint: string;
  fsType: string;
  options: string;
}

/** Undoes the kernel's octal escapes in mount fields (`\040` is a space). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/mounts; lines with fewer than four fields are skipped and counted. */
export function parseMounts(text: string): { mounts: MountEntry[]; badLines: number } {
  const mounts: MountEntry[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 4) {
      badLines++;
      continue;
    }
    mounts.push({
      source: unescapeMountField(f[0]!),
      mountPoint: unescapeMountField(f[1]!),
      fsType: f[2]!,
      options: f[3]!,
    });
  }
  return { mounts, badLines };
}

/** Parses /proc/self/mountinfo into mount point → device number (`major:minor`). */
export function parseMountinfoDevices(text: string): Map<string, string> {
  const devices = new Map<string, string>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    // id parent major:minor root mountpoint ...
    if (f.length < 5 || !/^\d+:\d+$/.test(f[2]!)) continue;
    devices.set(unescapeMountField(f[4]!), f[2]!);
  }
  return devices;
}

/** The mount table with device numbers where mountinfo gives them. */
export interface MountTable {
  mounts: MountEntry[];
  deviceOf: Map<string, string>;
}

/** Reads the mount table once; a missing or garbled /proc/mounts is one warning and an empty table. */
export async function readMountTable(src: HostSource): Promise<MountTable> {
  const [text, info] = await Promise.all([
    src.text('/proc/mounts', { required: true }),
    src.text('/proc/self/mountinfo'),
  ]);
  const parsed = text === null ? { mounts: [], badLines: 0 } : parseMounts(text);
  if (parsed.badLines > 0)
    src.warnings.warn('PARSE_FAILED', `${parsed.badLines} malformed line(s) in /proc/mounts`, '/proc/mounts');
  return { mounts: parsed.mounts, deviceOf: info === null ? new Map<string, string>() : parseMountinfoDevices(info) };
}
