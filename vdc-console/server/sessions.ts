/**
 * Discovery sessions: what a discovery learnt about a host, kept in memory
 * for ten minutes so that `register` joins exactly the host that was
 * reviewed. A session holds the token-derived key, never the token; the key
 * is zeroed when the session ends.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../../common/protocol/inventory.js';

/** One reviewed host, ready to be registered. */
export interface DiscoverySession {
  id: string;
  expiresAtMs: number;
  key: Buffer;
  hostId: string;
  hostname: string;
  address: string;
  port: number;
  fingerprint: string;
  clockOffsetMs: number;
  inventory: Inventory;
}

/** Bounded in-memory store of discovery sessions. */
export class DiscoverySessions {
  private readonly sessions = new Map<string, DiscoverySession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly max = 1000,
  ) {}

  /** Stores a session and returns it with its id and expiry. */
  add(s: Omit<DiscoverySession, 'id' | 'expiresAtMs'>): DiscoverySession {
    this.sweep();
    // Oldest first: Map keeps insertion order.
    while (this.sessions.size >= this.max) this.end(this.sessions.keys().next().value!);
    const session = { ...s, id: randomUUID(), expiresAtMs: this.now() + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** A live session, or null when it never existed or expired. */
  get(id: string): DiscoverySession | null {
    this.sweep();
    return this.sessions.get(id) ?? null;
  }

  /** Ends a session and wipes its key. */
  end(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    s.key.fill(0);
    this.sessions.delete(id);
  }

  /** Ends every expired session. */
  sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.end(id);
  }

  /** Ends every session (shutdown). */
  clear(): void {
    for (const id of [...this.sessions.keys()]) this.end(id);
  }

  /** Number of live sessions. */
  get size(): number {
    return this.sessions.size;
  }
}
