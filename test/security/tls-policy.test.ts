/**
 * Both HTTPS servers (the agent's network API and the vDC's remote API),
 * probed with Debian's `openssl s_client`: TLS 1.0 and 1.1 and weak cipher
 * suites are refused at the handshake, TLS 1.2 with an AEAD suite and TLS
 * 1.3 are accepted. The client is told to offer the old protocols and
 * suites at security level 0, so a refusal is the server's. RC4, 3DES and
 * export suites are not in this OpenSSL build at all, so it cannot offer
 * them; the suites it can still offer are the ones tested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { opensslHandshake } from '../helpers/attack.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let agent: AgentProcess;
let vdc: VdcProcess;

beforeAll(async () => {
  [agent, vdc] = await Promise.all([
    startAgent({ host: '127.0.0.91' }),
    startVdc({ name: 'vdc-tls', listen: '127.0.0.92:0' }),
  ]);
});

afterAll(async () => {
  await stopAll(agent, vdc);
});

/** Suites a TLS 1.2 client may still offer that no server of ours may accept: no encryption, no authentication, static RSA, CBC with SHA-1 or SHA-256 MACs, Camellia, ARIA. */
const WEAK_TLS12 = [
  'NULL',
  'aNULL',
  'AES128-SHA',
  'AES256-SHA256',
  'ECDHE-ECDSA-AES128-SHA',
  'ECDHE-ECDSA-AES256-SHA',
  'ECDHE-ECDSA-AES128-SHA256',
  'ECDHE-ECDSA-AES256-SHA384',
  'ECDHE-ECDSA-CAMELLIA128-SHA256',
  'ECDHE-ECDSA-ARIA128-GCM-SHA256',
  'DHE-RSA-AES128-SHA',
];

describe.each([
  ['the agent', () => ({ host: agent.host, port: agent.port })],
  ['the vDC', () => ({ host: '127.0.0.92', port: vdc.port })],
])('%s', (_name, target) => {
  it('refuses TLS 1.0 and TLS 1.1', async () => {
    const { host, port } = target();
    for (const flag of ['-tls1', '-tls1_1']) {
      const r = await opensslHandshake(host, port, [flag, '-cipher', 'ALL:@SECLEVEL=0']);
      expect(r.established, `${flag} was negotiated (${r.protocol} ${r.cipher}):\n${r.output}`).toBe(false);
      expect(r.output).toMatch(/alert protocol version|unsupported protocol|no protocols available/);
    }
  });

  it('refuses every weak TLS 1.2 cipher suite', async () => {
    const { host, port } = target();
    const accepted: string[] = [];
    for (const suite of WEAK_TLS12) {
      const r = await opensslHandshake(host, port, ['-tls1_2', '-cipher', `${suite}:@SECLEVEL=0`]);
      if (r.established) accepted.push(`${suite} -> ${r.cipher}`);
    }
    expect(accepted, 'weak suites the server accepted').toEqual([]);
  });

  it('accepts TLS 1.2 with an AEAD suite, and TLS 1.3', async () => {
    const { host, port } = target();
    const t12 = await opensslHandshake(host, port, ['-tls1_2']);
    expect(t12.established, t12.output).toBe(true);
    expect(t12.cipher).toMatch(/^ECDHE-ECDSA-(AES\d+-GCM|CHACHA20-POLY1305)/);
    const t13 = await opensslHandshake(host, port, ['-tls1_3']);
    expect(t13.established, t13.output).toBe(true);
    expect(t13.protocol).toBe('TLSv1.3');
  });
});
