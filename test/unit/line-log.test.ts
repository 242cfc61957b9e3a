/**
 * The host console's log lines: pino's JSON shape, so one reader reads
 * every log of the suite, and the same censoring as the daemons' logs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLineLog } from '../../common/log/line-log.js';
import { forgetSecret, registerSecret } from '../../common/log/logger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function logFile(): { fd: number; file: string; read: () => Record<string, unknown>[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'line-log-'));
  dirs.push(dir);
  const file = path.join(dir, 'console.log');
  const fd = fs.openSync(file, 'a', 0o600);
  return {
    fd,
    file,
    read: () =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLineLog', () => {
  it("writes one JSON line per call in pino's shape", () => {
    const f = logFile();
    const log = createLineLog({ name: 'quantix-host-console', fd: f.fd });
    log.warn({ code: 'AGENT_UNREACHABLE', socket: '/run/quantix/node.sock' }, 'agent not reachable');
    fs.closeSync(f.fd);
    const [line] = f.read();
    expect(line).toMatchObject({
      level: 40,
      pid: process.pid,
      hostname: os.hostname(),
      name: 'quantix-host-console',
      code: 'AGENT_UNREACHABLE',
      socket: '/run/quantix/node.sock',
      msg: 'agent not reachable',
    });
    expect(typeof line!.time).toBe('number');
  });

  it('censors secret keys at any depth, token-shaped text and registered tokens, in fields, errors and messages', () => {
    const f = logFile();
    const log = createLineLog({ name: 't', fd: f.fd });
    registerSecret('ABCD2345EFGH');
    try {
      log.fatal(
        {
          token: 'QUANTIX-ABCD-2345-EFGH',
          request: { headers: { authorization: 'Bearer qxa_0123456789abcdefghij' }, apiToken: 'x' },
          hosts: [{ address: '10.0.0.5', password: 'hunter2-not-token-shaped' }],
          note: 'typed abcd 2345 efgh by hand',
          err: new Error('join failed for QUANTIX-ABCD-2345-EFGH'),
        },
        'stopped with qxa_0123456789abcdefghij.secret in hand',
      );
    } finally {
      forgetSecret('ABCD2345EFGH');
    }
    fs.closeSync(f.fd);
    const [line] = f.read();
    const raw = JSON.stringify(line);
    expect(raw).not.toMatch(/ABCD|abcd|qxa_0123/);
    expect(line).toMatchObject({ level: 60, token: '[REDACTED]', note: 'typed [REDACTED] by hand' });
    expect((line!.request as { apiToken: string }).apiToken).toBe('[REDACTED]');
    // Inside arrays too: a secret that is not token-shaped is censored by its key alone.
    expect(line!.hosts).toEqual([{ address: '10.0.0.5', password: '[REDACTED]' }]);
    expect(raw).not.toContain('hunter2');
    const err = line!.err as { type: string; message: string; stack: string };
    expect(err.type).toBe('Error');
    expect(err.message).toBe('join failed for [REDACTED]');
    expect(err.stack).toContain('line-log.test');
  });

  it('writes nothing without a file, and goes on when the file is gone', () => {
    expect(() => createLineLog({ name: 't', fd: null }).error({}, 'dropped')).not.toThrow();
    // A descriptor the line cannot be written to (opened read-only): the write fails, the program goes on.
    const f = logFile();
    fs.closeSync(f.fd);
    const readOnly = fs.openSync(f.file, 'r');
    try {
      expect(() => createLineLog({ name: 't', fd: readOnly }).error({}, 'refused')).not.toThrow();
    } finally {
      fs.closeSync(readOnly);
    }
    expect(f.read()).toEqual([]);
  });
});
