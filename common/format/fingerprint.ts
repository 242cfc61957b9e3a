/**
 * Certificate fingerprints (SHA-256, 64 hex digits) as people compare them:
 * lower-case groups of four, read aloud group by group. Anything but hex
 * digits is dropped, so a hostile value cannot draw on the screen. The host
 * console, the vDC console and the CLIs all group fingerprints here, so the
 * two screens an operator compares always agree.
 */

/** The groups of four hex digits: `['9a26', '64f5', …]`. */
export function fingerprintGroups(fp: string): string[] {
  return (
    fp
      .toLowerCase()
      .replace(/[^0-9a-f]/g, '')
      .match(/.{1,4}/g) ?? []
  );
}

/** The whole fingerprint on one line: `9a26 64f5 09c9 …`. */
export function formatFingerprint(fp: string): string {
  return fingerprintGroups(fp).join(' ');
}

/** The fingerprint in lines of `perLine` groups (eight fit a table row at 80 columns; sixteen do not). */
export function fingerprintLines(fp: string, perLine = 8): string[] {
  const groups = fingerprintGroups(fp);
  const lines: string[] = [];
  for (let i = 0; i < groups.length; i += perLine) lines.push(groups.slice(i, i + perLine).join(' '));
  return lines;
}

/** The first sixteen digits and an ellipsis, for messages and logs that name a certificate: `9a2664f509c91cbd…`. */
export function shortFingerprint(fp: string): string {
  return `${fingerprintGroups(fp).slice(0, 4).join('')}…`;
}
