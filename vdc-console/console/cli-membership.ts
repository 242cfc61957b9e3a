/**
 * The scriptable maintenance, move and rename commands:
 * `hosts maintenance HOST on|off`, `hosts move HOST --cluster C` and
 * `clusters rename OLD NEW`, each with `--json` and the documented exit codes.
 */
import { UsageError } from '../../common/cli/error-line.js';
import { plain } from '../../common/tui/text.js';
import { connect, findHost, type Ctx } from './cli.js';
import { EXIT } from './options.js';
import { clusterJson, hostJson } from './output.js';

/** `hosts maintenance HOST on|off`: recorded on the vDC; the host is told now or, if down, once it answers. */
async function hostsMaintenance(ctx: Ctx): Promise<number> {
  const mode = ctx.args[1]!.toLowerCase();
  if (mode !== 'on' && mode !== 'off')
    throw new UsageError('VALIDATION_ERROR', {
      message: `Maintenance is "on" or "off", not "${plain(ctx.args[1]!.slice(0, 20))}".`,
      hint: 'e.g. quantix-vdc-console hosts maintenance qx-node-07 on',
    });
  const client = await connect(ctx.io, ctx.globals);
  const node = await findHost(client, ctx.args[0]!);
  const r = await client.setMaintenance(node.id, mode === 'on');
  if (ctx.globals.json) {
    ctx.json({
      host: hostJson(r.node),
      maintenance: r.node.maintenance === true,
      hostNotified: r.hostNotified,
      reason: r.reason,
    });
    return EXIT.ok;
  }
  const name = plain(r.node.hostname);
  ctx.out(
    mode === 'on'
      ? `${name} is in maintenance: still polled, not counted in capacity totals.`
      : `${name} is out of maintenance: its capacity counts again.`,
  );
  if (!r.hostNotified) ctx.out(plain(r.reason ?? 'The host was not told yet; it will be once it answers.'));
  return EXIT.ok;
}

/** `hosts move HOST --cluster C`: the host takes the new cluster first; if it cannot be reached nothing changes. */
async function hostsMove(ctx: Ctx): Promise<number> {
  const clusterRef = typeof ctx.values.cluster === 'string' ? ctx.values.cluster : '';
  if (!clusterRef)
    throw new UsageError('VALIDATION_ERROR', {
      message: 'Missing --cluster.',
      hint: 'e.g. quantix-vdc-console hosts move qx-node-07 --cluster Staging',
    });
  const client = await connect(ctx.io, ctx.globals);
  const node = await findHost(client, ctx.args[0]!);
  const r = await client.moveNode(node.id, clusterRef);
  if (ctx.globals.json)
    ctx.json({ host: hostJson(r.node), from: { id: r.from.id, name: r.from.name }, moved: r.moved });
  else if (!r.moved)
    ctx.out(`${plain(r.node.hostname)} is already in cluster ${plain(r.node.clusterName)}; nothing to do.`);
  else ctx.out(`Moved ${plain(r.node.hostname)} from cluster ${plain(r.from.name)} to ${plain(r.node.clusterName)}.`);
  return EXIT.ok;
}

/** `clusters rename OLD NEW`: the hosts of the cluster are told; those down now are told once they answer. */
async function clustersRename(ctx: Ctx): Promise<number> {
  const client = await connect(ctx.io, ctx.globals);
  const r = await client.renameCluster(ctx.args[0]!, ctx.args[1]!);
  if (ctx.globals.json) {
    ctx.json({
      cluster: clusterJson(r.cluster),
      previousName: r.previousName,
      hostsNotified: r.hostsNotified,
      hostsPending: r.hostsPending,
    });
    return EXIT.ok;
  }
  const told = `${r.hostsNotified} host${r.hostsNotified === 1 ? '' : 's'} told`;
  const later = r.hostsPending ? `; ${r.hostsPending} will be told when they answer` : '';
  ctx.out(`Renamed cluster ${plain(r.previousName)} to ${plain(r.cluster.name)} (${told}${later}).`);
  return EXIT.ok;
}

/** The commands of this file, by their words. */
export const MEMBERSHIP_HANDLERS: Record<string, (ctx: Ctx) => Promise<number>> = {
  'hosts maintenance': hostsMaintenance,
  'hosts move': hostsMove,
  'clusters rename': clustersRename,
};
