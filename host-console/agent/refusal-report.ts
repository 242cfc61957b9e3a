/**
 * Refused network requests, written so that a peer cannot fill the disk
 * with them. The first refusal of a source in a window is written at once
 * (audit line and log line, with its code and path); the rest of that
 * window is only counted, and when the window ends one line per source
 * says how many there were: "refused 812 requests from 192.0.2.7 in the
 * last 60 s". A source is an IPv4 address or an IPv6 /64. Everything is
 * bounded: the sources tracked in a window, the immediate lines and the
 * summary lines per window; beyond those, requests are counted together
 * under "other sources".
 */
import type { Logger } from '../../common/log/logger.js';
import { type AuditAction, type AuditLog, auditPath } from './audit.js';
import { sourceKey } from '../../common/http/connection-guard.js';

/** One refused request. */
export interface Refusal {
  action: AuditAction;
  /** Peer address. */
  source: string;
  code: string;
  /** Request target as received; only its path is kept. */
  target: string;
  detail?: string;
}

/** Counts and writes refused requests. */
export interface RefusalReport {
  /** Notes one refused request. */
  refused(r: Refusal): void;
  /** Writes the counts of the current window now and starts a new one. */
  flush(): void;
  /** Stops the window timer after a last flush. */
  close(): void;
}

/** Options of a refusal report. */
export interface RefusalReportOptions {
  audit: AuditLog;
  log: Logger;
  /** Length of a window (default 60 s). */
  windowMs?: number;
  /** Sources counted one by one per window (default 1,000); the rest together. */
  maxSources?: number;
  /** Sources whose first refusal is written at once, per window (default 20). */
  maxImmediate?: number;
  /** Summary lines naming one source, per window (default 20, the busiest). */
  maxSummaries?: number;
}

interface Tally {
  count: number;
  codes: Record<string, number>;
  /** Count already written as an immediate line. */
  written: number;
}

function add(t: Tally, code: string): void {
  t.count += 1;
  // The codes are the agent's own, a short fixed list, so this stays small.
  t.codes[code] = (t.codes[code] ?? 0) + 1;
}

/** Creates a refusal report with its window timer (unref'd: it never keeps the process alive). */
export function createRefusalReport(opts: RefusalReportOptions): RefusalReport {
  const { audit, log } = opts;
  const windowMs = opts.windowMs ?? 60_000;
  const maxSources = opts.maxSources ?? 1_000;
  const maxImmediate = opts.maxImmediate ?? 20;
  const maxSummaries = opts.maxSummaries ?? 20;
  const seconds = Math.round(windowMs / 1000);
  let sources = new Map<string, Tally>();
  let others: Tally = { count: 0, codes: {}, written: 0 };
  let immediate = 0;

  const summary = (source: string, t: Tally, what: string) => {
    const detail = `refused ${t.count} request${t.count === 1 ? '' : 's'} from ${what} in the last ${seconds} s`;
    audit.write({ action: 'refused.summary', outcome: 'error', source, count: t.count, codes: t.codes, detail });
    log.warn({ source, count: t.count, codes: t.codes, windowSeconds: seconds }, detail);
  };

  const flush = () => {
    // A source refused once and written in full needs no count.
    const unwritten = [...sources.entries()]
      .filter(([, t]) => t.count > t.written)
      .sort((a, b) => b[1].count - a[1].count);
    for (const [source, t] of unwritten.slice(0, maxSummaries)) summary(source, t, source);
    for (const [, t] of unwritten.slice(maxSummaries)) {
      others.count += t.count;
      for (const [code, n] of Object.entries(t.codes)) others.codes[code] = (others.codes[code] ?? 0) + n;
    }
    if (others.count > 0) summary('other', others, 'other sources');
    sources = new Map();
    others = { count: 0, codes: {}, written: 0 };
    immediate = 0;
  };

  const timer = setInterval(flush, windowMs);
  timer.unref();

  return {
    refused(r) {
      const key = sourceKey(r.source);
      const t = sources.get(key);
      if (t) {
        add(t, r.code);
        return;
      }
      if (sources.size >= maxSources) {
        // Sources past the cap cannot be told apart without memory: counted as one group.
        add(others, r.code);
        return;
      }
      const fresh: Tally = { count: 0, codes: {}, written: 0 };
      add(fresh, r.code);
      sources.set(key, fresh);
      if (immediate >= maxImmediate) return;
      immediate += 1;
      fresh.written = 1;
      const path = auditPath(r.target);
      audit.write({
        action: r.action,
        outcome: 'error',
        source: r.source,
        path,
        code: r.code,
        ...(r.detail !== undefined ? { detail: r.detail } : {}),
      });
      log.info({ source: r.source, path, code: r.code }, 'request refused');
    },
    flush,
    close() {
      clearInterval(timer);
      flush();
    },
  };
}
