import { describe, expect, it } from 'vitest';
import { ASCII_GLYPHS, UNICODE_GLYPHS, type Glyphs } from '../../common/tui/glyphs.js';
import type { KeyBinding } from '../../common/tui/keys.js';
import { lineText, textWidth } from '../../common/tui/text.js';
import { ALPHABET } from '../../common/token/token.js';
import { BLOCK_FONT, bigTextWidth, renderBigText } from '../../host-console/console/render/font.js';
import { renderScreen, type ScreenInput } from '../../host-console/console/screens/index.js';
import { tokenPanelMode } from '../../host-console/console/screens/token.js';
import { countdown, mmss, secondsLeft } from '../../host-console/console/render/format.js';
import type { ConsoleState, ViewName } from '../../host-console/console/types.js';
import { toHostStatus } from '../../host-console/console/agent-api.js';
import type { LocalStatus } from '../../common/protocol/agent-api.js';
import type { Inventory } from '../../common/protocol/inventory.js';

const T0 = Date.parse('2026-11-25T14:05:18Z');

function baseState(): ConsoleState {
  return {
    socketPath: '/run/quantix/node.sock',
    status: {
      hostname: 'qx-node-07.lab.local',
      hostId: 'h-1',
      agentVersion: '1.0.0',
      agentInstanceId: 'run-1',
      addresses: [
        { address: '10.20.0.17', interface: 'eno1' },
        { address: 'fd00:20::17', interface: 'eno1' },
      ],
      port: 8443,
      certificateFingerprint: '9a2664f509c91cbde8035505ef382b9b00112233445566778899aabbccddeeff',
      membership: null,
      tokenNote: null,
      tokenEnded: null,
    },
    token: null,
    inventory: null,
    problem: null,
    tokenLost: null,
    updatedAt: T0,
  };
}

const withToken = (s: ConsoleState, ttlS = 3600, createdOffsetS = 18): ConsoleState => ({
  ...s,
  token: {
    token: '7K3M9QDX2BHF',
    createdAt: new Date(T0 - createdOffsetS * 1000).toISOString(),
    expiresAt: new Date(T0 - createdOffsetS * 1000 + ttlS * 1000).toISOString(),
    addresses: [{ address: '10.20.0.17', interface: 'eno1' }],
    certificateFingerprint: '9a2664f509c91cbde8035505ef382b9b00112233445566778899aabbccddeeff',
    failedAttempts: 0,
    lastFailedFrom: null,
  },
});

const bindings: KeyBinding[] = [
  { keys: ['f1', '1'], label: 'Help', handler: () => {} },
  { keys: ['f4', '4'], label: 'Token', handler: () => {} },
];

function screen(
  state: ConsoleState,
  view: ViewName,
  now = T0,
  g: Glyphs = UNICODE_GLYPHS,
  extra: Partial<ScreenInput> = {},
): string[] {
  return renderScreen({
    view,
    state,
    now,
    glyphs: g,
    cols: 80,
    rows: 24,
    bindings,
    helpGroups: [{ title: 'Main screen', bindings }],
    flash: null,
    dialog: null,
    ...extra,
  }).lines.map(lineText);
}

/** Cells that differ between two frames. */
function changedCells(a: string[], b: string[]): number {
  let n = 0;
  a.forEach((line, y) => {
    const x = Array.from(line);
    const z = Array.from(b[y] ?? '');
    for (let i = 0; i < Math.max(x.length, z.length); i++) if (x[i] !== z[i]) n++;
  });
  return n;
}

