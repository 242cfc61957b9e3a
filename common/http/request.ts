/**
 * The one low-level HTTP request used by every client in the suite: over a
 * Unix socket, or over TLS where the server certificate is pinned by its
 * SHA-256 fingerprint instead of a CA chain (hosts have self-signed
 * certificates and often a wrong clock). Redirects are never followed,
 * connect and response times and the response size are capped, and a TLS
 * connection is verified before a single request byte is written.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { QuantixError } from '../protocol/errors.js';
import { shortFingerprint } from '../format/fingerprint.js';
import { formatHostPort } from '../protocol/host-port.js';

/** Where a request goes. */
export type Endpoint =
  | { kind: 'socket'; socketPath: string }
  | {
      kind: 'tls';
      host: string;
      port: number;
      /** Expected certificate fingerprint; null to accept any and report it (first contact). */
      pinnedFingerprint: string | null;
      /** Client certificate and key (PEM) for mutual TLS. */
      clientCert?: string;
      clientKey?: string;
      /** Local address to connect from (tests use many loopback addresses). */
      localAddress?: string;
      /** Keeps the verified connection open for the next request to the same host (idempotent requests only). */
      pool?: TlsConnectionPool;
    };

/** One request. */
export interface RequestOptions {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** TCP + TLS handshake limit. */
  connectTimeoutMs?: number;
  /** Limit from sending the request to the last response byte. */
  responseTimeoutMs?: number;
  /** Responses larger than this are cut off with an error. */
  maxResponseBytes?: number;
  /** Aborts the request. */
  signal?: AbortSignal;
  /**
   * Sees each response body chunk as it arrives, with the response's status
   * and headers (progress streams); the whole body is still returned. What it
   * throws ends the request with that error at once.
   */
  onData?: (chunk: Buffer, head: { status: number; headers: http.IncomingHttpHeaders }) => void;
}

/** A completed response. */
export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Fingerprint of the certificate the server presented (TLS only). */
  peerFingerprint: string | null;
}

/**
 * What holding one received piece of a body costs beyond its bytes, counted
 * against the response limit: a peer that sends its answer a byte at a time
 * (one HTTP chunk or TLS record each) would otherwise make the reader hold
 * millions of small buffers within the limit. An answer in pieces of 1 KiB
 * or more is hardly affected.
 */
export const PIECE_COST_BYTES = 1024;

/** Defaults: 5 s to connect, 20 s for the answer, 4 MiB of response. */
export const REQUEST_DEFAULTS = {
  connectTimeoutMs: 5_000,
  responseTimeoutMs: 20_000,
  maxResponseBytes: 4 * 1024 * 1024,
};

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
]);

/** SHA-256 hex of a DER certificate. */
function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Maps a socket-level failure to a stable error. */
export function classifyNetworkError(err: unknown, where: string): QuantixError {
  if (err instanceof QuantixError) return err;
  const e = err as NodeJS.ErrnoException | null | undefined;
  const code = e?.code ?? '';
  if (code === 'ETIMEDOUT' || code === 'QX_TIMEOUT') {
    return new QuantixError('CONNECTION_TIMEOUT', { message: `${where} did not answer in time.`, cause: err });
  }
  // A socket file this user may not open: the service may well be running, so "unreachable" would mislead.
  if (code === 'EACCES' || code === 'EPERM')
    return new QuantixError('PERMISSION_DENIED', { message: `${where}: permission denied.`, cause: err });
  if (code === 'ABORT_ERR')
    return new QuantixError('CONNECTION_TIMEOUT', { message: `The request to ${where} was cancelled.`, cause: err });
  if (UNREACHABLE.has(code)) {
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'name not found'
          : code === 'ENOENT'
            ? 'socket not found'
            : code === 'ECONNRESET' || code === 'EPIPE'
              ? 'connection reset'
              : 'no route';
    return new QuantixError('HOST_UNREACHABLE', { message: `${where} could not be reached (${why}).`, cause: err });
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || /SSL|TLS|certificate/i.test(e?.message ?? '')) {
    return new QuantixError('TLS_ERROR', { message: `No secure connection to ${where}.`, cause: err });
  }
  return new QuantixError('HOST_UNREACHABLE', { message: `${where} could not be reached.`, cause: err });
}

function timeoutError(): NodeJS.ErrnoException {
  const e = new Error('timed out') as NodeJS.ErrnoException;
  e.code = 'QX_TIMEOUT';
  return e;
}

const secureContexts = new Map<string, tls.SecureContext>();

/** Identity of a client certificate and key, for caches keyed by who connects. */
function clientIdentity(cert: string | undefined, key: string | undefined): string {
  return cert && key ? createHash('sha256').update(cert).update('\0').update(key).digest('hex') : '';
}

/**
 * Idle TLS connections, each already verified against its pin, kept for the
 * next request to the same host, port, pin and client identity. A poller
 * that asks a thousand hosts every few seconds otherwise pays a TCP and TLS
 * handshake per host per round on both sides. Idle sockets do not keep the
 * process alive and leave the pool when the host closes them.
 *
 * Each kept connection costs its client about 52 KB of RSS, so the pool is
 * bounded, and once full it keeps the connections it has and closes the one
 * handed back: a fleet polled in a cycle would otherwise evict every
 * connection just before its reuse, and pay both the memory and the
 * handshakes.
 */
