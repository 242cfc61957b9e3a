/**
 * Checking values against the protocol schemas (TypeBox), the one way both
 * sides use them: servers check requests and answer a coded error naming
 * every problem in our own words; clients check answers and refuse one that
 * does not match as HOST_PROTOCOL_ERROR. Checkers are compiled once per
 * schema. Pure: no I/O, no clock.
 */
import {
  FormatRegistry,
  type Static,
  type TSchema,
  type TypeCheck,
  TypeCompiler,
  type ValueError,
  ValueErrorType,
  Clean,
  Clone,
} from './typebox.js';
import { type ErrorBody, type ErrorCode, isErrorCode, type Phase, QuantixError } from './errors.js';

/** Text that is not only blank: the `nonblank` format of request schemas. */
FormatRegistry.Set('nonblank', (v) => v.trim() !== '');

/**
 * Annotations a request schema may carry for the words of its errors:
 * `problem` finishes the sentence "<field> …" when a pattern does not
 * match; `phase` is the phase of the body's errors.
 */
export interface ProblemOptions {
  problem?: string;
  phase?: Phase;
}

const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** The compiled checker of a schema (compiled on first use). */
export function checkerOf<T extends TSchema>(schema: T): TypeCheck<T> {
  let c = checkers.get(schema);
  if (!c) {
    c = TypeCompiler.Compile(schema);
    checkers.set(schema, c);
  }
  return c as TypeCheck<T>;
}

/** How a request's errors are worded. */
export interface RequestWords {
  /** The code to answer with: VALIDATION_ERROR (vDC) or BAD_REQUEST (agent). */
  code: ErrorCode;
  /** Prefix of top-level names (`body` gives `body.nodeId`); none gives `nodeId`. */
  root?: string;
  /** `field` for bodies, `parameter` for query strings. */
  subject?: 'field' | 'parameter';
}

/** The most problems one answer lists. */
const MAX_PROBLEMS = 20;

function quoted(key: string): string {
  return JSON.stringify(key.slice(0, 40));
}

/** One error in words, e.g. `name is longer than 63 characters`. */
function describe(e: ValueError, words: RequestWords): string {
  const segments = e.path.split('/').slice(1);
  const name = words.root && segments.length === 1 ? `${words.root}.${segments[0]!}` : segments.join('.');
  const schema = e.schema as TSchema & ProblemOptions;
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return `${name} is required`;
    case ValueErrorType.ObjectAdditionalProperties: {
      const parent = segments.length > 1 ? segments.slice(0, -1).join('.') : words.root;
      return `unknown ${words.subject ?? 'field'} ${parent ? `${parent}.` : ''}${quoted(segments[segments.length - 1] ?? '')}`;
    }
    case ValueErrorType.Object:
      if (name !== '') return `${name} must be an object`;
      return words.root ? `${words.root} must be an object` : 'the body must be a JSON object';
    case ValueErrorType.String:
      return `${name} must be text`;
    case ValueErrorType.StringMaxLength:
      return `${name} is longer than ${String(schema.maxLength)} characters`;
    case ValueErrorType.StringMinLength:
      return `${name} is required`;
    case ValueErrorType.StringFormat:
      if (schema.format === 'nonblank') return `${name} is required`;
      return `${name} ${schema.problem ?? 'is not valid'}`;
    default:
      return `${name} ${schema.problem ?? 'is not valid'}`;
  }
}

/** The problems of a value, first one per path, in words. Empty when the value matches. */
export function requestProblems(schema: TSchema, value: unknown, words: RequestWords): string[] {
  const checker = checkerOf(schema);
  if (checker.Check(value)) return [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of checker.Errors(value)) {
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    problems.push(describe(e, words));
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}

/** The coded error of a request that does not match its schema. */
export function requestError(schema: TSchema, problems: string[], code: ErrorCode): QuantixError {
  const phase = (schema as TSchema & ProblemOptions).phase;
  return new QuantixError(code, {
    message: `Invalid request: ${problems.join('; ')}.`,
    details: problems,
    ...(phase ? { phase } : {}),
  });
}

/** Checks a request and returns it typed; throws the coded error naming every problem. */
export function parseRequest<T extends TSchema>(schema: T, value: unknown, words: RequestWords): Static<T> {
  const problems = requestProblems(schema, value, words);
  if (problems.length) throw requestError(schema, problems, words.code);
  return value;
}

/** How a client words an answer that does not match. */
export interface ReplyOptions {
  /** Who answered, as the message starts: `The vDC`, `The host agent`. */
  peer: string;
  hint?: string;
  /** Keep only the fields the schema names (small answers from a peer that may be of another version). */
  clean?: boolean;
}

/**
 * Checks an answer in full and returns it typed. With `clean`, only the
 * fields its schema names are kept (a field a newer peer added, or a secret,
 * travels no further). Throws HOST_PROTOCOL_ERROR saying where it first differs.
 */
export function parseReply<T extends TSchema>(schema: T, value: unknown, what: string, o: ReplyOptions): Static<T> {
  const checker = checkerOf(schema);
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first ? `${what}${first.path.replace(/\//g, '.')}` : what;
    throw new QuantixError('HOST_PROTOCOL_ERROR', {
      message: `${o.peer} answered something unexpected (${where}).`,
      ...(o.hint ? { hint: o.hint } : {}),
    });
  }
  return o.clean ? Clean(schema, Clone(value)) : value;
}

/** An error body as a client read it: the body, or how it failed, finishing "<peer> answered HTTP <status> …". */
export type ErrorBodyRead<B> =
  | { ok: true; body: B; sentCode: string }
  | { ok: false; problem: string; /** A code was sent, the rest differs. */ coded: boolean };

/**
 * Reads an error body a peer sent against `schema` (`ErrorBody` or one that
 * extends it). A code this catalogue does not know (a newer peer's) is read
 * as INTERNAL with the peer's words kept, and `sentCode` is the code as sent.
 * A body without a code, or one that differs from the schema, is not
 * believed: `problem` says which, naming where it first differs.
 */
export function readErrorBody<T extends typeof ErrorBody>(
  schema: T,
  v: unknown,
): ErrorBodyRead<Omit<Static<T>, 'code'> & Pick<ErrorBody, 'code'>> {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || typeof (v as { code?: unknown }).code !== 'string')
    return { ok: false, problem: 'without an error code', coded: false };
  const sentCode = (v as { code: string }).code;
  const value: unknown = isErrorCode(sentCode) ? v : { ...v, code: 'INTERNAL' };
  const checker = checkerOf(schema);
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first ? `error${first.path.replace(/\//g, '.')}` : 'error';
    return { ok: false, problem: `with an error body that does not match (${where})`, coded: true };
  }
  return { ok: true, body: value as Omit<Static<T>, 'code'> & Pick<ErrorBody, 'code'>, sentCode };
}
