/**
 * The one way every program of the suite words an error for a person:
 * `CODE: message next step`, with the wait before a retry when the answer
 * carries one. The command lines prefix their name (`quantix-node: CODE:
 * ...`), as Unix tools do; the consoles show the same text on their status
 * line. Words that came from elsewhere (an agent, a vDC, a file) are made
 * inert first, and nothing unexpected ever shows a stack.
 */
import { formatWait } from '../format/duration.js';
import { isErrorCode, QuantixError } from '../protocol/errors.js';
import { neutralizeControls as inert } from '../tui/sanitize.js';

/** What an error line is made of; a QuantixError or an error body from an API. */
interface ErrorWords {
  code: string;
  message: string;
  hint?: string | undefined;
  details?: readonly string[] | undefined;
  retryAfterSeconds?: number | undefined;
}

function wordsOf(err: unknown): ErrorWords {
  if (err instanceof QuantixError) return err;
  const e = err as Partial<Record<keyof ErrorWords, unknown>> | null;
  if (
    e &&
    (isErrorCode(e.code) || (typeof e.code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(e.code))) &&
    typeof e.message === 'string'
  ) {
    return {
      code: e.code,
      message: e.message,
      hint: typeof e.hint === 'string' ? e.hint : undefined,
      retryAfterSeconds: typeof e.retryAfterSeconds === 'number' ? e.retryAfterSeconds : undefined,
    };
  }
  const msg = err instanceof Error ? err.message : String(err);
  return {
    code: 'INTERNAL',
    message: `Unexpected error: ${msg.split('\n')[0]}`,
    hint: 'Try again; if it persists, look at the log and report it with the command you ran.',
  };
}

/** A sentence ends with a full stop before the next one starts. */
function sentence(s: string): string {
  const t = s.trim();
  return t === '' || /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * A command that cannot run as given (an unknown option, a missing
 * argument, a file that is not private): found before anything is done, so
 * the programs exit with their usage status (2) rather than a failure.
 */
export class UsageError extends QuantixError {}

/** The error as one line without a program name: `CODE: message next step` (status lines, logs for people). */
export function describeError(err: unknown): string {
  const w = wordsOf(err);
  const details =
    w.details?.length && !w.message.includes(w.details[0]!) ? ` (${w.details.map(inert).join('; ')})` : '';
  const message = sentence(`${inert(w.message)}${details}`);
  const retry =
    w.retryAfterSeconds !== undefined && Number.isFinite(w.retryAfterSeconds)
      ? ` Retry in ${formatWait(w.retryAfterSeconds)}.`
      : '';
  return [`${w.code}: ${message}`, w.hint ? sentence(inert(w.hint)) : ''].filter(Boolean).join(' ') + retry;
}

/** The one line a command prints on stderr for an error: `program: CODE: message next step`. */
export function errorLine(program: string, err: unknown): string {
  return `${program}: ${describeError(err)}`;
}

/** A usage error: the problem in the program's own words and where the usage is. */
export function usageError(problem: string, hint = 'See the usage below, or run the command with --help.'): UsageError {
  return new UsageError('USAGE_ERROR', { message: sentence(problem.charAt(0).toUpperCase() + problem.slice(1)), hint });
}

/**
 * A command-line parser's complaint (node:util parseArgs) in our words:
 * which option or argument, and why, without the parser's own advice.
 */
export function argumentProblem(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const text = typeof e?.message === 'string' ? e.message : String(err);
  const name = /'(-{1,2}[^' <]+)/.exec(text)?.[1] ?? /'([^']*)'/.exec(text)?.[1] ?? '';
  const shown = inert(name.slice(0, 40));
  switch (e?.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${shown}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(text)
        ? `option ${shown} takes no value`
        : `option ${shown} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(name.slice(0, 40))}`;
    default:
      return inert(text.split('\n')[0]!.replace(/\. To specify .*$/, ''));
  }
}
