import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../common/version.js';
import { CONSOLE_VERSION } from '../../host-console/console/types.js';

describe('version', () => {
  it('is the version of the package manifest, for every program', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(packageVersion()).toBe(pkg.version);
    // The host console shows it when the agent does not report its own.
    expect(CONSOLE_VERSION).toBe(pkg.version);
  });
});
