/**
 * The addresses a vDC can reach this host's network API on, as shown on the
 * host console next to the token. Read at request time because DHCP may
 * change them while the agent runs.
 */
import os from 'node:os';
import { type ManagementAddress, managementUrl } from '../../common/protocol/agent-api.js';

/** Interface addresses, injectable for tests. */
export type InterfaceTable = () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;

function interfaceOf(address: string, table: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string | null {
  for (const [name, infos] of Object.entries(table)) if (infos?.some((i) => i.address === address)) return name;
  return null;
}

/**
 * Addresses for a listener on `host:port`: the one address when the agent
 * listens on a specific one, else every non-loopback, non-link-local
 * address (IPv6 too when listening on `::`).
 */
export function managementAddresses(
  host: string,
  port: number,
  table: InterfaceTable = os.networkInterfaces,
): ManagementAddress[] {
  const interfaces = table();
  if (host !== '0.0.0.0' && host !== '::') {
    return [{ address: host, interface: interfaceOf(host, interfaces), url: managementUrl(host, port) }];
  }
  const out: ManagementAddress[] = [];
  for (const [name, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      if (info.internal) continue;
      if (info.family === 'IPv6' && (host === '0.0.0.0' || /^fe80:/i.test(info.address))) continue;
      out.push({ address: info.address, interface: name, url: managementUrl(info.address, port) });
    }
  }
  return out;
}
