#!/usr/bin/env node
/**
 * `quantix-vdc`: the vDC control plane (`serve`) and its API-token
 * administration (`api-token create|list|revoke`, which work on the state
 * database directly, whether or not the server runs). Errors are one line
 * on stderr with what to do next; usage errors exit 2, others 1.
 *
 * Test hook: with QUANTIX_VDC_CRASH_AFTER_JOIN=1 the server kills itself
 * (SIGKILL) right after a host confirms a join and before the vDC records
 * it, so tests can prove that such a registration is settled on restart.
 */
import os from 'node:os';
import { createLogger } from '../../common/log/logger.js';
import { createApiToken, revokeApiToken } from './api-tokens.js';
import { UsageError } from '../../common/cli/error-line.js';
import { type Command, errorLine, parseCommandLine } from './options.js';
import { packageVersion } from '../../common/version.js';
import { openStore, startVdc } from './server.js';
import { apiTokenView } from './views.js';

const CLI = { source: 'cli', actor: os.userInfo().username } as const;

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Table cells are shown inert: names come from the database. */
function cell(s: string | null): string {
  return (s ?? '-').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

async function serve(command: Extract<Command, { kind: 'serve' }>): Promise<void> {
  process.umask(0o077);
  const log = createLogger({ name: 'quantix-vdc' });
  const crashAfterJoin = process.env.QUANTIX_VDC_CRASH_AFTER_JOIN === '1';
  if (crashAfterJoin) log.warn('test hook QUANTIX_VDC_CRASH_AFTER_JOIN is set: the process dies after the next join');
  const vdc = await startVdc(
    command.config,
    log,
    crashAfterJoin ? { afterJoin: () => process.kill(process.pid, 'SIGKILL') } : {},
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    vdc.close().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
}

async function apiToken(command: Exclude<Command, { kind: 'help' | 'version' | 'serve' }>): Promise<void> {
  const store = await openStore(
    command.stateDir,
    command.database,
    createLogger({ name: 'quantix-vdc', level: process.env.QUANTIX_LOG_LEVEL ?? 'warn' }),
  );
  const at = new Date().toISOString();
  try {
    if (command.kind === 'api-token-create') {
      const r = await createApiToken(store, { name: command.name, role: command.role }, CLI, at);
      if (command.json) {
        print(JSON.stringify(r));
        return;
      }
      print(
        [
          `API token "${r.info.name}" created (id ${r.info.id}), role ${r.info.role}${r.info.role === 'viewer' ? ': it may list and watch, not change anything' : ''}.`,
          'It is shown only this once: store it now.',
          '',
          `  ${r.token}`,
          '',
          'On the remote console: quantix-vdc-console login --server https://<vdc>:9443',
        ].join('\n'),
      );
    } else if (command.kind === 'api-token-list') {
      const tokens = (await store.listApiTokens()).map(apiTokenView);
      if (command.json) {
        print(JSON.stringify({ tokens }));
        return;
      }
      if (tokens.length === 0) {
        print('No API tokens. Create one with: quantix-vdc api-token create NAME');
        return;
      }
      const rows = [['NAME', 'ROLE', 'ID', 'PUBLIC ID', 'CREATED', 'LAST USED', 'STATUS']];
      for (const t of tokens)
        rows.push([
          cell(t.name),
          t.role,
          t.id,
          t.publicId ?? '(old form)',
          t.createdAt,
          cell(t.lastUsedAt),
          t.revokedAt ? `revoked ${t.revokedAt}` : 'active',
        ]);
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      print(
        rows
          .map((r) =>
            r
              .map((c, i) => c.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          )
          .join('\n'),
      );
    } else {
      const info = await revokeApiToken(store, command.idOrName, CLI, at);
      if (command.json) {
        print(JSON.stringify(info));
        return;
      }
      print(`API token "${info.name}" (id ${info.id}) is revoked; consoles using it are refused from now on.`);
    }
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const command = parseCommandLine(argv, process.env, process.getuid?.() ?? 1000, os.homedir());
  switch (command.kind) {
    case 'help': {
      print(command.text);
      return;
    }
    case 'version': {
      print(`quantix-vdc ${packageVersion()}`);
      return;
    }
    case 'serve':
      return serve(command);
    default:
      return apiToken(command);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${errorLine(err)}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
});
