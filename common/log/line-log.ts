/**
 * A logger for programs that write a handful of lines: the host console
 * logs when the agent cannot be reached and when it stops on an error.
 * The lines are the daemons' (pino's JSON: level number, time, pid,
 * hostname, name, msg, fields), with the same censoring, written
 * synchronously so a line is on disk before the process exits. Loading
 * pino cost the console 25-30 ms of its start for those two lines.
 */
import { writeSync } from 'node:fs';
import os from 'node:os';
import { REDACT_PATHS, scrubSecrets, scrubValue } from './scrub.js';

/** pino's level numbers, so one reader reads every log of the suite. */
const LEVELS = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;

type Level = keyof typeof LEVELS;

/** Fields and a message, as pino takes them. */
export type LineLogMethod = (fields: Record<string, unknown>, msg: string) => void;

/** The logger: one method per level. */
export type LineLog = Record<Level, LineLogMethod>;

/** Keys censored wherever they appear (the last part of each redacted path). */
const SECRET_KEYS = new Set(REDACT_PATHS.map((p) => p.slice(p.lastIndexOf('.') + 1)));

function censor(v: unknown, depth: number): unknown {
  if (depth > 6 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => censor(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEYS.has(k) ? '[REDACTED]' : censor(x, depth + 1);
  return out;
}

/** An error as a log field: its type, message and stack, scrubbed. */
function errorField(err: unknown): unknown {
  if (!(err instanceof Error)) return scrubValue(err);
  return { type: err.name, message: scrubSecrets(err.message), stack: scrubSecrets(err.stack ?? '') };
}

/** Writes JSON lines to `fd` (null: nowhere). Writing errors are dropped: a log must never stop its program. */
export function createLineLog(opts: { name: string; fd: number | null }): LineLog {
  const { fd, name } = opts;
  const method =
    (level: Level): LineLogMethod =>
    (fields, msg) => {
      if (fd === null) return;
      const { err, ...rest } = fields;
      const record = {
        level: LEVELS[level],
        time: Date.now(),
        pid: process.pid,
        hostname: os.hostname(),
        name,
        ...(censor(scrubValue(rest), 0) as Record<string, unknown>),
        ...(err !== undefined ? { err: errorField(err) } : {}),
        msg: scrubSecrets(msg),
      };
      try {
        writeSync(fd, `${JSON.stringify(record)}\n`);
      } catch {
        // A full disk or a closed descriptor: the console goes on without its log.
      }
    };
  return {
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
  };
}
