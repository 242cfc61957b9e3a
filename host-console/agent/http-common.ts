/**
 * What both agent APIs share at the HTTP edge: bodies kept as the exact raw
 * bytes (request proofs hash them), one content-type rule, a body size cap,
 * and one error path that turns anything thrown into `{code, message, hint}`
 * with a fixed status, so bad input never earns a 500 or a stack trace.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { answerClientError } from '../../common/http/connection-guard.js';
import { type ErrorCode, errorBody, QuantixError } from '../../common/protocol/errors.js';
import type { Logger } from '../../common/log/logger.js';

/** Every method fastify can route. */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

/** Sends a JSON body serialized here, so a caller can prove the exact bytes sent. */
export function sendJson(reply: FastifyReply, status: number, body: unknown, headers: Record<string, string> = {}): string {
  const text = JSON.stringify(body);
  reply.code(status).headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }).send(text);
  return text;
}

/** Sends an error (with Retry-After for RATE_LIMITED). */
export function sendError(reply: FastifyReply, err: QuantixError, headers: Record<string, string> = {}): void {
  const h = { ...headers };
  if (err.retryAfterSeconds !== undefined) h['retry-after'] = String(err.retryAfterSeconds);
  sendJson(reply, err.status, err.toBody(), h);
}

/** The raw request body; empty when none was sent. */
export function rawBody(req: FastifyRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

/** Checks that a POST body is declared as JSON. */
export function requireJson(req: FastifyRequest): void {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (ct !== 'application/json') {
    throw new QuantixError('UNSUPPORTED_MEDIA_TYPE', {
      message: ct ? `The request body must be application/json, not ${JSON.stringify(ct.slice(0, 60))}.` : 'The request has no Content-Type; it must be application/json.',
    });
  }
}

/** Parses a raw body as JSON, refusing anything that is not an object. */
export function parseJsonObject(raw: Buffer): unknown {
  let v: unknown;
  try {
    v = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new QuantixError('BAD_REQUEST', { message: raw.length ? 'The request body is not valid JSON.' : 'The request body is empty; a JSON object is required.' });
  }
  return v;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
};

/** Maps anything thrown in a handler to a stable error. */
export function toQuantixError(err: unknown): QuantixError {
  if (err instanceof QuantixError) return err;
  const e = err as { code?: string; statusCode?: number };
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new QuantixError(mapped);
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new QuantixError('PAYLOAD_TOO_LARGE');
    if (e.statusCode === 415) return new QuantixError('UNSUPPORTED_MEDIA_TYPE');
    return new QuantixError('BAD_REQUEST');
  }
  return new QuantixError('INTERNAL');
}

/**
 * Installs the shared edge: raw-body parser for every content type, the
 * error and not-found handlers, and 405 for known paths with other methods.
 */
export function installEdge(app: FastifyInstance, log: Logger, routes: Record<string, readonly string[]>): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.setErrorHandler((err, req, reply) => {
    const q = toQuantixError(err);
    if (q.code === 'INTERNAL') log.error({ err, method: req.method, path: req.routeOptions.url }, 'request failed');
    sendError(reply, q);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new QuantixError('NOT_FOUND')));
  for (const [url, allowed] of Object.entries(routes)) {
    const others = METHODS.filter((m) => !allowed.includes(m) && !(m === 'HEAD' && allowed.includes('GET')));
    if (others.length === 0) continue;
    app.route({
      method: [...others],
      url,
      handler: async (_req, reply) => {
        reply.header('allow', allowed.join(', '));
        sendError(reply, new QuantixError('METHOD_NOT_ALLOWED', { message: `${url} accepts ${allowed.join(', ')}.` }));
      },
    });
  }
}

/** A bad request line or header gets the same JSON error body as everything else; the connection is then destroyed. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  answerClientError(err, socket, () => {
    const q = new QuantixError(err.code === 'HPE_HEADER_OVERFLOW' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST');
    const body = JSON.stringify(
      err.code === 'HPE_HEADER_OVERFLOW'
        ? errorBody(q.code, { message: 'The request headers are too large.', hint: 'Send only the documented headers.' })
        : errorBody(q.code, { message: 'The request line or headers are malformed.' }),
    );
    return `HTTP/1.1 ${q.status} ${q.status === 413 ? 'Payload Too Large' : 'Bad Request'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  });
}
