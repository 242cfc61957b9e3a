/** The error a call must fail with, for assertions on its code, hint and phase. */
import { expect } from 'vitest';
import { QuantixError } from '../../common/protocol/errors.js';

/** Awaits `p`, which must reject with a QuantixError, and returns that error. */
export async function expectQuantixError(p: Promise<unknown>): Promise<QuantixError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').toBeInstanceOf(QuantixError);
  return err as QuantixError;
}
