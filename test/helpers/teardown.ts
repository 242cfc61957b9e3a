/**
 * The end of a suite whose beforeAll starts several things. When beforeAll
 * fails part-way, the variables it had not reached are still unset although
 * their declared type says otherwise: afterAll must still stop what did
 * start, and must not hide the first failure behind a TypeError.
 */

/** A started process, server or store that can be stopped. */
export type Stoppable = { cleanup(): Promise<unknown> } | { close(): Promise<unknown> };

/** Stops every given thing that was started, all at once; unset ones are skipped. */
export async function stopAll(...started: (Stoppable | undefined)[]): Promise<void> {
  await Promise.all(started.filter((s) => s !== undefined).map((s) => ('cleanup' in s ? s.cleanup() : s.close())));
}
