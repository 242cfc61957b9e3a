/**
 * A join made the way a vDC makes it, for tests that need a managed host
 * without running a vDC: the agent's own token (read over its local socket),
 * the shared host client, and a throwaway client certificate.
 */
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import type { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';

/** Joins the agent behind `client` to cluster `clusterName` of a vDC named `vdcName`, with its active token. */
export async function joinAsVdc(client: LocalAgentClient, vdcName: string, clusterName: string): Promise<void> {
  const status = await client.status();
  const token = canonicalizeToken((await client.getToken()).token);
  if (!token) throw new Error('the agent returned a token that does not parse');
  const cert = await createSelfSignedCertificate(`test-${vdcName}`);
  const host = new HostAgentClient({ host: '127.0.0.1', port: status.port });
  await host.hello();
  await host.join(await deriveKey(token), {
    nodeId: `node-${vdcName}`,
    vdc: {
      id: `vdc-${vdcName}`,
      name: vdcName,
      url: 'https://127.0.0.1:9443',
      clientCertFingerprint: cert.fingerprint,
    },
    cluster: { id: `cluster-${clusterName}`, name: clusterName },
  });
}

/** Brings the host behind `client` back to standalone without a token, the state each console test starts from. */
export async function resetToStandalone(client: LocalAgentClient): Promise<void> {
  const s = await client.status();
  if (s.membership) await client.leave();
  if (s.token.state === 'active') await client.revokeToken();
}
