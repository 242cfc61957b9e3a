import { describe, expect, it } from 'vitest';
import { parseJoinRequest, parseTtl } from '../../common/protocol/agent-api.js';
import { formatDuration } from '../../common/format/duration.js';
import { renderStatus, renderTokenState } from '../../host-console/agent/cli.js';
import { defaultNodePaths, parseInvocation, parseListen } from '../../host-console/agent/options.js';

describe('command line', () => {
  it('parses listen addresses', () => {
    const table: Array<[string, ReturnType<typeof parseListen>]> = [
      ['0.0.0.0:8443', { host: '0.0.0.0', port: 8443 }],
      ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
      ['[::]:8443', { host: '::', port: 8443 }],
      [':9000', { host: '0.0.0.0', port: 9000 }],
      ['9000', { host: '0.0.0.0', port: 9000 }],
      // port out of range
      ['1.2.3.4:70000', null],
      // IPv6 without brackets is ambiguous
      ['::1:8443', null],
      ['nowhere', null],
    ];
    for (const [input, want] of table) expect(parseListen(input), input).toEqual(want);
  });

  it('parses token lifetimes between 10 s and 24 h', () => {
    const table: Array<[string, number | null]> = [
      ['3600', 3600],
      ['90s', 90],
      ['5m', 300],
      ['1h', 3600],
      ['24h', 86_400],
      ['25h', null],
      ['9s', null],
      ['1d', null],
      ['-5', null],
      ['', null],
    ];
    for (const [input, want] of table) expect(parseTtl(input), input).toBe(want);
  });

  it('chooses default paths by user', () => {
    expect(defaultNodePaths({}, 0, '/root')).toEqual({
      stateDir: '/var/lib/quantix-node',
      socketPath: '/run/quantix/node.sock',
    });
    expect(defaultNodePaths({ XDG_STATE_HOME: '/s', XDG_RUNTIME_DIR: '/r' }, 1000, '/home/u')).toEqual({
      stateDir: '/s/quantix/node',
      socketPath: '/r/quantix/node.sock',
    });
    expect(defaultNodePaths({}, 1000, '/home/u')).toEqual({
      stateDir: '/home/u/.local/state/quantix/node',
      socketPath: '/home/u/.local/state/quantix/node/node.sock',
    });
  });

  it('takes flags over environment over defaults', () => {
    const env = {
      QUANTIX_NODE_LISTEN: '127.0.0.2:1234',
      QUANTIX_NODE_TOKEN_TTL: '5m',
      QUANTIX_NODE_STATE_DIR: '/e/state',
    };
    const a = parseInvocation(['serve'], env, 1000, '/home/u');
    expect(a).toMatchObject({
      kind: 'serve',
      options: { listenHost: '127.0.0.2', listenPort: 1234, tokenTtlSeconds: 300, stateDir: '/e/state' },
    });
    const b = parseInvocation(['serve', '--listen', '127.0.0.1:0', '--token-ttl', '90s'], env, 1000, '/home/u');
    expect(b).toMatchObject({
      kind: 'serve',
      options: { listenHost: '127.0.0.1', listenPort: 0, tokenTtlSeconds: 90 },
    });
    expect(parseInvocation(['token', 'show', '--json'], { QUANTIX_NODE_SOCKET: '/x.sock' }, 1000, '/h')).toEqual({
      kind: 'client',
      command: 'token show',
      socketPath: '/x.sock',
      json: true,
      refresh: false,
      yes: false,
      ttlSeconds: null,
    });
    // --ttl belongs to token generate only, 5 min to 24 h.
    expect(parseInvocation(['token', 'generate', '--ttl', '90m'], {}, 1000, '/h')).toMatchObject({
      kind: 'client',
      command: 'token generate',
      ttlSeconds: 5400,
    });
    expect(parseInvocation(['--ttl', '24h', 'token', 'generate'], {}, 1000, '/h')).toMatchObject({
      kind: 'client',
      ttlSeconds: 86_400,
    });
    expect(parseInvocation(['token', 'generate', '--ttl', '4m'], {}, 1000, '/h')).toMatchObject({
      kind: 'usage-error',
      message: expect.stringContaining('between 5 min and 24 h') as string,
    });
    expect(parseInvocation(['token', 'show', '--ttl', '1h'], {}, 1000, '/h').kind).toBe('usage-error');
    expect(parseInvocation(['status', '--refresh'], {}, 1000, '/h').kind).toBe('usage-error');
    // --yes belongs to leave only.
    expect(parseInvocation(['leave', '-y'], {}, 1000, '/h')).toMatchObject({
      kind: 'client',
      command: 'leave',
      yes: true,
    });
    expect(parseInvocation(['status', '--yes'], {}, 1000, '/h').kind).toBe('usage-error');
  });
});

