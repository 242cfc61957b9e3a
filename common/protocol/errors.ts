/**
 * The error-code catalogue shared by the agent, the vDC and both consoles.
 * Every API failure is `{code, message, hint}` (the vDC adds `phase`); the
 * consoles map codes to words through this table, so a code means the same
 * thing everywhere.
 */

import { type Static, Type } from './typebox.js';

/** Where in the add-host flow a vDC error happened. */
export const Phase = Type.Union([
  Type.Literal('connect'),
  Type.Literal('verify'),
  Type.Literal('discover'),
  Type.Literal('register'),
]);
export type Phase = Static<typeof Phase>;

/** One entry of the catalogue. */
export interface ErrorSpec {
  /** HTTP status the server answers with. */
  status: number;
  /** What happened, in words an operator understands. */
  message: string;
  /** What to do next. */
  hint: string;
}

/** Every stable error code. */
export const ERRORS = {
  // Host agent (registration protocol and local API)
  TOKEN_INVALID: {
    status: 401,
    message: 'The host did not accept the token.',
    hint: 'Check the token against the host console (F4); if it still fails, press G there for a new one.',
  },
  NO_ACTIVE_TOKEN: {
    status: 401,
    message: 'The host has no active registration token.',
    hint: 'On the host console press F4, then G, to generate a token.',
  },
  TOKEN_EXPIRED: {
    status: 410,
    message: 'The registration token has expired.',
    hint: 'Generate a new token on the host console: F4, then G.',
  },
  TOKEN_ALREADY_USED: {
    status: 409,
    message: 'The registration token has already been used to join a cluster.',
    hint: 'The host is already joining or joined a vDC; check its console (F4). To move it, leave the cluster there first (F9).',
  },
  TOKEN_REVOKED: {
    status: 401,
    message: 'The registration token was revoked on the host.',
    hint: 'On the host console press F4, then G, for a new token.',
  },
  HOST_MANAGED: {
    status: 409,
    message: 'This host is managed by a vDC; it cannot issue a registration token.',
    hint: 'Leave the cluster first (host console F9, or `quantix-node leave`).',
  },
  NOT_MANAGED: {
    status: 409,
    message: 'This host is not managed by a vDC.',
    hint: 'Nothing to leave. To add it to a cluster, generate a token with F4, then G.',
  },
  CONFIRMATION_REQUIRED: {
    status: 400,
    message: 'This action changes the host and needs confirming, but there is no terminal to ask on.',
    hint: 'Run it on a terminal to be asked, or add --yes to proceed without asking.',
  },
  USAGE_ERROR: {
    status: 400,
    message: 'The command line is not valid.',
    hint: 'Run the command with --help for its usage.',
  },
  AGENT_UNREACHABLE: {
    status: 503,
    message: 'The host agent (quantix-node) is not running, or not on this socket.',
    hint: 'Start it with `quantix-node serve` (or `systemctl start quantix-node`), or give the right path with --socket / QUANTIX_NODE_SOCKET.',
  },
  PERMISSION_DENIED: {
    status: 403,
    message: "Permission denied: this user may not open the service's socket or files.",
    hint: 'Run the command as the user the service runs as, or as root (sudo).',
  },
  LISTEN_FAILED: {
    status: 500,
    message: 'The service could not listen on its address.',
    hint: 'Choose another --listen address or port, or stop what holds it.',
  },
  NOT_MANAGED_BY_YOU: {
    status: 403,
    message: 'This host is not managed by the vDC that asked.',
    hint: 'Only the vDC that added the host can query or remove it.',
  },
  RATE_LIMITED: {
    status: 429,
    message: 'Too many failed attempts; the host is refusing requests for a while.',
    hint: 'Wait until the retry time, then try again with the token shown on the host console.',
  },
  BAD_REQUEST: {
    status: 400,
    message: 'The request was malformed.',
    hint: 'Check the request against the API reference in docs/host-registration-flow.md.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'The request body must be JSON (Content-Type: application/json).',
    hint: 'Send the body as application/json.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'The request body is too large.',
    hint: 'Request bodies are limited in size; send only the documented fields.',
  },
  NOT_FOUND: {
    status: 404,
    message: 'No such endpoint or object.',
    hint: 'Check the path against the API reference.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    message: 'This endpoint does not accept that method.',
    hint: 'Check the method against the API reference.',
  },
  STATE_WRITE_FAILED: {
    status: 500,
    message: 'The host could not save its state.',
    hint: 'Check that the state directory is writable and the disk is not full, then try again.',
  },
  INTERNAL: {
    status: 500,
    message: 'Unexpected internal error.',
    hint: 'Try again; if it persists, look at the service log.',
  },

  // vDC (add-host flow and management)
  VALIDATION_ERROR: {
    status: 400,
    message: 'Some fields are missing or invalid.',
    hint: 'Correct the fields named in the message and try again.',
  },
  SECRET_ON_COMMAND_LINE: {
    status: 400,
    message:
      'A secret was given on the command line, where any local user can read it; it was refused and nothing was sent.',
    hint: 'Pass it on stdin (--token-stdin), in a file only you can read (--token-file FILE), in the environment, or type it at the prompt.',
  },
  SECRET_FILE_NOT_PRIVATE: {
    status: 400,
    message: 'The token file can be read by other users, or is not yours; it was not read.',
    hint: 'Make it yours and private (chmod 600 FILE), or pass the token another way.',
  },
  TOKEN_FORMAT: {
    status: 400,
    message: 'The token is not well formed.',
    hint: 'Compare each symbol with the host console (F4); tokens look like QUANTIX-XXXX-XXXX-XXXX.',
  },
  HOST_UNREACHABLE: {
    status: 502,
    message: 'The host could not be reached.',
    hint: 'Check the address and port (default 8443), that quantix-node runs on the host, and that no firewall blocks it.',
  },
  CONNECTION_TIMEOUT: {
    status: 504,
    message: 'The host did not answer in time.',
    hint: 'Check the network path to the host and that its agent is not stalled, then retry.',
  },
  TLS_ERROR: {
    status: 502,
    message: 'A secure connection to the host could not be established.',
    hint: 'Make sure the address points at a Quantix host agent (HTTPS, port 8443 by default).',
  },
  HOST_IDENTITY_MISMATCH: {
    status: 502,
    message:
      "The certificate presented is not the host's own: something between the vDC and the host intercepts the connection.",
    hint: 'Connect to the host directly, without a TLS-inspecting proxy, and compare the fingerprint on its console (F4).',
  },
  HOST_IDENTITY_CHANGED: {
    status: 409,
    message: 'The host at this address changed between review and registration.',
    hint: 'Start again from discovery and review the host before adding it.',
  },
  HOST_PROOF_INVALID: {
    status: 502,
    message: "The host's answer could not be verified with the token.",
    hint: 'The answer did not come from the host showing this token; check the address, then retry.',
  },
  HOST_PROTOCOL_ERROR: {
    status: 502,
    message: 'The host answered something unexpected.',
    hint: 'Check that the host runs a compatible quantix-node version.',
  },
  HOST_STATE_WRITE_FAILED: {
    status: 502,
    message: 'The host could not save its state: its state directory is read-only or full.',
    hint: 'On the host, free space or make the state directory (/var/lib/quantix-node) writable, then add the host again; its token is kept.',
  },
  HOST_AGENT_FAILED: {
    status: 502,
    message: 'The host agent could not answer the request.',
    hint: "Try again in a moment; if it persists, look at the agent's log on the host (journalctl -u quantix-node).",
  },
  DISCOVERY_NOT_FOUND: {
    status: 404,
    message: 'The discovery session has expired or does not exist.',
    hint: 'Discover the host again (sessions last 10 minutes).',
  },
  HOST_ALREADY_REGISTERED: {
    status: 409,
    message: 'The host is already registered with this vDC.',
    hint: 'It is listed under its cluster; to put it in another cluster, move it (`quantix-vdc-console hosts move HOST --cluster OTHER`).',
  },
  HOST_MANAGED_ELSEWHERE: {
    status: 409,
    message: 'The host is managed by another vDC.',
    hint: 'Remove it from the other vDC, or leave the cluster on the host console (F9), then generate a new token.',
  },
  CLUSTER_NOT_FOUND: {
    status: 404,
    message: 'The cluster does not exist.',
    hint: 'Choose an existing cluster or create one first.',
  },
  CLUSTER_EXISTS: {
    status: 409,
    message: 'A cluster with this name already exists.',
    hint: 'Choose another name.',
  },
  CLUSTER_NOT_EMPTY: {
    status: 409,
    message: 'The cluster still has hosts.',
    hint: 'Move its hosts to another cluster (`quantix-vdc-console hosts move HOST --cluster OTHER`) or remove them, then delete it.',
  },
  HOST_NOT_MOVABLE: {
    status: 409,
    message: 'The host cannot be moved in its current state.',
    hint: 'Wait until a host being added is connected; a host that left its cluster must be removed and added again.',
  },
  HOST_NOT_FOUND: {
    status: 404,
    message: 'No such host.',
    hint: 'List hosts to find its id.',
  },
  HOST_PENDING: {
    status: 409,
    message: "The host's registration is not settled yet.",
    hint: 'Wait until the vDC has settled it (within one poll interval the host shows as connected or is gone), then try again.',
  },
  UNAUTHORIZED: {
    status: 401,
    message: 'An API token is required.',
    hint: 'Run `quantix-vdc-console login --server URL` with a token from `quantix-vdc api-token create`.',
  },
  API_TOKEN_RATE_LIMITED: {
    status: 429,
    message:
      'Too many requests with a wrong API token came from this address; the vDC refuses its requests for a while.',
    hint: 'Wait for the time given in Retry-After, then log in again with a valid token: quantix-vdc-console login --server URL.',
  },
  API_TOKEN_NOT_FOUND: {
    status: 404,
    message: 'No such API token.',
    hint: 'List tokens with `quantix-vdc api-token list`.',
  },
  BUSY: {
    status: 503,
    message: 'The vDC is busy.',
    hint: 'Try again in a moment.',
  },
  TOO_MANY_DISCOVERIES: {
    status: 503,
    message: 'Too many discoveries are running on this vDC right now.',
    hint: 'Wait for the time given in Retry-After, then try again; each discovery ends within the connect and response time limits.',
  },
  ROLE_FORBIDDEN: {
    status: 403,
    message: 'This API token has the viewer role: it may list and watch, not change anything.',
    hint: 'Ask a vDC administrator for an admin token (`quantix-vdc api-token create NAME --role admin`), then log in again with it.',
  },
  LOCAL_ONLY: {
    status: 403,
    message: 'This operation is only available on the vDC itself.',
    hint: 'Run `quantix-vdc api-token ...` on the vDC appliance, or use the local console there.',
  },
  VDC_UNREACHABLE: {
    status: 503,
    message: 'The vDC could not be reached.',
    hint: 'Check that `quantix-vdc serve` is running and that the socket path or server address is right.',
  },
  SERVICE_STOPPING: {
    status: 503,
    message: 'The service is stopping.',
    hint: 'Try again once it runs again; if it was not meant to stop, start it again.',
  },
  DATABASE_UNAVAILABLE: {
    status: 503,
    message: 'The vDC cannot reach its database right now.',
    hint: 'Try again in a moment; if it persists, check that the database server is running and reachable from the vDC.',
  },
  STATE_DIR_IN_USE: {
    status: 409,
    message: 'Another quantix-vdc is already serving this state directory.',
    hint: 'Stop the other one first, or give this one its own --state-dir. Several replicas need a shared PostgreSQL database (--database).',
  },
  VDC_SECRET_KEY: {
    status: 500,
    message: 'The vDC secret key does not open the identity stored in the database.',
    hint: 'Give every replica the same secret key file (--secret-file), copied from the replica that created the database.',
  },
  VDC_IDENTITY_CHANGED: {
    status: 502,
    message: 'The vDC presented a different certificate than the one pinned at login.',
    hint: 'If the vDC was reinstalled, log in again and compare the fingerprint shown on the appliance; otherwise something intercepts the connection.',
  },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERRORS;

/**
 * The JSON body of every error response, as servers write it (`toBody`) and
 * clients check it. On the wire `code` is any text: a peer of a newer
 * version may send a code this catalogue does not have yet, which a client
 * reads as INTERNAL, keeping the words. Other fields may follow (the agent
 * adds its certificate fingerprint).
 */
export const ErrorBody = Type.Object({
  code: Type.String(),
  message: Type.String(),
  hint: Type.String(),
  phase: Type.Optional(Phase),
  /** Seconds until a retry may succeed (RATE_LIMITED). */
  retryAfterSeconds: Type.Optional(Type.Number({ minimum: 0 })),
  /** Field-level details of a VALIDATION_ERROR. */
  details: Type.Optional(Type.Array(Type.String())),
});
/** An error body with a code of this catalogue. */
export type ErrorBody = Omit<Static<typeof ErrorBody>, 'code'> & { code: ErrorCode };

/** True when s is a known error code. */
export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(ERRORS, s);
}

/** An error that carries a stable code; thrown by services, mapped to JSON at the edge. */
export class QuantixError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly hint: string;
  readonly phase: Phase | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly details: string[] | undefined;

  constructor(
    code: ErrorCode,
    opts: {
      message?: string;
      hint?: string;
      phase?: Phase;
      retryAfterSeconds?: number;
      details?: string[];
      cause?: unknown;
    } = {},
  ) {
    super(opts.message ?? ERRORS[code].message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'QuantixError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.hint = opts.hint ?? ERRORS[code].hint;
    this.phase = opts.phase;
    this.retryAfterSeconds = opts.retryAfterSeconds;
    this.details = opts.details;
  }

  /** The JSON body for this error. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message, hint: this.hint };
    if (this.phase) body.phase = this.phase;
    if (this.retryAfterSeconds !== undefined) body.retryAfterSeconds = this.retryAfterSeconds;
    if (this.details) body.details = this.details;
    return body;
  }
}

/** Builds an ErrorBody from a code with its catalogue words. */
export function errorBody(code: ErrorCode, extra: Partial<ErrorBody> = {}): ErrorBody {
  return { code, message: ERRORS[code].message, hint: ERRORS[code].hint, ...extra };
}