describe('main screen', () => {
  it('shows host, every management URL with its interface, membership and the F-key bar in 80×24', () => {
    const lines = screen(baseState(), 'main');
    expect(lines).toHaveLength(24);
    for (const l of lines) expect(textWidth(l)).toBe(80);
    const text = lines.join('\n');
    expect(lines[0]).toMatch(/^┌ Quantix-OS 1\.0\.0 · Direct Console ─+ 14:05 UTC ┐$/);
    expect(text).toMatch(/Host +qx-node-07\.lab\.local/);
    expect(text).toMatch(/Management +https:\/\/10\.20\.0\.17:8443 +eno1/);
    expect(text).toMatch(/https:\/\/\[fd00:20::17\]:8443 +eno1/);
    expect(text).toContain('○ Standalone: not managed by a vDC');
    expect(text).toContain('press F4 (or 4) for a registration token');
    expect(lines[22]).toContain('F1 Help  F4 Token');
    expect(lines[20]).toContain('quantix-node: running · token: none');
  });

  it('shows the vDC, cluster, join time and last contact when managed', () => {
    const s = baseState();
    s.status!.membership = {
      vdcName: 'vdc01',
      vdcUrl: 'https://10.20.0.2:9443',
      clusterName: 'Production',
      joinedAt: '2026-11-25T14:07:00Z',
      lastContactAt: new Date(T0 - 4_000).toISOString(),
      maintenance: false,
    };
    const text = screen(s, 'main').join('\n');
    expect(text).toContain('● Managed by vDC vdc01 (https://10.20.0.2:9443)');
    expect(text).toContain('cluster Production, since 2026-11-25 14:07');
    expect(text).toContain('last contact 4s ago');
  });

  it('points out a vDC that stopped calling, with the time of its last contact', () => {
    const s = baseState();
    const joinedAt = '2026-11-25T13:00:00Z';
    s.status!.membership = {
      vdcName: 'vdc01',
      vdcUrl: null,
      clusterName: 'Production',
      joinedAt,
      lastContactAt: new Date(T0 - 50_000).toISOString(),
      maintenance: false,
    };
    // within six 15 s polling periods: just the age, dimmed
    expect(screen(s, 'main').join('\n')).toMatch(/last contact 50s ago\s*│/);
    // past them: the clock time too, and that the vDC is silent
    expect(screen(s, 'main', T0 + 5 * 60_000).join('\n')).toContain(
      'last contact 5m ago (14:04 UTC), vDC not heard from',
    );
    // a vDC that never called after the join
    s.status!.membership.lastContactAt = null;
    expect(screen(s, 'main', Date.parse(joinedAt) + 30_000).join('\n')).toContain('no contact from the vDC yet');
    expect(screen(s, 'main').join('\n')).toContain('no contact from the vDC since the join (13:00 UTC)');
  });

  it('says what it tried and why while the agent is unreachable', () => {
    const s = baseState();
    s.status = null;
    s.problem = {
      target: 'the local socket /run/quantix/node.sock',
      code: 'AGENT_UNREACHABLE',
      message: 'The host agent is not reachable on /run/quantix/node.sock.',
      hint: 'Start it.',
      since: T0 - 5_000,
      attempts: 3,
      nextAttemptAt: T0 + 2_000,
    };
    const text = screen(s, 'main').join('\n');
    expect(text).toContain('quantix-node is not answering');
    expect(text).toContain('Tried the local socket /run/quantix/node.sock');
    expect(text).toContain('AGENT_UNREACHABLE: The host agent is not reachable');
    expect(text).toContain('Start it.');
    expect(text).toContain('Retrying in 2 s; attempt 3');
    expect(text).toContain('quantix-node: unreachable');
  });

  it('says permission denied, not unreachable, when this user may not open the socket', () => {
    const s = baseState();
    s.status = null;
    s.problem = {
      target: 'the local socket /run/quantix/node.sock',
      code: 'PERMISSION_DENIED',
      message: "Permission denied opening the host agent's socket /run/quantix/node.sock.",
      hint: 'Run it as root.',
      since: T0,
      attempts: 1,
      nextAttemptAt: T0 + 1_000,
    };
    const text = screen(s, 'main').join('\n');
    expect(text).toContain("permission denied on quantix-node's socket");
    expect(text).toContain('Run it as root.');
    expect(text).toContain('quantix-node: permission denied, retrying (PERMISSION_DENIED)');
    expect(text).not.toContain('not answering');
  });

  it('shows a hostile hostname inert', () => {
    const s = baseState();
    s.status!.hostname = 'evil\x1b]0;owned\x07\x1b[2J{red-fg}';
    const text = screen(s, 'main').join('\n');
    expect(text).toContain('evil^[]0;owned^G^[[2J{red-fg}');
    expect(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/.test(text)).toBe(false);
  });
});

