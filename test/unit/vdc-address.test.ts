import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { QuantixError } from '../../common/protocol/errors.js';
import { parseHostAddress, parseHostAddressInput } from '../../common/protocol/vdc-api.js';
import { parseVdcServerAddress } from '../../common/http/vdc-client.js';

describe('parseHostAddressInput: accepted forms', () => {
  const cases: Record<string, { input: string; host: string; port: number; kind: string; display: string }> = {
    'plain IPv4 gets the agent port': {
      input: '10.20.0.17',
      host: '10.20.0.17',
      port: 8443,
      kind: 'ipv4',
      display: '10.20.0.17:8443',
    },
    'IPv4 with a port': {
      input: '10.20.0.17:9000',
      host: '10.20.0.17',
      port: 9000,
      kind: 'ipv4',
      display: '10.20.0.17:9000',
    },
    'surrounding spaces from a paste are dropped': {
      input: '  10.0.0.1  ',
      host: '10.0.0.1',
      port: 8443,
      kind: 'ipv4',
      display: '10.0.0.1:8443',
    },
    'https:// prefix as shown on the host console': {
      input: 'https://10.0.0.1:8443',
      host: '10.0.0.1',
      port: 8443,
      kind: 'ipv4',
      display: '10.0.0.1:8443',
    },
    'HTTPS:// in capitals': {
      input: 'HTTPS://10.0.0.1',
      host: '10.0.0.1',
      port: 8443,
      kind: 'ipv4',
      display: '10.0.0.1:8443',
    },
    'a lone trailing slash of a pasted URL': {
      input: 'https://10.0.0.1:8443/',
      host: '10.0.0.1',
      port: 8443,
      kind: 'ipv4',
      display: '10.0.0.1:8443',
    },
    'bracketed IPv6 with port': {
      input: '[fd00::17]:8443',
      host: 'fd00::17',
      port: 8443,
      kind: 'ipv6',
      display: '[fd00::17]:8443',
    },
    'bracketed IPv6 without port': {
      input: '[fd00::17]',
      host: 'fd00::17',
      port: 8443,
      kind: 'ipv6',
      display: '[fd00::17]:8443',
    },
    'bare IPv6 is unambiguous without a port': {
      input: 'fd00::17',
      host: 'fd00::17',
      port: 8443,
      kind: 'ipv6',
      display: '[fd00::17]:8443',
    },
    'IPv6 loopback': { input: '[::1]:9443', host: '::1', port: 9443, kind: 'ipv6', display: '[::1]:9443' },
    'IPv4-mapped IPv6': {
      input: '[::ffff:10.0.0.1]',
      host: '::ffff:10.0.0.1',
      port: 8443,
      kind: 'ipv6',
      display: '[::ffff:10.0.0.1]:8443',
    },
    'full eight-group IPv6': {
      input: '2001:db8:0:0:0:0:0:1',
      host: '2001:db8:0:0:0:0:0:1',
      port: 8443,
      kind: 'ipv6',
      display: '[2001:db8:0:0:0:0:0:1]:8443',
    },
    'link-local with a zone': {
      input: '[fe80::1%eth0]:8443',
      host: 'fe80::1%eth0',
      port: 8443,
      kind: 'ipv6',
      display: '[fe80::1%eth0]:8443',
    },
    'host name is lower-cased': {
      input: 'QX-Node-07.Example.COM',
      host: 'qx-node-07.example.com',
      port: 8443,
      kind: 'hostname',
      display: 'qx-node-07.example.com:8443',
    },
    'single-label host name with port': {
      input: 'node7:8443',
      host: 'node7',
      port: 8443,
      kind: 'hostname',
      display: 'node7:8443',
    },
    'fully qualified name with trailing dot': {
      input: 'node7.lab.',
      host: 'node7.lab',
      port: 8443,
      kind: 'hostname',
      display: 'node7.lab:8443',
    },
    'highest port': { input: 'node7:65535', host: 'node7', port: 65535, kind: 'hostname', display: 'node7:65535' },
    'https URL of a host name': {
      input: 'https://node7.lab:8443',
      host: 'node7.lab',
      port: 8443,
      kind: 'hostname',
      display: 'node7.lab:8443',
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseHostAddressInput(c.input);
      expect(r).toEqual({ ok: true, address: { host: c.host, port: c.port, kind: c.kind, display: c.display } });
    });
  }
});

