/**
 * The console's model: polls the agent's local API about once a second,
 * keeps the last known status, token and inventory, records why the agent
 * cannot be reached (and keeps retrying), and performs the operator's
 * actions. Emits `changed` when anything the screens show has changed.
 * Knows nothing about the screen; the clock is injected.
 */
import { EventEmitter } from 'node:events';
import type { Inventory } from '../../common/protocol/inventory.js';
import type { ConnectionProblem, ConsoleState, HostStatusView, TokenView } from './types.js';

/** The agent operations the console uses (implemented over the local socket). */
export interface AgentApi {
  status(): Promise<HostStatusView>;
  /** The active token, or null when there is none. */
  currentToken(): Promise<TokenView | null>;
  /** A new token living ttlSeconds (5 min to 24 h), or the agent's default lifetime. */
  generateToken(ttlSeconds?: number): Promise<TokenView>;
  revokeToken(): Promise<void>;
  leave(): Promise<void>;
  /** The inventory; fresh asks the agent to collect it again first. */
  inventory(fresh: boolean): Promise<Inventory>;
}

/** Model timing. */
export interface ModelOptions {
  socketPath: string;
  now?: () => number;
  /** Interval between polls while the agent answers. */
  pollMs?: number;
  /** Delays between attempts while it does not (the last one repeats). */
  retryMs?: readonly number[];
}

function problemOf(err: unknown): { code: string; message: string; hint: string | null } {
  const e = err as { code?: unknown; message?: unknown; hint?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'AGENT_UNREACHABLE';
  const message = typeof e?.message === 'string' && e.message ? e.message.split('\n')[0]! : 'no answer';
  return { code, message, hint: typeof e?.hint === 'string' && e.hint ? e.hint : null };
}

/** Polls the agent and holds what the console shows. */
export class ConsoleModel extends EventEmitter {
  readonly state: ConsoleState;
  private readonly now: () => number;
  private readonly pollMs: number;
  private readonly retryMs: readonly number[];
  private timer: NodeJS.Timeout | null = null;
  private inflight: Promise<void> | null = null;
  private stopped = true;
  private needInventory = true;
  private freshInventory = false;

  constructor(
    private readonly api: AgentApi,
    opts: ModelOptions,
  ) {
    super();
    this.now = opts.now ?? Date.now;
    this.pollMs = opts.pollMs ?? 1_000;
    this.retryMs = opts.retryMs ?? [1_000, 2_000, 3_000];
    this.state = {
      socketPath: opts.socketPath,
      status: null,
      token: null,
      inventory: null,
      problem: null,
      tokenLost: null,
      updatedAt: null,
    };
  }

  /** Starts polling. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.poll();
  }

  /** Stops polling. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Polls now, inventory included; resolves when done. Errors land in state.problem, never thrown. */
  async refresh(): Promise<void> {
    await this.inflight;
    this.needInventory = true;
    this.freshInventory = true;
    return this.poll();
  }

  /** Sets the lifetime of the next token (the operator's choice; nothing is asked of the agent). */
  chooseTokenTtl(seconds: number): void {
    this.state.tokenTtlSeconds = seconds;
    this.emit('changed');
  }

  /** Asks the agent for a new token (replacing any current one) with the chosen lifetime. */
  async generateToken(): Promise<TokenView> {
    const token = await this.api.generateToken(this.state.tokenTtlSeconds);
    this.state.token = token;
    this.state.tokenLost = null;
    this.emit('changed');
    void this.poll();
    return token;
  }

  /** Revokes the current token. */
  async revokeToken(): Promise<void> {
    await this.api.revokeToken();
    this.state.token = null;
    this.emit('changed');
    void this.poll();
  }

  /** Leaves the cluster. */
  async leave(): Promise<void> {
    await this.api.leave();
    await this.poll();
  }

  /** True while the current token is still valid at now. */
  tokenActive(now = this.now()): boolean {
    const t = this.state.token;
    if (!t || this.state.status?.membership) return false;
    const exp = Date.parse(t.expiresAt);
    return Number.isFinite(exp) && exp > now;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), ms);
  }

  private poll(): Promise<void> {
    if (this.inflight) return this.inflight;
    this.inflight = this.pollOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async pollOnce(): Promise<void> {
    const before = JSON.stringify([
      this.state.status,
      this.state.token,
      this.state.problem,
      this.state.tokenLost,
      this.state.inventory?.collectedAt,
    ]);
    try {
      const status = await this.api.status();
      const token = status.membership ? null : await this.api.currentToken();
      if (this.needInventory || !this.state.inventory) {
        this.state.inventory = await this.api.inventory(this.freshInventory);
        this.needInventory = false;
        this.freshInventory = false;
      }
      this.state.tokenLost = this.lostAfterAnswer(status, token);
      this.state.status = status;
      this.state.token = this.mergeToken(token);
      this.state.problem = null;
      this.state.updatedAt = this.now();
      this.schedule(this.pollMs);
    } catch (err) {
      const p = problemOf(err);
      const prev = this.state.problem;
      const attempts = (prev?.attempts ?? 0) + 1;
      const delay = this.retryMs[Math.min(attempts - 1, this.retryMs.length - 1)] ?? 1_000;
      const problem: ConnectionProblem = {
        target: `the local socket ${this.state.socketPath}`,
        code: p.code,
        message: p.message,
        hint: p.hint,
        since: prev?.since ?? this.now(),
        attempts,
        nextAttemptAt: this.now() + delay,
      };
      this.state.problem = problem;
      // A token on screen is no use while the agent is away, and gone for good if it stopped: never keep counting it down.
      if (this.tokenActive()) this.state.tokenLost = 'unreachable';
      this.state.token = null;
      // Inventory is read again once the agent is back: it may have restarted with other facts.
      this.needInventory = true;
      this.schedule(delay);
    }
    const after = JSON.stringify([
      this.state.status,
      this.state.token,
      this.state.problem,
      this.state.tokenLost,
      this.state.inventory?.collectedAt,
    ]);
    if (after !== before) this.emit('changed');
  }

  /**
   * Whether a token the console showed is gone now that the agent answers:
   * the agent is another run (its instance id changed), or the active token
   * vanished with no revoke or join to explain it (an agent too old to send
   * an id). A new token, or a join, ends the note.
   */
  private lostAfterAnswer(status: HostStatusView, token: TokenView | null): ConsoleState['tokenLost'] {
    if (token || status.membership) return null;
    if (this.state.tokenLost === 'restarted') return 'restarted';
    if (this.state.tokenLost !== 'unreachable' && !this.tokenActive()) return null;
    const before = this.state.status?.agentInstanceId ?? null;
    // The same run of the agent ended the token itself (expired, revoked, used): its status says how.
    if (before !== null && status.agentInstanceId === before) return null;
    return before !== null || status.tokenEnded === null ? 'restarted' : null;
  }

  /**
   * Keeps a token the agent no longer reports when it ran out (so the panel
   * can say "Expired"); drops it when it vanished early (revoked, used).
   */
  private mergeToken(fresh: TokenView | null): TokenView | null {
    if (fresh) return fresh;
    const old = this.state.token;
    if (!old) return null;
    const exp = Date.parse(old.expiresAt);
    return Number.isFinite(exp) && exp <= this.now() ? old : null;
  }
}