export class TlsConnectionPool {
  private readonly idle = new Map<string, { socket: tls.TLSSocket; drop: () => void }>();
  private closed = false;

  /** At most this many idle connections are kept (0 keeps none). */
  constructor(private readonly limit = 4096) {}

  /** Number of idle connections held. */
  get size(): number {
    return this.idle.size;
  }

  /** Removes and returns a live idle connection for `key`, if any. */
  take(key: string): tls.TLSSocket | null {
    const entry = this.idle.get(key);
    if (!entry) return null;
    this.idle.delete(key);
    const { socket, drop } = entry;
    socket.removeListener('close', drop);
    socket.removeListener('end', drop);
    socket.removeListener('error', drop);
    if (socket.destroyed || !socket.writable) return null;
    socket.ref();
    return socket;
  }

  /** Keeps a connection whose last answer ended cleanly; anything else is closed. */
  give(key: string, socket: tls.TLSSocket): void {
    if (this.closed || socket.destroyed || !socket.writable) {
      socket.destroy();
      return;
    }
    this.idle.get(key)?.socket.destroy();
    this.idle.delete(key);
    if (this.idle.size >= this.limit) {
      socket.destroy();
      return;
    }
    const drop = () => {
      if (this.idle.get(key)?.socket === socket) this.idle.delete(key);
      socket.destroy();
    };
    socket.once('close', drop);
    socket.once('end', drop);
    socket.once('error', drop);
    socket.unref();
    this.idle.set(key, { socket, drop });
  }

  /** Closes every idle connection; later ones are closed instead of kept. */
  close(): void {
    this.closed = true;
    for (const e of this.idle.values()) e.socket.destroy();
    this.idle.clear();
  }
}

/**
 * One TLS context per client identity, reused: building one parses the key
 * and certificate, which costs more than the handshake itself when a poller
 * opens hundreds of mutual-TLS connections a round.
 */
function secureContextFor(cert: string | undefined, key: string | undefined): tls.SecureContext {
  const id = clientIdentity(cert, key);
  let ctx = secureContexts.get(id);
  if (!ctx) {
    if (secureContexts.size >= 16) secureContexts.clear();
    ctx = tls.createSecureContext({ minVersion: 'TLSv1.2', ...(cert && key ? { cert, key } : {}) });
    secureContexts.set(id, ctx);
  }
  return ctx;
}