describe('join request validation', () => {
  const good = {
    nodeId: 'n1',
    vdc: { id: 'v1', name: 'Main', url: 'https://vdc:9443', clientCertFingerprint: 'a'.repeat(64) },
    cluster: { id: 'c1', name: 'prod' },
  };

  it('accepts a well-formed body and returns only known fields', () => {
    expect(parseJoinRequest(good)).toEqual(good);
  });

  it('names every problem', () => {
    const table: Array<[unknown, RegExp]> = [
      [null, /body must be an object/],
      [{ ...good, extra: 1 }, /unknown field body\."extra"/],
      [{ ...good, nodeId: '' }, /body\.nodeId is required/],
      [{ ...good, vdc: { ...good.vdc, url: 'ftp://x' } }, /vdc\.url must be an http\(s\) URL/],
      [{ ...good, vdc: { ...good.vdc, clientCertFingerprint: 'A'.repeat(64) } }, /clientCertFingerprint/],
      [{ ...good, cluster: { id: 'c', name: 'bad\u0007bell' } }, /cluster\.name holds control characters/],
      [{ ...good, cluster: { id: 'c', name: 'x'.repeat(200) } }, /longer than 128/],
    ];
    for (const [body, re] of table) expect(() => parseJoinRequest(body)).toThrow(re);
  });
});

describe('CLI rendering', () => {
  it('formats durations', () => {
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(245)).toBe('4m 05s');
    expect(formatDuration(-3)).toBe('0s');
  });

  it.each([
    // no failures: nothing about them
    [{ failedAttempts: 0 }, 'active, expires in 10m 00s (2026-01-01T00:10:00.000Z)'],
    // one, singular
    [
      { failedAttempts: 1, lastFailedFrom: '192.0.2.7' },
      'active, expires in 10m 00s (2026-01-01T00:10:00.000Z); 1 failed attempt, last from 192.0.2.7',
    ],
    // many, with an IPv6 source
    [
      { failedAttempts: 212, lastFailedFrom: '2001:db8::7' },
      'active, expires in 10m 00s (2026-01-01T00:10:00.000Z); 212 failed attempts, last from 2001:db8::7',
    ],
    // a source that is not an address is shown inert
    [
      { failedAttempts: 3, lastFailedFrom: 'x\u001b[2J' },
      'active, expires in 10m 00s (2026-01-01T00:10:00.000Z); 3 failed attempts, last from x^[[2J',
    ],
  ])('counts failed attempts on an active token (%o)', (extra, expected) => {
    expect(
      renderTokenState(
        { state: 'active', expiresAt: '2026-01-01T00:10:00.000Z', ...extra },
        Date.parse('2026-01-01T00:00:00.000Z'),
      ),
    ).toBe(expected);
  });

  it('shows hostile strings inert', () => {
    const text = renderStatus(
      {
        hostId: 'id',
        hostname: 'evil\u001b]0;pwned\u0007',
        agentVersion: '1',
        agentInstanceId: null,
        managementAddresses: [],
        certificateFingerprint: 'ab'.repeat(32),
        port: 8443,
        membership: {
          vdc: { id: 'v', name: 'v\u001b[2J', url: 'https://v' },
          cluster: { id: 'c', name: 'c' },
          nodeId: 'n',
          joinedAt: '2026-01-01T00:00:00.000Z',
          lastContactAt: null,
        },
        token: { state: 'none' },
        usage: {
          cpuPercent: null,
          memoryUsedBytes: null,
          memoryTotalBytes: null,
          loadAverage: null,
          uptimeSeconds: null,
        },
        time: '2026-01-01T00:00:00.000Z',
      },
      0,
    );
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('evil^[]0;pwned^G');
  });

  it('writes sizes, spans and the fingerprint as every other screen does', () => {
    const GiB = 1024 ** 3;
    const text = renderStatus(
      {
        hostId: 'id',
        hostname: 'qx-node-07',
        agentVersion: '1',
        agentInstanceId: null,
        managementAddresses: [],
        certificateFingerprint: 'AB'.repeat(32),
        port: 8443,
        membership: null,
        token: { state: 'none' },
        usage: {
          cpuPercent: null,
          memoryUsedBytes: 2.5 * GiB,
          memoryTotalBytes: 16 * GiB,
          loadAverage: null,
          uptimeSeconds: 2 * 86_400 + 3 * 3600,
        },
        time: '2026-01-01T00:00:00.000Z',
      },
      0,
    );
    // A whole size without decimals, a fraction with one, as on the consoles.
    expect(text).toContain('memory 2.5 GiB of 16 GiB');
    // Days count as days, not as 51 hours.
    expect(text).toContain('up 2d 03h');
    expect(text).toContain(`Fingerprint  ${'abab '.repeat(15)}abab`);
  });
});
