import { describe, expect, it } from 'vitest';
import { formatBytes, formatBytesShort, formatUsedTotal } from '../../common/format/bytes.js';
import { formatAge, formatDuration, formatWait } from '../../common/format/duration.js';
import {
  fingerprintGroups,
  fingerprintLines,
  formatFingerprint,
  shortFingerprint,
} from '../../common/format/fingerprint.js';

const KiB = 1024;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

describe('bytes', () => {
  it.each<[number | null | undefined, string]>([
    // A whole value has no decimals: never `16.0 GiB`.
    [16 * GiB, '16 GiB'],
    // One that only rounds to a whole one reads the same.
    [15.98 * GiB, '16 GiB'],
    // Otherwise one decimal.
    [1.5 * TiB, '1.5 TiB'],
    [15.6 * GiB, '15.6 GiB'],
    // From 100 of a unit up, whole numbers.
    [932.4 * GiB, '932 GiB'],
    // Bytes are whole, without a unit prefix.
    [512, '512 B'],
    [0, '0 B'],
    // Just under the next unit stays in this one.
    [1023 * KiB, '1023 KiB'],
    // Nothing known, or nothing a number.
    [null, '-'],
    [undefined, '-'],
    [Number.NaN, '-'],
  ])('%s → %s', (n, want) => expect(formatBytes(n)).toBe(want));

  it('says what the caller calls unknown', () => {
    expect(formatBytes(null, 'unknown')).toBe('unknown');
  });

  it.each<[number | null, string]>([
    [512 * GiB, '512G'],
    [1.5 * TiB, '1.5T'],
    [61 * TiB, '61T'],
    [100, '100B'],
    [null, '-'],
  ])('short %s → %s', (n, want) => expect(formatBytesShort(n)).toBe(want));

  it.each<[number | null, number | null, boolean, string]>([
    // Both numbers in the total's unit, with the decimals the total needs.
    [4 * TiB, 6 * TiB, false, '4.0/6.0 TiB'],
    [0.4 * TiB, 1 * TiB, false, '0.4/1.0 TiB'],
    // From 100 of the unit, whole numbers; the short form for table cells.
    [28 * GiB, 503 * GiB, true, '28/503G'],
    // An unknown part is a dash.
    [null, 512 * GiB, false, '-/512 GiB'],
    [1, null, false, '-'],
  ])('used %s of %s (short %s) → %s', (used, total, short, want) =>
    expect(formatUsedTotal(used, total, short)).toBe(want),
  );
});

describe('durations', () => {
  it.each<[number | null, string]>([
    // Two largest units, the second padded.
    [3725, '1h 02m'],
    [245, '4m 05s'],
    [12, '12s'],
    [3 * 86_400 + 4 * 3600 + 59, '3d 04h'],
    // Whole seconds, never a fraction.
    [59.9, '59s'],
    // Time that has passed reads as none left.
    [-3, '0s'],
    // Unknown.
    [null, '-'],
    [Number.NaN, '-'],
  ])('%s s → %s', (s, want) => expect(formatDuration(s)).toBe(want));

  it.each<[number | null, string]>([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [3 * 3600_000, '3h'],
    [2 * 86_400_000 + 1, '2d'],
    // A clock slightly behind the record still says now, not a negative age.
    [-5_000, '0s'],
  ])('age of %s ms → %s', (elapsed, want) => {
    const now = Date.UTC(2026, 10, 25, 14, 0, 0);
    expect(formatAge(now - elapsed!, now)).toBe(want);
  });

  it('an age of nothing is a dash', () => {
    expect(formatAge(null, 0)).toBe('-');
  });

  it.each<[number, string]>([
    // Rounded up: trying again at the time shown is never too early.
    [41.2, '42 s'],
    [0, '1 s'],
    [119, '119 s'],
    [121, '3 min'],
    [600, '10 min'],
  ])('wait %s s → %s', (s, want) => expect(formatWait(s)).toBe(want));
});

describe('fingerprints', () => {
  const fp = '9a2664f509c91cbde8035505ef382b9b00112233445566778899aabbccddeeff';

  it('groups the hex digits in fours', () => {
    expect(formatFingerprint(fp)).toBe(
      '9a26 64f5 09c9 1cbd e803 5505 ef38 2b9b 0011 2233 4455 6677 8899 aabb ccdd eeff',
    );
    expect(fingerprintGroups(fp)).toHaveLength(16);
  });

  it('splits into lines of eight groups that fit 80 columns', () => {
    expect(fingerprintLines(fp)).toEqual([
      '9a26 64f5 09c9 1cbd e803 5505 ef38 2b9b',
      '0011 2233 4455 6677 8899 aabb ccdd eeff',
    ]);
    expect(fingerprintLines(fp, 4)).toHaveLength(4);
  });

  it('names a certificate in messages by its first sixteen digits', () => {
    expect(shortFingerprint(fp)).toBe('9a2664f509c91cbd…');
  });

  it('shows only hex digits, in lower case, of a hostile or pasted value', () => {
    expect(formatFingerprint('9A:26\u001b[K64F5')).toBe('9a26 64f5');
  });
});