/** Opens a TLS connection and resolves once the peer certificate is checked. */
function connectTls(
  ep: Extract<Endpoint, { kind: 'tls' }>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ socket: tls.TLSSocket; fingerprint: string }> {
  return new Promise((resolve, reject) => {
    const servername = net.isIP(ep.host) ? undefined : ep.host;
    const socket = tls.connect({
      host: ep.host,
      port: ep.port,
      ...(servername ? { servername } : {}),
      ...(ep.localAddress ? { localAddress: ep.localAddress } : {}),
      rejectUnauthorized: false,
      secureContext: secureContextFor(ep.clientCert, ep.clientKey),
    });
    let done = false;
    const finish = (err: Error | null, fp?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve({ socket, fingerprint: fp! });
    };
    const onAbort = () => finish(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    signal?.addEventListener('abort', onAbort);
    const timer = setTimeout(() => finish(timeoutError()), timeoutMs);
    socket.once('secureConnect', () => {
      // The X509Certificate form gives the DER without building the whole parsed-certificate object.
      const cert = socket.getPeerX509Certificate();
      if (!cert) {
        finish(Object.assign(new Error('no server certificate'), { code: 'ERR_TLS_NO_CERT' }));
        return;
      }
      const fp = fingerprintOf(cert.raw);
      if (ep.pinnedFingerprint && fp !== ep.pinnedFingerprint) {
        finish(
          new QuantixError('HOST_IDENTITY_CHANGED', {
            message: `${formatHostPort(ep.host, ep.port)} presented a different certificate (${shortFingerprint(fp)}) than the one pinned (${shortFingerprint(ep.pinnedFingerprint)}).`,
          }),
        );
        return;
      }
      finish(null, fp);
    });
    socket.once('error', (err: Error) => finish(err));
  });
}

/**
 * A request over a Unix socket. The empty `servername` (a TLS name, meaningless here) keeps Node's agent from
 * testing the host for an IP address, whose first use compiles the IPv6 pattern: 10 ms or more of a console's
 * start.
 */
function socketRequestOptions(socketPath: string): http.RequestOptions {
  const options: http.RequestOptions & { servername: string } = { socketPath, agent: false, servername: '' };
  return options;
}

/** Sends one request and reads the whole response within the limits. */
export async function request(ep: Endpoint, opts: RequestOptions): Promise<RawResponse> {
  if (ep.kind !== 'tls' || !ep.pool) return await requestOnce(ep, opts, null);
  const key = [ep.host, ep.port, ep.pinnedFingerprint ?? '', clientIdentity(ep.clientCert, ep.clientKey)].join('\0');
  const reused = ep.pool.take(key);
  if (!reused) return await requestOnce(ep, opts, { key, socket: null });
  try {
    return await requestOnce(ep, opts, { key, socket: reused });
  } catch (err) {
    // The host may have closed the idle connection just as it was reused: one fresh attempt.
    if (opts.signal?.aborted || !(err instanceof QuantixError) || err.code !== 'HOST_UNREACHABLE') throw err;
    return await requestOnce(ep, opts, { key, socket: null });
  }
}

async function requestOnce(
  ep: Endpoint,
  opts: RequestOptions,
  pooled: { key: string; socket: tls.TLSSocket | null } | null,
): Promise<RawResponse> {
  const connectTimeoutMs = opts.connectTimeoutMs ?? REQUEST_DEFAULTS.connectTimeoutMs;
  const responseTimeoutMs = opts.responseTimeoutMs ?? REQUEST_DEFAULTS.responseTimeoutMs;
  const maxBytes = opts.maxResponseBytes ?? REQUEST_DEFAULTS.maxResponseBytes;
  const where = ep.kind === 'socket' ? `the local socket ${ep.socketPath}` : formatHostPort(ep.host, ep.port);
  if (!opts.path.startsWith('/')) throw new QuantixError('BAD_REQUEST', { message: 'request path must be absolute' });

  let peerFingerprint: string | null = null;
  let tlsSocket: tls.TLSSocket | null = null;
  try {
    if (pooled?.socket) {
      tlsSocket = pooled.socket;
      peerFingerprint = ep.kind === 'tls' ? ep.pinnedFingerprint : null;
    } else if (ep.kind === 'tls') {
      const c = await connectTls(ep, connectTimeoutMs, opts.signal);
      tlsSocket = c.socket;
      peerFingerprint = c.fingerprint;
    }
  } catch (err) {
    throw classifyNetworkError(err, where);
  }

  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  const headers: Record<string, string> = { accept: 'application/json', ...(opts.headers ?? {}) };
  if (body) {
    headers['content-length'] = String(body.length);
    headers['content-type'] ??= 'application/json';
  }
  if (ep.kind === 'tls') headers.host = formatHostPort(ep.host, ep.port);
  if (pooled) headers.connection = 'keep-alive';

  return await new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, res?: RawResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (stale) clearTimeout(stale);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        req.destroy();
        tlsSocket?.destroy();
        reject(classifyNetworkError(err, where));
      } else resolve(res!);
    };
    const req = http.request({
      method: opts.method,
      path: opts.path,
      headers,
      // With `agent: false` Node ignores createConnection and dials host:80 itself, so the pinned socket goes without an agent.
      ...(ep.kind === 'socket' ? socketRequestOptions(ep.socketPath) : { createConnection: () => tlsSocket }),
    });
    // Socket connect for the Unix socket is bounded by the same overall timer.
    const timer = setTimeout(
      () => settle(timeoutError()),
      (ep.kind === 'socket' ? connectTimeoutMs : 0) + responseTimeoutMs,
    );
    // A kept connection to a host that went away (powered off, cable pulled) would wait for the whole response
    // time; silence for the connect time instead sends the request again on a new connection, which fails as fast
    // as a first contact would, while a host that is only slow gets its full response time there.
    const stale = pooled?.socket
      ? setTimeout(
          () => settle(Object.assign(new Error('kept connection silent'), { code: 'ECONNRESET' })),
          connectTimeoutMs,
        )
      : null;
    const onAbort = () => settle(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
    opts.signal?.addEventListener('abort', onAbort);
    req.on('error', (err) => settle(err));
    req.on('response', (res) => {
      if (stale) clearTimeout(stale);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length + PIECE_COST_BYTES;
        if (size > maxBytes) {
          settle(
            new QuantixError('HOST_PROTOCOL_ERROR', {
              message: `${where} sent more than ${maxBytes} bytes (each piece of the answer counted as ${PIECE_COST_BYTES} bytes more).`,
            }),
          );
          return;
        }
        chunks.push(chunk);
        try {
          opts.onData?.(chunk, { status: res.statusCode ?? 0, headers: res.headers });
        } catch (err) {
          settle(err);
        }
      });
      res.on('error', (err) => settle(err));
      res.on('aborted', () => settle(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' })));
      res.on('end', () => {
        settle(null, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          peerFingerprint,
        });
        // Node frees a kept-alive socket on the next tick; one the server closes is destroyed instead.
        if (pooled && tlsSocket) {
          const socket = tlsSocket;
          if (res.headers.connection?.toLowerCase() === 'close') socket.end();
          else socket.once('free', () => (ep as Extract<Endpoint, { kind: 'tls' }>).pool!.give(pooled.key, socket));
        } else tlsSocket?.end();
      });
    });
    req.end(body);
  });
}

/** Parses a JSON body, mapping garbage to HOST_PROTOCOL_ERROR. */
export function parseJsonBody(res: RawResponse, where: string): unknown {
  try {
    return JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new QuantixError('HOST_PROTOCOL_ERROR', {
      message: `${where} answered with something that is not JSON (HTTP ${res.status}).`,
    });
  }
}
