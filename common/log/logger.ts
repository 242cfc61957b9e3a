/**
 * Structured JSON logging to stderr (pino). Secrets are redacted by key and
 * by value: any field named like a secret is censored, and any string that
 * contains something shaped like a registration token or an API token is
 * censored too, so a mistake elsewhere cannot put a secret in a log line.
 */
import pino, { type Logger } from 'pino';
import { REDACT_PATHS, scrubSecrets, scrubValue } from './scrub.js';

export { forgetSecret, REDACT_PATHS, registerSecret, scrubSecrets } from './scrub.js';

export type { Logger } from 'pino';

/** Options for createLogger. */
export interface LoggerOptions {
  name: string;
  level?: string;
  /** Where to write; stderr by default. */
  destination?: NodeJS.WritableStream | number;
}

/** Creates the process logger: JSON lines on stderr, secrets redacted. */
export function createLogger(opts: LoggerOptions): Logger {
  const level = opts.level ?? process.env.QUANTIX_LOG_LEVEL ?? 'info';
  const dest = opts.destination ?? 2;
  return pino(
    {
      name: opts.name,
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: {
        log: (obj) => scrubValue(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? scrubSecrets(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : (dest as pino.DestinationStream),
  );
}
