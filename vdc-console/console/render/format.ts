/**
 * Units and times in the few characters a table cell has. Pure: the clock
 * is always a parameter.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

function unitIndex(bytes: number): number {
  let i = 0;
  let v = Math.abs(bytes);
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i;
}

function scaled(bytes: number, i: number): string {
  const v = bytes / 1024 ** i;
  return v >= 100 || i === 0 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
}

/** Bytes in binary units: `512 GiB`, `1.5 TiB`; `-` when unknown. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  const i = unitIndex(bytes);
  return `${scaled(bytes, i)} ${UNITS[i]}`;
}

/** Bytes with a one-letter unit for narrow cells: `512G`, `1.5T`. */
export function formatBytesShort(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '-';
  const i = unitIndex(bytes);
  return `${scaled(bytes, i)}${i === 0 ? 'B' : UNITS[i]![0]}`;
}

/** Used over total in the total's unit: `4.0/6.0 TiB`, `-/512 GiB`. */
export function formatUsedTotal(used: number | null | undefined, total: number | null | undefined, short = false): string {
  if (total === null || total === undefined || !Number.isFinite(total)) return '-';
  const i = unitIndex(total);
  const unit = short ? (i === 0 ? 'B' : UNITS[i]![0]) : ` ${UNITS[i]}`;
  // Both numbers get the decimals the total needs, so `0.4/1.0 TiB` reads as a pair.
  const fixed = i > 0 && total / 1024 ** i < 100;
  const num = (n: number) => (fixed ? (n / 1024 ** i).toFixed(1) : String(Math.round(n / 1024 ** i)));
  const u = used === null || used === undefined || !Number.isFinite(used) ? '-' : num(used);
  return `${u}/${num(total)}${unit}`;
}

/** A percentage without decimals: `37%`; `-` when unknown. */
export function formatPercent(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '-';
  return `${Math.round(Math.min(100, Math.max(0, p)))}%`;
}

/** `1 disk`, `2 disks`: a count with its noun, plural unless it is one. */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}

/** How long ago, in the largest whole unit: `2s`, `3m`, `5h`, `2d`; `-` when never. */
export function formatAge(at: number | null | undefined, now: number): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '-';
  const s = Math.max(0, Math.floor((now - at) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A moment as `2026-11-25 14:07 UTC`; `-` when unknown. */
export function formatTimestamp(at: number | null | undefined): string {
  if (at === null || at === undefined || !Number.isFinite(at)) return '-';
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return '-';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A duration in seconds as `3d 4h`, `5h 12m`, `12m`; `-` when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m`;
}

/** A SHA-256 fingerprint in groups of four for reading aloud: `9a26 64f5 …`. */
export function formatFingerprint(fp: string, groups = 16): string {
  const g = fp.match(/.{1,4}/g) ?? [];
  return g.slice(0, groups).join(' ');
}

/**
 * The whole fingerprint as the host console shows it, eight groups a row:
 * sixteen groups do not fit one table row at 80 columns, and a cut
 * fingerprint cannot be compared with the one on the host's screen.
 */
export function fingerprintRows(fp: string): string[] {
  const groups = formatFingerprint(fp).split(' ');
  const rows: string[] = [];
  for (let i = 0; i < groups.length; i += 8) rows.push(groups.slice(i, i + 8).join(' '));
  return rows;
}
