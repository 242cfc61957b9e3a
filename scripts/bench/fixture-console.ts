#!/usr/bin/env node
/**
 * The vDC console over a read-only fleet (fixture.ts), for the benchmark
 * and the tests that need more hosts than a machine can run:
 *
 *   node dist/scripts/bench/fixture-console.js synthetic:5000|FLEET.json [console options]
 *
 * The options are the console's own (--refresh, --escape-delay, --log-file).
 */
import { errorLine, usageError } from '../../common/cli/error-line.js';
import { EXIT, parseCommandLine } from '../../vdc-console/console/options.js';
import { requestFirstAnswers } from '../../vdc-console/console/model.js';
import { loadFixture } from './fixture.js';

const PROGRAM = 'fixture-console';
const [spec, ...rest] = process.argv.slice(2);
const parsed = parseCommandLine(rest, process.env);

if (!spec || parsed.kind !== 'tui') {
  const usage = usageError(
    'name a fleet: synthetic:N or a JSON file {clusters, nodes}',
    'Run: fixture-console synthetic:5000 [console options]',
  );
  process.stderr.write(`${errorLine(PROGRAM, usage)}\n`);
  process.exitCode = EXIT.usage;
} else {
  // As the console does with a vDC: the lists are asked for before the screen code loads.
  const api = loadFixture(spec, Date.now());
  const first = requestFirstAnswers(api);
  const { openConsole } = await import('../../vdc-console/console/open.js');
  try {
    await api.ready;
    openConsole(api, parsed, process.env, null, first);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    process.stderr.write(
      `${errorLine(PROGRAM, usageError(`cannot read the fleet ${spec}: ${why}`, "Name synthetic:N or a JSON file {clusters, nodes} in the API's shapes."))}\n`,
    );
    process.exitCode = EXIT.usage;
  }
}
