/**
 * What every network listener of the suite does about peers that connect
 * and then do nothing, or next to nothing: bounded time for the TLS
 * handshake, for the headers and for the whole request, a short keep-alive,
 * an idle timeout on the raw socket (which also ends a TCP connection that
 * never starts TLS), and a cap on concurrent connections in total and per
 * source. A connection past a bound is destroyed, never half-closed: a
 * half-closed socket whose peer never answers holds its descriptor for good.
 * Both daemons' HTTPS listeners use this one module; their Unix sockets do
 * not (file mode is their access control), and keep descriptors to spare
 * because the total cap sits far below the process limit.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import net, { type Socket } from 'node:net';

/** The bounds of a listener. */
export interface ConnectionLimits {
  /** TLS handshake must finish within this (passed to https.createServer as handshakeTimeout). */
  handshakeTimeoutMs: number;
  /** The request headers must arrive within this. */
  headersTimeoutMs: number;
  /** The whole request must arrive within this. */
  requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way is destroyed after this (also before TLS starts). */
  idleTimeoutMs: number;
  /** Concurrent connections in total; beyond it new ones are dropped at once. */
  maxConnections: number;
  /** Concurrent connections per source (IPv4 address or IPv6 /64); beyond it new ones are destroyed. */
  maxPerSource: number;
  /** How often expired header and request deadlines are checked. */
  checkIntervalMs: number;
}

/**
 * Bounds for a daemon's network API. 512 connections stay at half the
 * smallest descriptor limit a service usually runs with (1,024), leaving
 * the rest to the Unix socket, files and outgoing calls; 32 per source is
 * more than a vDC (or two racing ones on one machine) or a few consoles
 * behind one address need, and ten sources at their cap still leave room
 * for everyone else. The timeouts are generous for a client on a slow link
 * and short for one that stalls on purpose.
 */
export const NETWORK_LISTENER_LIMITS: ConnectionLimits = Object.freeze({
  handshakeTimeoutMs: 10_000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  maxConnections: 512,
  maxPerSource: 32,
  checkIntervalMs: 1_000,
});

/**
 * The key a peer address is counted under: an IPv4 address as is (without
 * an IPv4-mapped prefix), an IPv6 address as its /64 (`2001:db8:1:2::/64`),
 * since whoever holds one address of a subnet usually holds all of it.
 */
export function sourceKey(address: string): string {
  const bare = address.split('%')[0]!;
  if (bare.startsWith('::ffff:') && net.isIPv4(bare.slice(7))) return bare.slice(7);
  if (!net.isIPv6(bare)) return address.slice(0, 64);
  const [head, tail = ''] = bare.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = bare.includes('::') && tail ? tail.split(':') : [];
  // An embedded IPv4 tail only ever sits in the low 64 bits, which the key drops.
  const groups = bare.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** What a guard has seen, for logs and tests. */
export interface ConnectionGuard {
  /** Connections accepted so far (dropped ones not included). */
  readonly accepted: number;
  /** Open connections now. */
  readonly open: number;
  /** Connections destroyed because their source was at its cap. */
  readonly refusedPerSource: number;
  /** Connections dropped because the listener was full. */
  readonly refusedTotal: number;
}

/**
 * Applies the bounds to a listener before it listens. The TLS handshake
 * timeout is a construction option: pass `handshakeTimeout:
 * limits.handshakeTimeoutMs` in the https options as well.
 */
export function guardConnections(
  server: HttpServer | HttpsServer,
  limits: ConnectionLimits = NETWORK_LISTENER_LIMITS,
): ConnectionGuard {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Read when the server starts listening, so it is set before listen().
  (server as HttpServer & { connectionsCheckingInterval: number }).connectionsCheckingInterval = limits.checkIntervalMs;
  server.maxConnections = limits.maxConnections;
  const perSource = new Map<string, number>();
  const stats = { accepted: 0, open: 0, refusedPerSource: 0, refusedTotal: 0 };
  server.on('drop', () => {
    stats.refusedTotal += 1;
  });
  // 'connection' carries the raw TCP socket, before any TLS.
  server.on('connection', (socket: Socket) => {
    const key = sourceKey(socket.remoteAddress ?? 'unknown');
    const n = (perSource.get(key) ?? 0) + 1;
    perSource.set(key, n);
    stats.accepted += 1;
    stats.open += 1;
    socket.once('close', () => {
      stats.open -= 1;
      const left = (perSource.get(key) ?? 1) - 1;
      if (left > 0) perSource.set(key, left);
      else perSource.delete(key);
    });
    if (n > limits.maxPerSource) {
      stats.refusedPerSource += 1;
      socket.destroy();
      return;
    }
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
  });
  return {
    get accepted() {
      return stats.accepted;
    },
    get open() {
      return stats.open;
    },
    get refusedPerSource() {
      return stats.refusedPerSource;
    },
    get refusedTotal() {
      return stats.refusedTotal;
    },
  };
}

/** Errors after which nothing useful can be said on the socket (TLS failed, peer gone, deadline passed). */
function unanswerable(code: string | undefined): boolean {
  return (
    !code ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ERR_HTTP_REQUEST_TIMEOUT'
  );
}

/**
 * Ends a connection after a malformed request with one HTTP answer, then
 * destroys it: after TLS errors, resets and missed deadlines at once,
 * otherwise once the answer is flushed (or after a second, for a peer that
 * does not read).
 */
export function answerClientError(err: Error & { code?: string }, socket: Socket, response: () => string): void {
  if (unanswerable(err.code) || !socket.writable) {
    socket.destroy();
    return;
  }
  const timer = setTimeout(() => socket.destroy(), 1_000);
  timer.unref();
  socket.end(response(), () => {
    clearTimeout(timer);
    socket.destroy();
  });
}