describe('token screen', () => {
  it('shows the token in block type and as text, the countdown, bar, expiry time, address, fingerprint and steps', () => {
    const lines = screen(withToken(baseState()), 'token');
    const text = lines.join('\n');
    expect(lines[0]).toContain('Registration token');
    const big = renderBigText('7K3M9QDX2BHF', '█');
    for (const row of big) expect(text).toContain(row);
    expect(text).toContain('QUANTIX-7K3M-9QDX-2BHF');
    expect(text).toMatch(/Expires in 59:42 {2}\[█+░*\] {2}at 15:05 UTC/);
    expect(text).toMatch(/Host address +10\.20\.0\.17 +\(port 8443\)/);
    expect(text).toContain('9a26 64f5 09c9 1cbd e803 5505 ef38 2b9b');
    expect(text).toContain('0011 2233 4455 6677 8899 aabb ccdd eeff');
    expect(text).toContain('press a (Add host)');
    expect(text).toContain('The token works once, for one hour');
  });

  it('between two seconds only the countdown digits (and rarely one bar cell) change', () => {
    const s = withToken(baseState(), 3600, 0);
    let prev = screen(s, 'token', T0);
    let mostInBody = 0;
    let largerChanges = 0;
    for (let t = 1; t < 3600; t += 1) {
      const next = screen(s, 'token', T0 + t * 1000);
      mostInBody = Math.max(mostInBody, changedCells(prev.slice(1, 19), next.slice(1, 19)));
      // The header clock and the status line's "N min left" change once a minute at most.
      if (changedCells(prev, next) > 4) largerChanges++;
      prev = next;
    }
    expect(mostInBody).toBeLessThanOrEqual(4);
    expect(largerChanges).toBeLessThanOrEqual(120);
  });

  it.each([
    // [what, state tweak, now offset, expected text]
    ['no token', (s: ConsoleState) => s, 0, 'No token. Press G to generate one.'],
    ['expired token', (s: ConsoleState) => withToken(s, 10, 20), 0, 'Expired. Press G for a new token.'],
    [
      'joined',
      (s: ConsoleState) => {
        s.status!.membership = {
          vdcName: 'vdc01',
          vdcUrl: null,
          clusterName: 'Production',
          joinedAt: '2026-11-25T14:07:00Z',
          lastContactAt: null,
          maintenance: false,
        };
        return withToken(s);
      },
      0,
      '● Joined cluster Production on vDC vdc01 at 14:07',
    ],
  ])('%s', (_what, tweak, offset, expected) => {
    const text = screen(tweak(baseState()), 'token', T0 + offset).join('\n');
    expect(text).toContain(expected);
  });

  it('says why the last token ended, from the reason the agent gives', () => {
    const status = toHostStatus({
      ...({} as LocalStatus),
      hostname: 'h',
      hostId: 'id',
      agentVersion: '1.0.0',
      agentInstanceId: 'run-1',
      managementAddresses: [],
      port: 8443,
      certificateFingerprint: 'ab',
      membership: null,
      token: { state: 'revoked', reason: 'revoked by the operator' },
    });
    const s = baseState();
    s.status!.tokenNote = status.tokenNote;
    s.status!.tokenEnded = status.tokenEnded;
    // The main screen's status line points to it.
    expect(screen(s, 'main').join('\n')).toContain('quantix-node: running · token: revoked (F4 says why)');
    const lines = screen(s, 'token');
    const text = lines.join('\n');
    expect(text).toContain('No token. Press G to generate one.');
    expect(text).toContain('The last token was revoked by the operator.');
    for (const l of lines) expect(textWidth(l)).toBe(80);
  });

  it.each([
    // one wrong proof, singular, with the key that ends the token
    [1, '127.0.9.4', '1 failed attempt, last from 127.0.9.4  (R revokes)'],
    // the longest IPv6 address still fits with the hint
    [
      200,
      'ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe',
      '200 failed attempts, last from ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe',
    ],
    // an address that is not one is shown inert
    [3, '\u001b[2Jx', '3 failed attempts, last from ^[[2Jx'],
  ])('shows %i failed attempts from %s under the countdown, keeping the token usable', (count, from, expected) => {
    const s = withToken(baseState());
    s.token = { ...s.token!, failedAttempts: count, lastFailedFrom: from };
    const lines = screen(s, 'token');
    expect(lines.join('\n')).toContain(expected);
    expect(lines.join('\n')).toContain('QUANTIX-7K3M-9QDX-2BHF');
    for (const l of lines) expect(textWidth(l)).toBe(80);
    // Without failures the line stays empty: the screen is the same as before.
    expect(screen(withToken(baseState()), 'token').join('\n')).not.toContain('failed attempt');
  });

  it('reaches 00:00 exactly at expiry, then says expired', () => {
    const s = withToken(baseState(), 3600, 0);
    const exp = T0 + 3_600_000;
    expect(screen(s, 'token', exp - 1_000).join('\n')).toContain('Expires in 00:01');
    expect(tokenPanelMode(s, exp)).toBe('expired');
  });
});

