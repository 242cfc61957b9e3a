#!/usr/bin/env node
/**
 * `quantix-vdc-console`: the administrator's console. With a command it is
 * a scriptable CLI (text or `--json`, documented exit codes); without one
 * it opens the full-screen dashboard and add-host wizard. Options are
 * checked before the terminal is touched: usage errors go to stderr with
 * exit code 2.
 */
import os from 'node:os';
import { QuantixError } from '../../common/protocol/errors.js';
import { errorLine, usageError } from '../../common/cli/error-line.js';
import { PROGRAM, runCommand } from './cli.js';
import { errorJson } from './output.js';
import { EXIT, parseCommandLine } from './options.js';

const parsed = parseCommandLine(process.argv.slice(2), process.env);

switch (parsed.kind) {
  case 'help':
    process.stdout.write(`${parsed.text}\n`);
    process.exitCode = EXIT.ok;
    break;
  case 'error':
    if (parsed.code) {
      // A refusal with its own next step; the usage would only bury it.
      const err = new QuantixError(parsed.code, {
        message: `${parsed.message}.`,
        ...(parsed.hint ? { hint: parsed.hint } : {}),
      });
      if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorJson(err), null, 2)}\n`);
      process.stderr.write(`${errorLine(PROGRAM, err)}\n`);
    } else {
      process.stderr.write(`${errorLine(PROGRAM, usageError(parsed.message))}\n\n${parsed.usage}\n`);
    }
    process.exitCode = EXIT.usage;
    break;
  case 'command': {
    const code = await runCommand(parsed.spec.words, parsed.globals, parsed.values, parsed.args, {
      stdin: process.stdin,
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      uid: process.getuid?.() ?? 1000,
      home: os.homedir(),
      now: Date.now,
    });
    process.exitCode = code;
    break;
  }
  case 'tui': {
    if (!process.stdout.isTTY || !process.stdin.isTTY) {
      process.stderr.write(
        `${errorLine(PROGRAM, usageError('the console needs a terminal', 'Run it in a terminal, or use a command such as `hosts list --json`.'))}\n`,
      );
      process.exitCode = EXIT.usage;
      break;
    }
    const { startTui } = await import('./tui.js');
    const code = await startTui(parsed, process.env, process.getuid?.() ?? 1000, os.homedir());
    if (code !== null) process.exitCode = code;
    break;
  }
}
