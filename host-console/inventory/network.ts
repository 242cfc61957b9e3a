/**
 * Network interfaces from /sys/class/net with their bond, bridge and VLAN
 * relations. Addresses are not in sysfs: IPv6 comes from /proc/net/if_inet6
 * and IPv4 from the address probe (os.networkInterfaces() on the live
 * machine, a captured `ip -j addr` on a fixture tree).
 */
import type { NetworkInterface } from '../../common/protocol/inventory.js';
import type { AddressMap, AddressProbe } from './probes.js';
import type { HostSource } from './source.js';

/** Parses /proc/net/vlan/config into VLAN device → parent and id. */
export function parseVlanConfig(text: string): Map<string, { parent: string; id: number }> {
  const out = new Map<string, { parent: string; id: number }>();
  for (const line of text.split('\n')) {
    const f = line.split('|').map((x) => x.trim());
    if (f.length !== 3 || !/^\d+$/.test(f[1]!) || f[0] === '' || f[2] === '') continue;
    out.set(f[0]!, { parent: f[2]!, id: Number(f[1]) });
  }
  return out;
}

/** Formats 32 hex digits as an IPv6 address in RFC 5952 form (longest zero run of two or more groups compressed). */
export function formatIpv6(hex: string): string | null {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const groups = Array.from({ length: 8 }, (_, i) => parseInt(hex.slice(i * 4, i * 4 + 4), 16).toString(16));
  let bestAt = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) return groups.join(':');
  return `${groups.slice(0, bestAt).join(':')}::${groups.slice(bestAt + bestLen).join(':')}`;
}

/** Parses /proc/net/if_inet6 into interface → IPv6 addresses, in file order, counting malformed lines. */
export function parseIfInet6(text: string): { addresses: Map<string, string[]>; badLines: number } {
  const addresses = new Map<string, string[]>();
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    const address = f.length === 6 ? formatIpv6(f[0]!) : null;
    if (address === null) {
      badLines++;
      continue;
    }
    const list = addresses.get(f[5]!) ?? [];
    list.push(address);
    addresses.set(f[5]!, list);
  }
  return { addresses, badLines };
}

/** A MAC address, or null for the all-zero address of loopback and tunnels. */
export function cleanMac(mac: string | null): string | null {
  if (mac === null || !/^[0-9a-f]{2}(:[0-9a-f]{2})+$/i.test(mac) || /^(00:)+00$/.test(mac)) return null;
  return mac.toLowerCase();
}

/** Link speed in Mbit/s; the kernel reports -1 (or 2^32-1) when it does not know. */
export function parseSpeed(text: string | null): number | null {
  if (text === null || !/^\d+$/.test(text)) return null;
  const n = Number(text);
  return n > 0 && n < 4294967295 ? n : null;
}

/** ARPHRD_LOOPBACK from linux/if_arp.h. */
const ARPHRD_LOOPBACK = '772';

async function readInterface(
  src: HostSource,
  name: string,
  vlans: Map<string, { parent: string; id: number }>,
  v6: Map<string, string[]> | null,
  addresses: AddressMap | null,
): Promise<NetworkInterface> {
  const base = `/sys/class/net/${name}`;
  const [mac, state, speed, mtu, type, driver, master, slaves, brif, hasBonding, hasBridge, hasDevice] =
    await Promise.all([
      src.attr(`${base}/address`),
      src.attr(`${base}/operstate`),
      src.attr(`${base}/speed`),
      src.attr(`${base}/mtu`),
      src.attr(`${base}/type`),
      src.linkName(`${base}/device/driver`),
      src.linkName(`${base}/master`),
      src.attr(`${base}/bonding/slaves`),
      src.list(`${base}/brif`),
      src.exists(`${base}/bonding`),
      src.exists(`${base}/bridge`),
      src.exists(`${base}/device`),
    ]);
  const vlan = vlans.get(name);
  let kind: NetworkInterface['kind'];
  if (type === ARPHRD_LOOPBACK || name === 'lo') kind = 'loopback';
  else if (hasBonding) kind = 'bond';
  else if (hasBridge) kind = 'bridge';
  else if (vlan) kind = 'vlan';
  else if (hasDevice) kind = 'physical';
  else kind = 'virtual';
  const members = kind === 'bond' ? (slaves ?? '').split(/\s+/).filter(Boolean) : kind === 'bridge' ? brif : [];
  const mtuNumber = mtu !== null && /^\d+$/.test(mtu) ? Number(mtu) : null;
  if (mtu !== null && mtuNumber === null)
    src.warnings.warn('PARSE_FAILED', `${base}/mtu is not a number`, `${base}/mtu`);
  return {
    name,
    mac: cleanMac(mac),
    state,
    speedMbps: state === 'down' ? null : parseSpeed(speed),
    mtu: mtuNumber,
    driver: driver ?? (kind === 'bond' ? 'bonding' : kind === 'bridge' ? 'bridge' : kind === 'vlan' ? '8021q' : null),
    kind,
    ipv4: addresses?.get(name)?.ipv4 ?? [],
    ipv6: v6 !== null ? (v6.get(name) ?? []) : (addresses?.get(name)?.ipv6 ?? []),
    master,
    members: [...members].sort(),
    vlanParent: vlan?.parent ?? null,
    vlanId: vlan?.id ?? null,
  };
}

/** Reads every interface under /sys/class/net. */
export async function readNetwork(src: HostSource, addressProbe: AddressProbe): Promise<NetworkInterface[]> {
  const [names, vlanText, inet6, addresses] = await Promise.all([
    src.list('/sys/class/net', { required: true }),
    src.text('/proc/net/vlan/config'),
    src.text('/proc/net/if_inet6'),
    addressProbe().catch((err: unknown) => {
      src.warnings.warn('ADDRESSES_FAILED', `Interface addresses could not be read: ${(err as Error).message}`);
      return null;
    }),
  ]);
  const vlans = vlanText === null ? new Map<string, { parent: string; id: number }>() : parseVlanConfig(vlanText);
  const parsed = inet6 === null ? null : parseIfInet6(inet6);
  if (parsed !== null && parsed.badLines > 0)
    src.warnings.warn(
      'PARSE_FAILED',
      `${parsed.badLines} malformed line(s) in /proc/net/if_inet6`,
      '/proc/net/if_inet6',
    );
  const v6 = parsed?.addresses ?? null;
  return Promise.all(names.map((n) => readInterface(src, n, vlans, v6, addresses)));
}
