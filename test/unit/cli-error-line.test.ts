import { describe, expect, it } from 'vitest';
import { argumentProblem, describeError, errorLine, usageError } from '../../common/cli/error-line.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { parseArgs } from 'node:util';

/** What node:util parseArgs throws for argv with these options. */
function parseError(args: string[]): unknown {
  try {
    parseArgs({
      args,
      options: { socket: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    return err;
  }
  throw new Error(`${args.join(' ')} parsed`);
}

describe('one error line for every program', () => {
  it.each<[string, unknown, string]>([
    // A catalogue error: code first, then the words, then the next step.
    [
      'catalogue',
      new QuantixError('TOKEN_EXPIRED'),
      'TOKEN_EXPIRED: The registration token has expired. Generate a new token on the host console: F4, then G.',
    ],
    // An error body as an API sends it.
    ['body', { code: 'TOKEN_EXPIRED', message: 'Expired', hint: 'Press G' }, 'TOKEN_EXPIRED: Expired. Press G.'],
    // A refusal with a wait says when to try again.
    [
      'rate limited',
      new QuantixError('RATE_LIMITED', { retryAfterSeconds: 42 }),
      'RATE_LIMITED: Too many failed attempts; the host is refusing requests for a while. Wait until the retry time, then try again with the token shown on the host console. Retry in 42 s.',
    ],
    [
      'long wait',
      new QuantixError('RATE_LIMITED', { message: 'x.', hint: 'y.', retryAfterSeconds: 600 }),
      'RATE_LIMITED: x. y. Retry in 10 min.',
    ],
    // Field details the message does not already name.
    [
      'details',
      new QuantixError('VALIDATION_ERROR', { message: 'Bad.', hint: 'Fix.', details: ['name: too long'] }),
      'VALIDATION_ERROR: Bad. (name: too long). Fix.',
    ],
    // A bug: one line, never the stack.
    [
      'bug',
      new Error('boom\n    at foo (x.js:1:1)'),
      'INTERNAL: Unexpected error: boom. Try again; if it persists, look at the log and report it with the command you ran.',
    ],
  ])('%s', (_name, err, line) => expect(describeError(err)).toBe(line));

  it('prefixes the program and keeps escape sequences from a server inert', () => {
    const line = errorLine(
      'quantix-vdc-console',
      new QuantixError('HOST_NOT_FOUND', { message: 'no \x1b[2J host', hint: 'x\x07' }),
    );
    expect(line).toBe('quantix-vdc-console: HOST_NOT_FOUND: no ^[[2J host. x^G.');
  });

  it('words parser complaints itself, without the parser text', () => {
    expect(argumentProblem(parseError(['--bogus']))).toBe('unknown option --bogus');
    expect(argumentProblem(parseError(['--socket']))).toBe('option --socket needs a value');
    expect(argumentProblem(parseError(['--json=1']))).toBe('option --json takes no value');
    expect(argumentProblem(parseError(['extra']))).toBe('unexpected argument "extra"');
    expect(errorLine('quantix-host-console', usageError('unknown option --bogus'))).toBe(
      'quantix-host-console: USAGE_ERROR: Unknown option --bogus. See the usage below, or run the command with --help.',
    );
  });
});
