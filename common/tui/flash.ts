/**
 * The status line's message model: one message at a time, with a kind and
 * an expiry, cleared by itself. Every error shown to the user lands here
 * (key handlers, refreshes), so there is one place to look and one look.
 * The clock is a parameter; a timer only wakes listeners at expiry.
 */
import { EventEmitter } from 'node:events';
import { describeError } from '../cli/error-line.js';

/** How a message is shown. */
export type FlashKind = 'info' | 'ok' | 'warn' | 'error';

/** The message on the status line. */
export interface FlashMessage {
  kind: FlashKind;
  text: string;
  /** Clock time (ms) after which the message is gone; Infinity keeps it until replaced. */
  until: number;
}

/** Default lifetimes: errors stay longer than confirmations. */
export const FLASH_MS: Record<FlashKind, number> = { info: 5_000, ok: 5_000, warn: 8_000, error: 12_000 };

/** A self-clearing status message. Emits `changed` when a message appears or expires. */
export class FlashModel extends EventEmitter {
  private message: FlashMessage | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly now: () => number = Date.now) {
    super();
  }

  /** Shows text for ttlMs (the kind's default when omitted). */
  show(kind: FlashKind, text: string, ttlMs: number = FLASH_MS[kind]): void {
    const until = this.now() + ttlMs;
    this.message = { kind, text, until };
    if (this.timer) clearTimeout(this.timer);
    this.timer = Number.isFinite(ttlMs)
      ? setTimeout(() => {
          this.timer = null;
          this.message = null;
          this.emit('changed');
        }, ttlMs)
      : null;
    this.timer?.unref();
    this.emit('changed');
  }

  /** Shows an error in words, with its code and next step. */
  error(err: unknown): void {
    this.show('error', describeError(err));
  }

  /** Removes the current message. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.message) {
      this.message = null;
      this.emit('changed');
    }
  }

  /** The message visible at time t, or null. */
  current(t: number = this.now()): FlashMessage | null {
    return this.message && t < this.message.until ? this.message : null;
  }

  /** Stops the expiry timer (on exit). */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
