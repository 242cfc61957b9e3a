/**
 * Admission of costly work: a count of slots in use in total and per
 * caller, taken without waiting. A request that finds no free slot is
 * refused at once (503 with Retry-After) instead of queued, so a burst
 * never holds more memory than its admitted share.
 */

/** Slots taken per caller and in total. */
export class AdmissionGate {
  private active = 0;
  private readonly byCaller = new Map<string, number>();

  constructor(
    /** Slots in total. */
    readonly total: number,
    /** Slots one caller may hold. */
    readonly perCaller: number,
  ) {}

  /** Slots in use now. */
  get inUse(): number {
    return this.active;
  }

  /**
   * Takes a slot for `caller`; returns the function that gives it back (safe
   * to call more than once), or null when the caller or the whole gate is full.
   */
  tryEnter(caller: string): (() => void) | null {
    const mine = this.byCaller.get(caller) ?? 0;
    if (this.active >= this.total || mine >= this.perCaller) return null;
    this.active++;
    this.byCaller.set(caller, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const left = (this.byCaller.get(caller) ?? 1) - 1;
      if (left <= 0) this.byCaller.delete(caller);
      else this.byCaller.set(caller, left);
    };
  }
}

/** Runs async work at most `limit` at a time; the rest wait their turn, in order. */
export class WorkQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  /** Runs `work` once a place is free. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    // A finishing job hands its place straight to the next one, so a newcomer cannot overtake the queue.
    if (this.running >= this.limit) await new Promise<void>((go) => this.waiting.push(go));
    else this.running++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
