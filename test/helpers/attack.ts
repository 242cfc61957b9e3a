/**
 * Tools for the security and fault tests: every form a token can be typed
 * in and a scan that finds any of them in a file, TCP relays that can hold
 * or cut a connection at a chosen moment, a TLS-terminating interceptor
 * that records the plaintext it sees, keep-alive HTTPS from a chosen
 * loopback source, and the openssl command-line client.
 */
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { canonicalizeToken, normalizeTokenInput } from '../../common/token/token.js';

/** Every form of a token that the token parser accepts for it (case, separators, prefix, confusable letters). */
export function tokenForms(display: string): string[] {
  const c = canonicalizeToken(display)!;
  const g = [c.slice(0, 4), c.slice(4, 8), c.slice(8)];
  const confusable = (s: string, one: 'I' | 'L') => s.replace(/0/g, 'O').replace(/1/g, one);
  const forms = [
    display,
    display.toLowerCase(),
    c,
    c.toLowerCase(),
    g.join(' '),
    g.join('-'),
    g.join('_'),
    g.join('.'),
    `QUANTIX ${g.join(' ')}`,
    `quantix-${g.join('-').toLowerCase()}`,
    confusable(c, 'I'),
    confusable(c, 'L'),
    confusable(c, 'I').toLowerCase(),
    confusable(display, 'L'),
    c.split('').join(' '),
  ];
  return [...new Set(forms)];
}

/**
 * Whether text holds the token in any accepted form: the text is
 * normalised the way the parser normalises input (upper case, separators
 * dropped, O→0, I/L→1) and searched for the canonical token, so forms not
 * listed in tokenForms are found too.
 */
export function containsToken(text: string, display: string): boolean {
  const c = canonicalizeToken(display)!;
  if (tokenForms(display).some((f) => text.includes(f))) return true;
  return normalizeTokenInput(text).includes(c);
}

/** Every regular file under dir, recursively. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(p);
    return e.isFile() ? [p] : [];
  });
}

/** What a relay does with a new connection. */
export type RelayPolicy = 'pass' | 'hold' | 'cut-response';

/** A TCP relay in front of a real server. */
export interface TcpRelay {
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections held (accepted, never forwarded) so far. */
  readonly held: number;
  /** Connections whose response was cut mid-way so far. */
  readonly cut: number;
  /** Decides per new connection (0-based index) what to do with it. */
  setPolicy(policy: (index: number) => RelayPolicy): void;
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 toward host:port. The TLS inside passes through
 * untouched (the peer still sees the real certificate). `hold` accepts a
 * connection and never forwards it; `cut-response` forwards the handshake
 * and the request, then only the first half of the first large answer
 * chunk (over 1000 bytes), and nothing after: a server that stops in the
 * middle of its response.
 */
export async function startTcpRelay(target: { host: string; port: number }, localAddress?: string): Promise<TcpRelay> {
  let policy: (index: number) => RelayPolicy = () => 'pass';
  let connections = 0;
  let held = 0;
  let cut = 0;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((down) => {
    track(down);
    const mode = policy(connections++);
    if (mode === 'hold') {
      held++;
      down.resume();
      return;
    }
    const up = net.connect({ host: target.host, port: target.port, ...(localAddress ? { localAddress } : {}) });
    track(up);
    let stalled = false;
    // A stalled connection stays open toward the client even when the server hangs up: the answer just stops.
    up.on('close', () => stalled || down.destroy());
    down.on('close', () => up.destroy());
    if (mode === 'pass') {
      down.pipe(up).pipe(down);
      return;
    }
    let clientChunks = 0;
    down.on('data', (d: Buffer) => {
      clientChunks++;
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      if (stalled) return;
      if (clientChunks >= 2 && d.length > 1000) {
        stalled = true;
        cut++;
        down.write(d.subarray(0, d.length >> 1));
        return;
      }
      down.write(d);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    get connections() {
      return connections;
    },
    get held() {
      return held;
    },
    get cut() {
      return cut;
    },
    setPolicy(p) {
      policy = p;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A TLS-terminating interceptor and what it saw. */
export interface TlsInterceptor {
  port: number;
  /** Plaintext the clients sent, per connection. */
  fromClients: Buffer[];
  /** Plaintext the real server answered, per connection. */
  fromServer: Buffer[];
  close(): Promise<void>;
}

/**
 * A TLS-terminating proxy on 127.0.0.1 with its own certificate: it
 * decrypts what the client sends, forwards it over its own TLS connection
 * to the real server (from `upstreamFrom`), and records both directions in
 * plaintext, as an attacker in the middle would.
 */
export async function startTlsInterceptor(
  target: { host: string; port: number },
  cert: { certPem: string; keyPem: string },
  upstreamFrom: string,
): Promise<TlsInterceptor> {
  const fromClients: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: cert.keyPem, cert: cert.certPem }, (down) => {
    const i = fromClients.length;
    fromClients.push(Buffer.alloc(0));
    fromServer.push(Buffer.alloc(0));
    const up = tls.connect({
      host: target.host,
      port: target.port,
      rejectUnauthorized: false,
      localAddress: upstreamFrom,
    } as tls.ConnectionOptions);
    for (const s of [down, up]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    down.on('data', (d: Buffer) => {
      fromClients[i] = Buffer.concat([fromClients[i]!, d]);
      up.write(d);
    });
    up.on('data', (d: Buffer) => {
      fromServer[i] = Buffer.concat([fromServer[i]!, d]);
      down.write(d);
    });
    up.on('end', () => down.end());
    down.on('end', () => up.end());
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    fromClients,
    fromServer,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One answer of a keep-alive HTTPS request. */
export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * A keep-alive HTTPS client bound to one loopback source address, for
 * sending thousands of requests without a handshake each. Certificates
 * are not checked: the tests aim at a server they started themselves.
 */
export function keepAliveClient(
  host: string,
  port: number,
  localAddress: string,
  sockets = 1,
): {
  send(o: {
    method: string;
    path: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
  }): Promise<SimpleResponse>;
  close(): void;
} {
  const agent = new https.Agent({ keepAlive: true, maxSockets: sockets, rejectUnauthorized: false });
  return {
    send: (o) =>
      new Promise<SimpleResponse>((resolve, reject) => {
        const req = https.request(
          { host, port, localAddress, agent, method: o.method, path: o.path, headers: o.headers ?? {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (d: Buffer) => chunks.push(d));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(o.body);
      }),
    close: () => agent.destroy(),
  };
}

/** The outcome of one `openssl s_client` handshake attempt. */
export interface HandshakeResult {
  /** A session was negotiated (a cipher other than "(NONE)"). */
  established: boolean;
  protocol: string | null;
  cipher: string | null;
  /** The client's full output, for failure messages. */
  output: string;
}

/** Runs `openssl s_client` with the given protocol and cipher flags against host:port. */
export function opensslHandshake(host: string, port: number, flags: string[]): Promise<HandshakeResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'openssl',
      ['s_client', '-connect', `${host}:${port}`, '-servername', 'localhost', ...flags],
      { timeout: 15_000 },
      (err, stdout, stderr) => {
        const output = `${stdout}\n${stderr}`;
        if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('the openssl command-line client is not installed'));
          return;
        }
        const m = /New, (\S+), Cipher is (\S+)/.exec(output);
        const established = !!m && m[2] !== '(NONE)';
        resolve({ established, protocol: established ? m[1]! : null, cipher: established ? m[2]! : null, output });
      },
    );
    child.stdin?.end();
  });
}