describe('parseHostAddressInput: refused input', () => {
  const cases: Record<string, { input: string; problem: RegExp }> = {
    'empty field': { input: '', problem: /enter the host address/ },
    'only spaces': { input: '   ', problem: /enter the host address/ },
    'http is not the agent protocol': { input: 'http://10.0.0.1', problem: /only https/ },
    'other schemes could reach other services': { input: 'file:///etc/passwd', problem: /only https/ },
    'gopher scheme': { input: 'gopher://10.0.0.1:70', problem: /only https/ },
    'a path would let discover fetch arbitrary URLs': { input: 'https://10.0.0.1:8443/admin', problem: /paths/ },
    'path without scheme': { input: '10.0.0.1/api/v1', problem: /paths/ },
    'path traversal': { input: '10.0.0.1:8443/../x', problem: /paths/ },
    'backslash path': { input: '10.0.0.1\\x', problem: /paths/ },
    'query string': { input: '10.0.0.1:8443?x=1', problem: /queries/ },
    fragment: { input: 'node7#frag', problem: /queries/ },
    'user info could smuggle credentials': { input: 'https://admin:pw@10.0.0.1', problem: /user names/ },
    'user info without scheme': { input: 'root@node7', problem: /user names/ },
    'newline (header injection)': { input: '10.0.0.1\r\nHost: evil', problem: /control characters/ },
    'escape sequence': { input: '\u001b[31mnode7', problem: /control characters/ },
    'NUL byte': { input: 'node7\u0000.lab', problem: /control characters/ },
    'C1 control': { input: 'node7\u009b', problem: /control characters/ },
    'space inside': { input: 'node 7', problem: /spaces/ },
    'port zero': { input: '10.0.0.1:0', problem: /not a port/ },
    'port too large': { input: '10.0.0.1:65536', problem: /not a port/ },
    'port not numeric': { input: '10.0.0.1:https', problem: /not a port/ },
    'empty port': { input: '10.0.0.1:', problem: /not a port/ },
    'signed port': { input: 'node7:+80', problem: /not a port/ },
    'IPv4 octet over 255': { input: '10.0.0.256', problem: /not a valid IPv4/ },
    'IPv4 with three parts': { input: '10.0.1', problem: /not a valid IPv4/ },
    'IPv4 leading zero (octal in some tools)': { input: '010.0.0.1', problem: /not a valid IPv4/ },
    'bare decimal integer address': { input: '167772161', problem: /not a valid IPv4/ },
    'unclosed bracket': { input: '[fd00::1:8443', problem: /closed/ },
    'garbage after bracket': { input: '[fd00::1]x', problem: /only ":port"/ },
    'bracketed non-IPv6': { input: '[node7]:8443', problem: /not a valid IPv6/ },
    'too many IPv6 groups': { input: '1:2:3:4:5:6:7:8:9', problem: /not a valid IPv6/ },
    'two double colons': { input: 'fd00::1::2', problem: /not a valid IPv6/ },
    'label starting with a dash': { input: '-node7', problem: /not a valid host name/ },
    'underscore in a host name': { input: 'node_7', problem: /not a valid host name/ },
    'empty label': { input: 'node7..lab', problem: /not a valid host name/ },
    'label longer than 63': { input: `${'a'.repeat(64)}.lab`, problem: /not a valid host name/ },
    'numeric last label': { input: 'node.7', problem: /neither an IP address nor a host name/ },
    'non-ASCII host name': { input: 'nöde.lab', problem: /ASCII/ },
    'only a scheme': { input: 'https://', problem: /no host/ },
    'only a port': { input: ':8443', problem: /no host/ },
    'very long input': { input: 'a'.repeat(301), problem: /too long/ },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const r = parseHostAddressInput(c.input);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.problem).toMatch(c.problem);
    });
  }
});

describe('parseHostAddress', () => {
  it('throws VALIDATION_ERROR in phase connect with the problem and a next step', () => {
    let caught: unknown;
    try {
      parseHostAddress('https://10.0.0.1/evil');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(QuantixError);
    const e = caught as QuantixError;
    expect(e.code).toBe('VALIDATION_ERROR');
    expect(e.phase).toBe('connect');
    expect(e.message).toMatch(/paths are not accepted/);
    expect(e.hint).toMatch(/IP address or name/);
  });

  it('never accepts a string carrying a path, query, user info or control character (property)', () => {
    const hostish = fc.stringMatching(/^[a-z0-9.:[\]]{1,20}$/);
    const poison = fc.constantFrom('/', '?', '#', '@', '\n', '\r', '\t', '\u0000', '\u001b', ' x');
    fc.assert(
      fc.property(hostish, poison, hostish, (a, p, b) => {
        const r = parseHostAddressInput(`${a}${p}${b}`);
        // Without a scheme not even a trailing slash is accepted.
        expect(r.ok).toBe(false);
      }),
    );
  });

  it('round-trips every valid IPv4 and port through the display form', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        const r = parseHostAddressInput(`${ip}:${port}`);
        expect(r).toEqual({ ok: true, address: { host: ip, port, kind: 'ipv4', display: `${ip}:${port}` } });
      }),
    );
  });
});

describe('parseVdcServerAddress', () => {
  it('defaults to the vDC port 9443', () => {
    expect(parseVdcServerAddress('https://vdc01.lab')).toEqual({ host: 'vdc01.lab', port: 9443 });
    expect(parseVdcServerAddress('[::1]:19443')).toEqual({ host: '::1', port: 19443 });
  });

  it('refuses a URL with a path', () => {
    expect(() => parseVdcServerAddress('https://vdc01.lab/api')).toThrow(/paths are not accepted/);
  });
});
