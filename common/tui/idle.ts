/**
 * The consoles' busy/idle signal, for tests that drive them in a
 * pseudo-terminal. Work that will change the screen (a key being handled,
 * an escape sequence held for its next byte, a request to the agent or the
 * vDC) is counted while it runs; when the count comes back to zero the
 * screen is drawn and the program is idle. With QUANTIX_TEST_IDLE=1 in the
 * environment the console then writes a private OSC string,
 * `ESC ] 5379 ; idle ; N BEL`, where N is the number of input bytes read so
 * far: a test that sent N bytes and sees that marker knows its keys were
 * handled and drawn, without waiting for silence. Terminals ignore OSC
 * strings they do not know; without the variable nothing is written.
 */

/** The environment variable that turns the idle marker on. */
export const IDLE_SIGNAL_ENV = 'QUANTIX_TEST_IDLE';

/** The OSC number of the idle marker. */
export const IDLE_OSC = 5379;

/** Counts work in progress; see the module comment. */
export interface BusyTracker {
  /** Starts one piece of work; call the returned function once when it is over. */
  begin(): () => void;
  /** Counts a promise as work until it settles, and returns it. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Adds input bytes read from the terminal (reported in the marker). */
  consumed(bytes: number): void;
  /** True while any work is in progress. */
  readonly busy: boolean;
}

/** The idle marker for `bytes` input bytes read. */
export function idleMarker(bytes: number): string {
  return `\x1b]${IDLE_OSC};idle;${bytes}\x07`;
}

/**
 * A busy tracker. When enabled, write receives the idle marker each time
 * the count returns to zero (after pending ticks, so the screen's own
 * writes go first).
 */
export function createBusyTracker(opts: { enabled: boolean; write: (text: string) => void }): BusyTracker {
  let count = 0;
  let bytes = 0;
  let scheduled = false;
  const announce = () => {
    scheduled = false;
    if (count === 0) opts.write(idleMarker(bytes));
  };
  const tracker: BusyTracker = {
    begin() {
      count++;
      let over = false;
      return () => {
        if (over) return;
        over = true;
        count--;
        if (count === 0 && opts.enabled && !scheduled) {
          scheduled = true;
          // Twice through the check phase: blessed flushes its output on the next tick or immediate.
          setImmediate(() => setImmediate(announce));
        }
      };
    },
    track<T>(work: Promise<T>): Promise<T> {
      const done = tracker.begin();
      work.then(done, done);
      return work;
    },
    consumed(n: number) {
      bytes += n;
    },
    get busy() {
      return count > 0;
    },
  };
  return tracker;
}

/** A tracker that is on when the environment asks for the marker. */
export function busyTrackerFor(
  env: Record<string, string | undefined>,
  output: { write(text: string): unknown },
): BusyTracker {
  return createBusyTracker({ enabled: env[IDLE_SIGNAL_ENV] === '1', write: (text) => void output.write(text) });
}
