/**
 * Sizes as people read them, in binary units (what the kernel and lsblk
 * count in): a whole value without decimals (`16 GiB`, `512 GiB`), one
 * decimal otherwise (`1.5 TiB`), none from 100 up (`932 GiB`). A decimal
 * that rounds to `.0` is dropped, so the same size never reads `16.0 GiB`
 * in one place and `16 GiB` in another. Every screen, CLI and log line
 * formats bytes here.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

function known(n: number | null | undefined): n is number {
  return n !== null && n !== undefined && Number.isFinite(n);
}

/** Index in UNITS of the largest unit that keeps the number at 1 or more. */
function unitIndex(bytes: number): number {
  let i = 0;
  let v = Math.abs(bytes);
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i;
}

/** The number in unit i: whole bytes, whole from 100 up, else at most one decimal. */
function scaled(bytes: number, i: number): string {
  const v = bytes / 1024 ** i;
  if (i === 0 || Math.abs(v) >= 100) return String(Math.round(v));
  return v.toFixed(1).replace(/\.0$/, '');
}

/** `16 GiB`, `1.5 TiB`, `512 B`; `unknown` (default `-`) for null or a number that is not finite. */
export function formatBytes(bytes: number | null | undefined, unknown = '-'): string {
  if (!known(bytes)) return unknown;
  const i = unitIndex(bytes);
  return `${scaled(bytes, i)} ${UNITS[i]!}`;
}

/** The one-letter form for narrow table cells: `512G`, `1.5T`, `100B`; `-` when unknown. */
export function formatBytesShort(bytes: number | null | undefined): string {
  if (!known(bytes)) return '-';
  const i = unitIndex(bytes);
  return `${scaled(bytes, i)}${UNITS[i]![0]!}`;
}

/**
 * Used over total in the total's unit: `4.0/6.0 TiB`, `-/512 GiB`, short
 * `28/503G`. Below 100 of the unit both numbers keep one decimal, so
 * `0.4/1.0 TiB` reads as a pair; `-` when the total is unknown.
 */
export function formatUsedTotal(
  used: number | null | undefined,
  total: number | null | undefined,
  short = false,
): string {
  if (!known(total)) return '-';
  const i = unitIndex(total);
  const unit = short ? UNITS[i]![0]! : ` ${UNITS[i]!}`;
  const fixed = i > 0 && total / 1024 ** i < 100;
  const num = (n: number) => (fixed ? (n / 1024 ** i).toFixed(1) : String(Math.round(n / 1024 ** i)));
  return `${known(used) ? num(used) : '-'}/${num(total)}${unit}`;
}
