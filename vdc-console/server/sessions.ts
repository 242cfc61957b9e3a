/**
 * Discovery sessions: what a discovery learnt about a host, kept for ten
 * minutes so that `register` joins exactly the host that was reviewed. A
 * session holds the token-derived key, never the token. One vDC process
 * keeps them in memory (the key is zeroed when the session ends); replicas
 * keep them in the shared database, with the key sealed by the vDC secret
 * key, so a discover on one replica and the register on another work.
 */
import { randomUUID } from 'node:crypto';
import type { Inventory } from '../../common/protocol/inventory.js';
import type { PgStore } from './pg-store.js';
import { seal, unseal } from './secret-key.js';

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

/** Where discovery sessions live. */
export interface SessionStore {
  /** Stores a session and returns it with its id and expiry. */
  add(s: Omit<DiscoverySession, 'id' | 'expiresAtMs'>): Promise<DiscoverySession>;
  /** A live session, or null when it never existed or expired; the caller zeroes its key when done. */
  get(id: string): Promise<DiscoverySession | null>;
  /** Ends a session. */
  end(id: string): Promise<void>;
  /** Shutdown: forgets what this process holds. */
  clear(): Promise<void>;
}

/** Bounded in-memory store of discovery sessions (one vDC process). */
export class DiscoverySessions implements SessionStore {
  private readonly sessions = new Map<string, DiscoverySession>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly max = 1000,
  ) {}

  /** Stores a session and returns it with its id and expiry. */
  async add(s: Omit<DiscoverySession, 'id' | 'expiresAtMs'>): Promise<DiscoverySession> {
    this.sweep();
    // Oldest first: Map keeps insertion order.
    while (this.sessions.size >= this.max) this.drop(this.sessions.keys().next().value!);
    const session = { ...s, id: randomUUID(), expiresAtMs: this.now() + this.ttlMs };
    this.sessions.set(session.id, session);
    return session;
  }

  /** A live session, or null when it never existed or expired. */
  async get(id: string): Promise<DiscoverySession | null> {
    this.sweep();
    const s = this.sessions.get(id);
    // A copy of the key: the caller zeroes its copy, the session keeps its own until it ends.
    return s ? { ...s, key: Buffer.from(s.key) } : null;
  }

  /** Ends a session and wipes its key. */
  async end(id: string): Promise<void> {
    this.drop(id);
  }

  private drop(id: string): void {
    const s = this.sessions.get(id);
    if (!s) return;
    s.key.fill(0);
    this.sessions.delete(id);
  }

  /** Ends every expired session. */
  sweep(): void {
    const now = this.now();
    for (const [id, s] of this.sessions) if (s.expiresAtMs <= now) this.drop(id);
  }

  /** Ends every session (shutdown). */
  async clear(): Promise<void> {
    for (const id of [...this.sessions.keys()]) this.drop(id);
  }

  /** Number of live sessions. */
  get size(): number {
    return this.sessions.size;
  }
}

/** Discovery sessions in the shared PostgreSQL database, the key sealed with the vDC secret key. */
export class DatabaseSessions implements SessionStore {
  constructor(
    private readonly store: PgStore,
    private readonly secretKey: Buffer,
    private readonly ttlMs: number,
    private readonly max = 1000,
  ) {}

  async add(s: Omit<DiscoverySession, 'id' | 'expiresAtMs'>): Promise<DiscoverySession> {
    const id = randomUUID();
    const { key, ...rest } = s;
    const expiresAtMs = await this.store.putDiscovery(
      { ...rest, id, keySealed: seal(this.secretKey, `discovery:${id}`, key) },
      this.ttlMs,
      this.max,
    );
    key.fill(0);
    return { ...rest, key: Buffer.alloc(0), id, expiresAtMs };
  }

  async get(id: string): Promise<DiscoverySession | null> {
    const row = await this.store.getDiscovery(id);
    if (!row) return null;
    const { keySealed, ...rest } = row;
    return { ...rest, key: unseal(this.secretKey, `discovery:${id}`, keySealed) };
  }

  async end(id: string): Promise<void> {
    await this.store.deleteDiscovery(id);
  }

  async clear(): Promise<void> {
    // Sessions belong to the vDC, not to this replica: another replica may still register them.
  }
}
