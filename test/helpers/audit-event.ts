/** An audit record for tests that draw or page through the audit: a successful registration, nothing else set. */
import type { AuditEvent } from '../../common/protocol/vdc-api.js';

export function auditEvent(id: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    id,
    at: '2026-01-01T00:00:00.000Z',
    action: 'node.register',
    outcome: 'ok',
    source: 'socket',
    actor: null,
    address: null,
    hostId: null,
    nodeId: null,
    clusterId: null,
    code: null,
    detail: null,
    ...over,
  };
}
