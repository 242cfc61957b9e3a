/**
 * The HTTP edge every Quantix server shares (the vDC API and both agent
 * APIs): JSON bodies only, parsed here with the exact bytes kept (request
 * proofs hash them); requests checked against the route's schema and refused
 * in our words with a stable code; one error path that turns anything thrown
 * into `{code, message, hint}` with a fixed status, so bad input never earns
 * a 500, a parser's text or a stack trace; NOT_FOUND for unknown paths and
 * METHOD_NOT_ALLOWED (with Allow) for known paths with other methods. HEAD
 * is answered wherever GET is, as GET without the body; elsewhere it is 405.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaCompiler, RouteOptions } from 'fastify';
import type { Socket } from 'node:net';
import { answerClientError } from './connection-guard.js';
import { type ErrorCode, errorBody, QuantixError } from '../protocol/errors.js';
import type { Logger } from '../log/logger.js';
import { requestError, requestProblems, type RequestWords } from '../protocol/schema.js';

/** Every method fastify can route. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** A method of the edge's route table. */
export type EdgeMethod = (typeof METHODS)[number];

/** Sends a JSON body serialized here, so a caller can prove the exact bytes sent; returns them. */
export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): string {
  const text = JSON.stringify(body);
  void reply
    .code(status)
    .headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
    .send(text);
  return text;
}

/** An answer as the route's response schema for `status` writes it (only the fields it names). */
export function serializeChecked(reply: FastifyReply, status: number, body: unknown): string {
  const out = reply.code(status).serialize(body);
  return typeof out === 'string'
    ? out
    : Buffer.isBuffer(out)
      ? out.toString('utf8')
      : Buffer.from(new Uint8Array(out)).toString('utf8');
}

/**
 * Sends an answer through the route's response schema (only the fields it
 * names go out); returns the bytes sent.
 */
export function sendChecked(
  reply: FastifyReply,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): string {
  const text = serializeChecked(reply, status, body);
  void reply
    .headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers })
    .send(text);
  return text;
}

/** Sends an error (with Retry-After when it has one). */
export function sendError(reply: FastifyReply, err: QuantixError, headers: Record<string, string> = {}): void {
  const h = { ...headers };
  if (err.retryAfterSeconds !== undefined) h['retry-after'] = String(err.retryAfterSeconds);
  sendJson(reply, err.status, err.toBody(), h);
}

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** The exact bytes of the request body; empty when none was sent. */
export function rawBody(req: FastifyRequest): Buffer {
  return rawBodies.get(req) ?? Buffer.alloc(0);
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

/** Maps anything thrown while answering to a stable error; what fastify or a parser said is never repeated. */
export function toQuantixError(err: unknown): QuantixError {
  if (err instanceof QuantixError) return err;
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown };
  const mapped = typeof e.code === 'string' ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new QuantixError(mapped);
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new QuantixError('PAYLOAD_TOO_LARGE');
    if (e.statusCode === 415) return new QuantixError('UNSUPPORTED_MEDIA_TYPE');
    return new QuantixError('BAD_REQUEST');
  }
  return new QuantixError('INTERNAL');
}

/** Parses a JSON body, keeping its bytes; invalid or empty JSON is BAD_REQUEST saying which. */
function parseJson(req: FastifyRequest, body: Buffer): unknown {
  rawBodies.set(req, body);
  if (body.length === 0)
    throw new QuantixError('BAD_REQUEST', { message: 'The request body is empty; a JSON object is required.' });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new QuantixError('BAD_REQUEST', {
      message: 'The request body is not valid JSON.',
      hint: 'Send a JSON object with the documented fields.',
    });
  }
}

/** Any body that is not JSON. */
function refuseMediaType(req: FastifyRequest): QuantixError {
  const ct = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return new QuantixError('UNSUPPORTED_MEDIA_TYPE', {
    message: ct
      ? `The request body must be application/json, not ${JSON.stringify(ct.slice(0, 60))}.`
      : 'The request has no Content-Type; it must be application/json.',
  });
}

