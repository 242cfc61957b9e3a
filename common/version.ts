/**
 * The suite's version: the `version` of its package.json, read once, the
 * first time a program asks. Every program reports this one number (the
 * agent's hello and status, the vDC's identity, the consoles' headers,
 * `--version`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/** Version from the nearest quantix-console package.json above this file (source and dist alike); `0.0.0` when none is found. */
export function packageVersion(): string {
  cached ??= readPackageVersion(dirname(fileURLToPath(import.meta.url)));
  return cached;
}

function readPackageVersion(start: string): string {
  let dir = start;
  for (let i = 0; i < 6; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: unknown; version?: unknown };
        if (pkg.name === 'quantix-console' && typeof pkg.version === 'string' && pkg.version !== '') return pkg.version;
      } catch {
        // An unreadable package.json further down the tree is not ours: keep walking up.
      }
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
