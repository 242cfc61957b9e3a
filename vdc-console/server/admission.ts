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
