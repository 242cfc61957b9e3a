/**
 * A host and a port as people, URLs and Host headers write them: an IPv6
 * address in brackets (`[fd00:30::20]:3261`), anything else as is
 * (`10.20.0.17:8443`, `qx-node-07:8443`). The one formatter every screen,
 * message and request uses, so no place prints `fd00:30::20:3261`, which
 * reads as an address without a port.
 */

/** The host part of `host:port`: an IPv6 address in brackets. A host name never holds a colon. */
export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `host:port` with an IPv6 host in brackets; the bare host (IPv6 unbracketed, unambiguous alone) when there is no port. */
export function formatHostPort(host: string, port: number | null | undefined): string {
  return port === null || port === undefined ? host : `${bracketHost(host)}:${port}`;
}
