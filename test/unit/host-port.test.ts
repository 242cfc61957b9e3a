import { describe, expect, it } from 'vitest';
import { bracketHost, formatHostPort } from '../../common/protocol/host-port.js';

describe('host:port', () => {
  it.each<[string, number | null, string]>([
    // An IPv6 address takes brackets, or its last group reads as the port.
    ['fd00:30::20', 3261, '[fd00:30::20]:3261'],
    ['::1', 8443, '[::1]:8443'],
    // IPv4 and names stay as they are.
    ['10.30.0.10', 3260, '10.30.0.10:3260'],
    ['qx-node-07.lab', 8443, 'qx-node-07.lab:8443'],
    // Without a port the bare address is unambiguous.
    ['fd00:30::20', null, 'fd00:30::20'],
    // Already bracketed input is not bracketed twice.
    ['[fd00::1]', 443, '[fd00::1]:443'],
  ])('%s port %s → %s', (host, port, want) => expect(formatHostPort(host, port)).toBe(want));

  it('brackets only IPv6 hosts', () => {
    expect(bracketHost('fd00::5')).toBe('[fd00::5]');
    expect(bracketHost('nas1')).toBe('nas1');
  });
});
