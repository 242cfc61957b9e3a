/** The suite's well-known ports, defined once for every program, client and help text. */

/** The host agent's network API (HTTPS). */
export const AGENT_PORT = 8443;

/** The vDC's HTTPS listener for remote consoles. */
export const VDC_PORT = 9443;

/** Where the vDC listens for remote consoles unless told otherwise: loopback only. */
export const VDC_DEFAULT_LISTEN = `127.0.0.1:${VDC_PORT}`;
