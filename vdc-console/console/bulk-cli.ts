/**
 * `hosts add --from FILE`: many hosts from a private file. Every line is
 * checked first, every host discovered (a few at a time) and shown in one
 * table, then all are registered on one confirmation, with a progress
 * line meanwhile and a report per host at the end. The exit code says
 * whether every host is in its cluster now (added, or skipped as already
 * there). No token is ever printed: not in the table, the report, the
 * errors nor `--json`.
 */
import { UsageError } from '../../common/cli/error-line.js';
import { readPrivateFile } from '../../common/cli/private-file.js';
import type { Glyphs } from '../../common/tui/glyphs.js';
import { plain } from '../../common/tui/text.js';
import { BULK_FILE, BulkRun, parseBulkFile, progressText, type BulkApi, type BulkHost } from './bulk.js';
import type { CliIo } from './cli.js';
import { EXIT, type GlobalValues } from './options.js';
import { textTable } from './output.js';
import { BULK_COLUMNS, bulkFailureLines, bulkWarningLines, renderBulkRow } from './render/bulk.js';

/** What the command needs from the command line around it. */
export interface BulkCliContext {
  io: CliIo;
  globals: GlobalValues;
  values: Record<string, string | boolean | undefined>;
  glyphs: Glyphs;
  out: (line?: string) => void;
  note: (line: string) => void;
  json: (v: unknown) => void;
  /** The vDC, once the file was read. */
  connect: () => Promise<BulkApi>;
  /** Asks yes/no on the terminal. */
  ask: (question: string) => Promise<boolean>;
}

/** `--json` shape of one host of the report. */
export interface BulkHostJson {
  line: number;
  address: string | null;
  cluster: string;
  result: 'added' | 'skipped' | 'failed' | 'not added';
  hostname: string | null;
  hostId: string | null;
  nodeId: string | null;
  reason: string | null;
  warnings: Array<{ code: string; message: string }>;
  error: { code: string; message: string; hint: string } | null;
}

/** Picks the documented fields of a host of the report (no token: the host never held one). */
export function bulkHostJson(h: BulkHost): BulkHostJson {
  const result = h.state === 'added' || h.state === 'skipped' || h.state === 'failed' ? h.state : 'not added';
  return {
    line: h.line,
    address: h.address,
    cluster: h.cluster,
    result,
    hostname: h.hostname,
    hostId: h.discovery?.host.hostId ?? null,
    nodeId: h.nodeId,
    reason: h.reason,
    warnings: (h.discovery?.warnings ?? []).map((w) => ({ code: w.code, message: w.message })),
    error: h.error ? { code: h.error.code, message: h.error.message, hint: h.error.hint } : null,
  };
}

/** The progress line on stderr: rewritten in place on a terminal, else at most one line a second. */
function progressWriter(io: CliIo): { update: (text: string) => void; end: (text: string) => void } {
  const tty = io.stderr.isTTY;
  let last = 0;
  return {
    update(text) {
      if (tty) io.stderr.write(`\r${text}\x1b[K`);
      else if (io.now() - last >= 1000) {
        last = io.now();
        io.stderr.write(`${text}\n`);
      }
    },
    end(text) {
      io.stderr.write(tty ? `\r${text}\x1b[K\n` : `${text}\n`);
    },
  };
}

/** Refuses the options `--from` does not go with. */
function checkOptions(ctx: BulkCliContext): string {
  const from = ctx.values.from;
  const clash = ['address', 'cluster', 'token-stdin', 'token-file'].filter((k) => ctx.values[k] !== undefined);
  if (typeof from !== 'string' || from === '' || clash.length)
    throw new UsageError('USAGE_ERROR', {
      message:
        typeof from !== 'string' || from === ''
          ? '--from needs the name of a file.'
          : `--from takes every host, token and cluster from the file; ${clash.map((k) => `--${k}`).join(', ')} cannot go with it.`,
      hint: 'See `quantix-vdc-console hosts add --help`.',
    });
  if (!ctx.values.yes && !(ctx.io.stdin.isTTY && ctx.io.stderr.isTTY))
    throw new UsageError('USAGE_ERROR', {
      message: 'Refusing to add hosts without confirmation: there is no terminal to ask on.',
      hint: 'Pass --yes to add them without asking.',
    });
  return from;
}

/** Prints the report for people: the table, the warnings and failures with their next steps, the counts. */
function printReport(ctx: BulkCliContext, run: BulkRun, title: string): void {
  ctx.out(title);
  for (const l of textTable(
    BULK_COLUMNS,
    run.hosts.map((h) => renderBulkRow(h, ctx.glyphs)),
  ))
    ctx.out(l);
  const warnings = bulkWarningLines(run.hosts);
  if (warnings.length) ctx.out(['', 'Warnings:', ...warnings.map((w) => `  ${w}`)].join('\n'));
  const failures = bulkFailureLines(run.hosts);
  if (failures.length) ctx.out(['', 'Not added:', ...failures.map((w) => `  ${w}`)].join('\n'));
}

/** Runs `hosts add --from FILE`; returns the exit code. */
export async function hostsAddFrom(ctx: BulkCliContext): Promise<number> {
  const path = checkOptions(ctx);
  const file = parseBulkFile(readPrivateFile(path, ctx.io.uid, BULK_FILE));
  const api = await ctx.connect();
  const progress = progressWriter(ctx.io);
  let verb = 'Discovering';
  // The first line comes with the first host's change: a vDC that cannot list its clusters leaves none half-written.
  const run = new BulkRun(api, file, { onChange: () => progress.update(progressText(verb, run.counts())) });
  await run.discoverAll();
  progress.end(progressText(verb, run.counts()));
  const toAdd = run.ready().length;
  if (!ctx.globals.json) printReport(ctx, run, `Review (${plain(path)}):`);
  if (toAdd > 0 && !ctx.values.yes) {
    const c = run.counts();
    const ok = await ctx.ask(
      `\nAdd ${toAdd} host${toAdd === 1 ? '' : 's'}? (${c.skipped} skipped, ${c.failed} failed) [y/N] `,
    );
    if (!ok) {
      ctx.note('Nothing was changed.');
      if (ctx.globals.json) ctx.json({ cancelled: true, hosts: run.hosts.map(bulkHostJson) });
      return EXIT.ok;
    }
  }
  if (toAdd > 0) {
    verb = 'Adding';
    progress.update(progressText(verb, run.counts()));
    await run.registerAll();
    progress.end(progressText(verb, run.counts()));
  }
  const c = run.counts();
  const summary = `${c.added} added, ${c.skipped} skipped (already in their cluster), ${c.failed} not added, of ${c.total}.`;
  if (ctx.globals.json) {
    ctx.json({
      hosts: run.hosts.map(bulkHostJson),
      counts: { total: c.total, added: c.added, skipped: c.skipped, failed: c.failed },
    });
  } else {
    if (toAdd > 0) printReport(ctx, run, '\nReport:');
    ctx.out(`\n${summary}`);
  }
  if (c.failed > 0)
    ctx.note(`${summary} Fix what the report names and run the same file again: added hosts are skipped.`);
  return c.failed > 0 ? EXIT.partial : EXIT.ok;
}
