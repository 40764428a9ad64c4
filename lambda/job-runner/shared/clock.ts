/**
 * The job runner's only source of "now". Handlers read time through
 * {@link clock} so tests and the benchmark can replace it with a simulated
 * clock (`vi.spyOn(clock, 'now')` or {@link setClock}) and run an hour of
 * polling in milliseconds.
 */

/** A source of epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** The clock the handlers use; defaults to the system clock. */
export const clock: Clock = { now: () => Date.now() };

/** Replaces the clock (tests, benchmark); returns a function that restores the previous one. */
export function setClock(now: () => number): () => void {
  const previous = clock.now;
  clock.now = now;
  return () => {
    clock.now = previous;
  };
}
