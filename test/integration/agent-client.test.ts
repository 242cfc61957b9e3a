/**
 * HostAgentClient against hosts that misbehave: a real HTTPS server on
 * loopback that answers without a proof, with a wrong one, with garbage,
 * with a rate limit, or not at all. The client must turn each into its
 * stable code and never return unverified data.
 */
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate, type CertificatePair } from '../../common/tls/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { AGENT_PATHS } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { computeHostProof, deriveKey, HOST_PROOF_HEADER, parseAuthorization } from '../../common/protocol/proof.js';

type Behaviour =
  | 'no-proof'
  | 'wrong-proof'
  | 'good-proof-bad-shape'
  | 'garbage'
  | 'rate-limited'
  | 'rate-limited-bad-body'
  | 'bad-hello';

let cert: CertificatePair;
let server: https.Server;
let port: number;
let behaviour: Behaviour = 'no-proof';
let key: Buffer;
let silent: net.Server;
let silentPort: number;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  cert = await createSelfSignedCertificate('fake-host');
  key = await deriveKey('EEEEEEEEEEEE');
  server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(body);
    };
    if (req.url === AGENT_PATHS.hello) {
      if (behaviour === 'bad-hello') {
        send(200, JSON.stringify({ apiVersion: 1, hostname: 'h' }));
        return;
      }
      send(
        200,
        JSON.stringify({
          apiVersion: 1,
          hostId: 'h1',
          hostname: 'fake',
          agentVersion: '0',
          managed: false,
          time: new Date().toISOString(),
        }),
      );
      return;
    }
    const nonce = parseAuthorization(req.headers.authorization)?.nonce ?? '';
    const ok = JSON.stringify({ hostId: 'h1' });
    switch (behaviour) {
      case 'no-proof': {
        send(200, ok);
        return;
      }
      case 'wrong-proof': {
        send(200, ok, { [HOST_PROOF_HEADER]: computeHostProof(Buffer.alloc(32), nonce, cert.fingerprint, ok) });
        return;
      }
      case 'good-proof-bad-shape': {
        send(200, ok, { [HOST_PROOF_HEADER]: computeHostProof(key, nonce, cert.fingerprint, ok) });
        return;
      }
      case 'garbage': {
        send(502, '<html>proxy error</html>', { 'content-type': 'text/html' });
        return;
      }
      case 'rate-limited': {
        send(429, JSON.stringify({ code: 'RATE_LIMITED', message: 'slow down', hint: 'wait' }), {
          'retry-after': '42',
        });
        return;
      }
      case 'rate-limited-bad-body': {
        send(
          429,
          JSON.stringify({ code: 'RATE_LIMITED', message: 'slow down', hint: 'wait', retryAfterSeconds: '42' }),
        );
        return;
      }
      default: {
        send(500, '{}');
        return;
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as net.AddressInfo).port;
  // Accepts TCP and never speaks TLS.
  silent = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as net.AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all([new Promise((r) => server.close(r)), new Promise((r) => silent.close(r))]);
});

async function codeOf(p: Promise<unknown>): Promise<QuantixError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(QuantixError);
  return err as QuantixError;
}

describe('HostAgentClient against a misbehaving host', () => {
  const cases: Array<[Behaviour, string]> = [
    // 200 without Quantix-Host-Proof
    ['no-proof', 'HOST_PROOF_INVALID'],
    // a proof made with another key
    ['wrong-proof', 'HOST_PROOF_INVALID'],
    // proven, but not a discovery body
    ['good-proof-bad-shape', 'HOST_PROTOCOL_ERROR'],
    // an HTML error page
    ['garbage', 'HOST_PROTOCOL_ERROR'],
    // hello without hostId
    ['bad-hello', 'HOST_PROTOCOL_ERROR'],
    // an error body that differs from the agent's schema (a retry time as text) is not believed
    ['rate-limited-bad-body', 'HOST_PROTOCOL_ERROR'],
  ];
  for (const [b, code] of cases) {
    it(`${b} → ${code}`, async () => {
      behaviour = b;
      const e = await codeOf(new HostAgentClient({ host: '127.0.0.1', port }).discovery(key));
      expect(e.code).toBe(code);
    });
  }

  it('keeps the host code and Retry-After of a refusal', async () => {
    behaviour = 'rate-limited';
    const e = await codeOf(new HostAgentClient({ host: '127.0.0.1', port }).discovery(key));
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.retryAfterSeconds).toBe(42);
  });

  it('refuses a host whose certificate differs from the pinned one', async () => {
    behaviour = 'no-proof';
    const e = await codeOf(
      new HostAgentClient({ host: '127.0.0.1', port, pinnedFingerprint: 'ab'.repeat(32) }).hello(),
    );
    expect(e.code).toBe('HOST_IDENTITY_CHANGED');
  });

  it('gives up on a host that accepts TCP but never completes TLS', async () => {
    const e = await codeOf(new HostAgentClient({ host: '127.0.0.1', port: silentPort, connectTimeoutMs: 300 }).hello());
    expect(e.code).toBe('CONNECTION_TIMEOUT');
  });

  it('reports a closed port as HOST_UNREACHABLE', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const p = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const e = await codeOf(new HostAgentClient({ host: '127.0.0.1', port: p }).hello());
    expect(e.code).toBe('HOST_UNREACHABLE');
  });

  it('refuses node requests without a pinned fingerprint', async () => {
    const e = await codeOf(new HostAgentClient({ host: '127.0.0.1', port }).status());
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/pinned certificate/);
  });
});