describe('system screen', () => {
  const GiB = 1024 ** 3;
  const inventory: Inventory = {
    collectedAt: '2026-11-25T14:00:00Z',
    system: {
      hostname: 'qx-node-07',
      vendor: 'Dell Inc.',
      model: 'PowerEdge R750',
      serial: null,
      biosVendor: null,
      biosVersion: null,
      biosDate: null,
      os: 'Quantix-OS',
      kernel: null,
      uptimeSeconds: 2 * 86_400 + 3 * 3600 + 125,
      hostId: 'h-1',
      hostIdSource: 'smbios',
    },
    cpu: {
      model: 'Xeon',
      vendor: 'GenuineIntel',
      sockets: 1,
      cores: 8,
      threads: 16,
      mhz: null,
      numaNodes: null,
      virtualization: 'vmx',
      kvmUsable: true,
    },
    memory: { totalBytes: 16 * GiB, availableBytes: 1.5 * GiB, swapTotalBytes: 0, swapFreeBytes: 0 },
    storage: { disks: [], nfs: [], iscsi: [] },
    network: [],
    gpus: [],
    warnings: [],
  };
  it('reads uptime and sizes as every screen and CLI does', () => {
    const text = screen({ ...baseState(), inventory }, 'system').join('\n');
    expect(text).toMatch(/Uptime\s+2d 03h\b/);
    expect(text).toContain('16 GiB total, 1.5 GiB available, swap 0 B');
  });
  it('an uptime under a day keeps its minutes', () => {
    const text = screen(
      {
        ...baseState(),
        inventory: { ...inventory, system: { ...inventory.system, uptimeSeconds: 5 * 3600 + 7 * 60 } },
      },
      'system',
    ).join('\n');
    expect(text).toMatch(/Uptime\s+5h 07m\b/);
  });
});

describe('ASCII mode', () => {
  it.each(['main', 'token', 'help', 'system', 'network'] as ViewName[])(
    '%s screen has no character above 0x7E',
    (view) => {
      const s = withToken(baseState());
      s.status!.membership =
        view === 'main'
          ? { vdcName: 'v', vdcUrl: null, clusterName: 'c', joinedAt: null, lastContactAt: null, maintenance: true }
          : null;
      const text = screen(s, view, T0, ASCII_GLYPHS).join('\n');
      expect(/[^\x20-\x7e\n]/.test(text)).toBe(false);
      expect(text.split('\n')[0]).toMatch(/^\+ Quantix-OS/);
    },
  );
});

describe('block font', () => {
  it('covers the token alphabet with 5×5 glyphs that all differ', () => {
    const seen = new Set<string>();
    for (const c of ALPHABET) {
      const g = BLOCK_FONT[c];
      expect(g, c).toBeDefined();
      expect(g!.length).toBe(5);
      for (const row of g!) expect(row.length).toBe(5);
      seen.add(g!.join('\n'));
    }
    expect(seen.size).toBe(ALPHABET.length);
  });
  it('fits 12 symbols in 76 columns', () => {
    expect(bigTextWidth('7K3M9QDX2BHF')).toBeLessThanOrEqual(76);
  });
});

describe('formatters', () => {
  it.each([
    [3600, '60:00'],
    [3582, '59:42'],
    [59, '00:59'],
    [0, '00:00'],
  ])('mmss(%i) = %s', (s, out) => expect(mmss(s)).toBe(out));
  it.each([
    [900, 900, '15:00'],
    [3600, 3600, '60:00'],
    [86_400, 86_400, '24:00:00'],
    [86_399, 86_400, '23:59:59'],
    [59, 14_400, '0:00:59'],
  ])('countdown(%i of %i) = %s', (s, total, out) => expect(countdown(s, total)).toBe(out));
  it('counts seconds left up so 00:00 appears only at expiry', () => {
    expect(secondsLeft(10_000, 9_001)).toBe(1);
    expect(secondsLeft(10_000, 10_000)).toBe(0);
  });
});

describe('a body taller than its window', () => {
  // Enough help lines to pass the 24-row window (the footer here is one line: the window has 18 rows).
  const many: KeyBinding[] = Array.from({ length: 30 }, (_, i) => ({
    keys: [`f${i}`],
    label: `Key ${i}`,
    handler: () => {},
  }));
  const tall = { helpGroups: [{ title: 'Main screen', bindings: many }] };

  it('scrolls on a screen with the scroll keys, saying which lines show', () => {
    const top = screen(baseState(), 'help', T0, UNICODE_GLYPHS, tall);
    expect(top[0]).toMatch(/ 1-18\/32 14:05 UTC ┐$/);
    const down = screen(baseState(), 'help', T0, UNICODE_GLYPHS, { ...tall, scroll: 3 });
    expect(down[0]).toMatch(/ 4-21\/32 14:05 UTC ┐$/);
    expect(down[1]).toContain('Key 1');
    // Past the end: the last window.
    const end = screen(baseState(), 'help', T0, UNICODE_GLYPHS, { ...tall, scroll: 99 });
    expect(end[0]).toMatch(/ 15-32\/32 14:05 UTC ┐$/);
    expect(end.join('\n')).toContain('Key 29');
  });

  it('on a screen without them, is drawn from its top with no position', () => {
    const main = screen(baseState(), 'main', T0, UNICODE_GLYPHS, { scroll: 5 });
    expect(main).toEqual(screen(baseState(), 'main'));
    expect(main[0]).toMatch(/^┌ Quantix-OS 1\.0\.0 · Direct Console ─+ 14:05 UTC ┐$/);
  });
});