/** How one server's edge is set up. */
export interface EdgeOptions {
  log: Logger;
  /** Every route, with its schemas (a GET route answers HEAD too). */
  routes: readonly RouteOptions[];
  /** How a request that does not match its schema is worded, per part of the request. */
  words: { body: RequestWords; querystring: RequestWords; params: RequestWords };
}

/** The schema check of one part of a request: our own words, never a validator's. */
function validatorCompiler(words: EdgeOptions['words']): FastifySchemaCompiler<unknown> {
  return ({ schema, httpPart }) => {
    const w = httpPart === 'querystring' || httpPart === 'params' ? words[httpPart] : words.body;
    return (data: unknown) => {
      const problems = requestProblems(schema as Parameters<typeof requestProblems>[0], data, w);
      return problems.length
        ? { error: requestError(schema as Parameters<typeof requestError>[0], problems, w.code) }
        : { value: data };
    };
  };
}

/** The Allow header of a path: HEAD goes with GET. */
function allowOf(allowed: readonly EdgeMethod[]): string {
  return (allowed.includes('GET') && !allowed.includes('HEAD') ? [...allowed, 'HEAD'] : allowed).join(', ');
}

/** The methods each path accepts. */
function methodsByPath(routes: readonly RouteOptions[]): Map<string, EdgeMethod[]> {
  const byPath = new Map<string, EdgeMethod[]>();
  for (const r of routes) {
    const list = byPath.get(r.url) ?? [];
    for (const m of [r.method].flat()) list.push(m as EdgeMethod);
    byPath.set(r.url, list);
  }
  return byPath;
}

/**
 * Installs the edge and a server's routes: the JSON parser, the schema
 * check, the error and not-found handlers, the routes, and 405 for known
 * paths with other methods.
 */
export function installEdge(app: FastifyInstance, o: EdgeOptions): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    try {
      done(null, parseJson(req, body as Buffer));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(refuseMediaType(req), undefined);
  });
  app.setValidatorCompiler(validatorCompiler(o.words));
  app.setErrorHandler((err, req, reply) => {
    const q = toQuantixError(err);
    if (q.code === 'INTERNAL') o.log.error({ err, method: req.method, route: req.routeOptions.url }, 'request failed');
    sendError(reply, q);
  });
  app.setNotFoundHandler((_req, reply) => {
    sendError(reply, new QuantixError('NOT_FOUND'));
  });
  // While the server closes, requests on connections still open get our own coded answer, and the connection ends.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  app.addHook('onRequest', (_req, reply, done) => {
    if (!closing) {
      done();
      return;
    }
    sendError(reply, new QuantixError('SERVICE_STOPPING'), { connection: 'close' });
  });
  for (const r of o.routes) app.route(r);
  for (const [url, allowed] of methodsByPath(o.routes)) {
    const others = METHODS.filter((m) => !allowed.includes(m) && !(m === 'HEAD' && allowed.includes('GET')));
    if (others.length === 0) continue;
    const allow = allowOf(allowed);
    app.route({
      method: [...others],
      url,
      handler: (_req, reply) => {
        sendError(reply, new QuantixError('METHOD_NOT_ALLOWED', { message: `${url} accepts ${allow}.` }), { allow });
      },
    });
  }
}

/** A bad request line or header gets the same JSON error body as everything else; the connection is then destroyed. */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  answerClientError(err, socket, () => {
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(
      tooLarge
        ? errorBody('PAYLOAD_TOO_LARGE', {
            message: 'The request headers are too large.',
            hint: 'Send only the documented headers.',
          })
        : errorBody('BAD_REQUEST', { message: 'The request line or headers are malformed.' }),
    );
    const status = tooLarge ? '413 Payload Too Large' : '400 Bad Request';
    return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  });
}
