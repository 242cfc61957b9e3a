/** The F3 network screen: the interfaces, then the agent URLs. */
import { plain, seg, type Line } from '../../../common/tui/text.js';
import { renderAddresses } from '../render/parts.js';
import type { ConsoleState } from '../types.js';
import type { Screen } from './context.js';
import { infoScreenKeys } from './menu.js';

/** Body of the F3 network screen: one row per interface, then the management addresses. */
export function renderNetworkBody(state: ConsoleState): Line[] {
  const inv = state.inventory;
  const lines: Line[] = [[]];
  lines.push([
    seg(
      '  ' + 'INTERFACE'.padEnd(12) + 'STATE'.padEnd(7) + 'SPEED'.padEnd(9) + 'MAC'.padEnd(19) + 'ADDRESSES',
      'label',
    ),
  ]);
  if (!inv) lines.push([seg('  -', 'dim')]);
  else {
    for (const n of inv.network.filter((x) => x.kind !== 'loopback')) {
      const speed = n.speedMbps ? (n.speedMbps >= 1000 ? `${n.speedMbps / 1000}G` : `${n.speedMbps}M`) : '-';
      const addrs = [...n.ipv4, ...n.ipv6.filter((a) => !a.startsWith('fe80'))].join(' ');
      const role = n.master ? `in ${n.master}` : n.vlanParent ? `vlan ${n.vlanId ?? '?'} on ${n.vlanParent}` : '';
      const up = n.state === 'up';
      lines.push([
        seg('  ' + plain(n.name).padEnd(12)),
        seg(plain(n.state ?? '-').padEnd(7), up ? 'ok' : 'dim'),
        seg(speed.padEnd(9)),
        seg(plain(n.mac ?? '-').padEnd(19)),
        seg(plain(addrs || role || '-')),
      ]);
    }
  }
  if (state.status) {
    lines.push([]);
    lines.push(...renderAddresses(state.status.addresses, state.status.port, 'Agent URL'));
  }
  return lines;
}

/** The network screen: Esc, the menu, quit. */
export const networkScreen: Screen = {
  title: 'Network',
  scrolls: true,
  keys: infoScreenKeys,
  body: ({ state }) => renderNetworkBody(state),
};
