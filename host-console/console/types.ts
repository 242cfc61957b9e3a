/**
 * What the direct console knows about its host, in the shape its screens
 * need. The model fills these from the agent's local API; render functions
 * read nothing else, so they can be tested with plain objects.
 */
import type { Inventory } from '../../common/protocol/inventory.js';
import { packageVersion } from '../../common/version.js';

/** One address the vDC can reach this host's agent on. */
export interface ManagementAddress {
  address: string;
  /** Interface that carries it, when known. */
  interface: string | null;
}

/** The vDC and cluster this host belongs to. */
export interface MembershipView {
  vdcName: string;
  vdcUrl: string | null;
  clusterName: string;
  /** ISO time of the join. */
  joinedAt: string | null;
  /** ISO time the vDC last talked to this host, null before its first poll. */
  lastContactAt: string | null;
  /** The vDC put this host in maintenance. */
  maintenance: boolean;
}

/** The host's identity and state from the agent's status. */
export interface HostStatusView {
  hostname: string;
  hostId: string;
  agentVersion: string | null;
  /** Id of the agent's current run (new at every start), when the agent sends one. */
  agentInstanceId: string | null;
  addresses: ManagementAddress[];
  /** Port of the registration API. */
  port: number;
  certificateFingerprint: string | null;
  membership: MembershipView | null;
  /** Why the last token ended early (revoked by the operator, used by a join), when the agent says. */
  tokenNote: string | null;
  /** How the last token ended early, when it did: revoked by the operator or used by a join. */
  tokenEnded: 'revoked' | 'used' | null;
}

/** The active registration token as the agent reports it. */
export interface TokenView {
  /** Canonical 12 symbols. */
  token: string;
  createdAt: string;
  expiresAt: string;
  addresses: ManagementAddress[];
  certificateFingerprint: string | null;
  /** Wrong proofs the agent counted for this token. */
  failedAttempts: number;
  /** Address of the last wrong proof, null before the first. */
  lastFailedFrom: string | null;
}

/** Why the console cannot talk to its agent. */
export interface ConnectionProblem {
  /** What was tried, e.g. the socket path. */
  target: string;
  code: string;
  message: string;
  /** What to do about it, when the error says. */
  hint: string | null;
  /** Clock time (ms) of the first failure in this run of failures. */
  since: number;
  attempts: number;
  /** Clock time (ms) of the next attempt. */
  nextAttemptAt: number;
}

/** Everything the screens draw from. */
export interface ConsoleState {
  /** The local socket path the console talks to. */
  socketPath: string;
  status: HostStatusView | null;
  token: TokenView | null;
  inventory: Inventory | null;
  problem: ConnectionProblem | null;
  /**
   * Why a token the console showed is gone without being revoked or used:
   * the agent stopped answering (the token lived only in its memory), or it
   * came back as a new run. Cleared by the next token.
   */
  tokenLost: 'unreachable' | 'restarted' | null;
  /** Lifetime the operator chose for the next token, seconds (absent: the agent's default, one hour unless its --token-ttl says otherwise). */
  tokenTtlSeconds?: number;
  /** Clock time (ms) of the last successful status. */
  updatedAt: number | null;
}

/** The screens of the direct console. */
export type ViewName = 'main' | 'help' | 'system' | 'network' | 'token';

/** Console's own version, shown when the agent does not report one. */
export const CONSOLE_VERSION = packageVersion();

/** Product name in the header. */
export const PRODUCT = 'Quantix-OS';
