/**
 * The demo's simulated hosts: one process running N agents with fixture
 * inventories on 127.0.0.2, 127.0.0.3, ... and adding every one that the vDC
 * does not know yet to a cluster, the way an administrator would: a token
 * generated on the host, then discover and register through the vDC API.
 * It runs until SIGTERM, so the vDC keeps seeing the hosts as connected.
 *
 *   node dist/scripts/demo/fleet.js --count N --state DIR --vdc-socket PATH --cluster NAME
 */
import { parseArgs } from 'node:util';
import { VdcClient } from '../../common/http/vdc-client.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { AGENT_PORT } from '../../common/protocol/ports.js';
import { startFleet, type FleetHost } from '../lib/fleet.js';
import { portFree } from './services.js';

function log(fields: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...fields }) + '\n');
}

async function addHost(vdc: VdcClient, host: FleetHost, cluster: string): Promise<void> {
  const token = await host.generateToken();
  const found = await vdc.discover({ address: formatHostPort(host.address, host.port), token });
  await vdc.register({ discoveryId: found.discoveryId, clusterId: cluster });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      state: { type: 'string' },
      'vdc-socket': { type: 'string' },
      cluster: { type: 'string' },
    },
  });
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || !values.state || !values['vdc-socket'] || !values.cluster) {
    throw new Error('usage: fleet.js --count N --state DIR --vdc-socket PATH --cluster NAME');
  }
  const port = (await portFree('127.0.0.2', AGENT_PORT)) ? AGENT_PORT : 0;
  const fleet = await startFleet({ count, stateRoot: values.state, baseAddress: '127.0.0.2', port });
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void fleet.close().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  log({ msg: 'fleet listening', hosts: fleet.hosts.length, first: fleet.hosts[0]?.address, port });

  const vdc = new VdcClient({ kind: 'socket', socketPath: values['vdc-socket'] });
  const known = new Set((await vdc.listNodes()).map((n) => n.hostId));
  const todo = fleet.hosts.filter((h) => !known.has(h.hostId));
  let next = 0;
  // Four at a time: enough to fill the table quickly, few enough to leave the two cores to the consoles.
  await Promise.all(
    Array.from({ length: Math.min(4, todo.length) }, async () => {
      while (next < todo.length && !closing) {
        const host = todo[next++]!;
        try {
          await addHost(vdc, host, values.cluster!);
          log({ msg: 'host added', hostname: host.hostname, address: host.address });
        } catch (err) {
          log({
            msg: 'host not added',
            hostname: host.hostname,
            address: host.address,
            code: (err as { code?: string }).code,
            error: (err as Error).message,
          });
        }
      }
    }),
  );
  log({ msg: 'fleet registered', added: todo.length, alreadyKnown: count - todo.length });
}

main().catch((err: unknown) => {
  log({ msg: 'fleet failed', error: (err as Error).message });
  process.exit(1);
});
