/**
 * The host agent without its inventory cache: the same library and APIs as
 * `quantix-node serve`, but every discovery collects the inventory afresh.
 * It exists only as the baseline the cached agent is compared with.
 *
 *   node dist/scripts/bench/uncached-agent.js serve --state-dir DIR --socket PATH --listen HOST:PORT [--inventory-root DIR]
 */
import { parseArgs } from 'node:util';
import { createAgent } from '../../host-console/agent/agent.js';
import { createInventoryCollector } from '../../host-console/inventory/index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    allowPositionals: true,
    options: {
      'state-dir': { type: 'string' },
      socket: { type: 'string' },
      listen: { type: 'string' },
      'inventory-root': { type: 'string', default: '/' },
    },
  });
  const stateDir = values['state-dir'];
  const socketPath = values.socket;
  const listen = /^(.+):(\d+)$/.exec(values.listen ?? '');
  if (!stateDir || !socketPath || !listen)
    throw new Error('usage: uncached-agent.js serve --state-dir DIR --socket PATH --listen HOST:PORT');
  const cached = createInventoryCollector({ root: values['inventory-root'], stateDir });
  const agent = await createAgent({
    stateDir,
    socketPath,
    listenHost: listen[1]!,
    listenPort: Number(listen[2]),
    inventory: { refresh: () => cached.refresh(), get: () => cached.refresh(), usage: () => cached.usage() },
  });
  const stop = () => void agent.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`uncached agent failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
