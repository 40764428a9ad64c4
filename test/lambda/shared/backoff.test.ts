import { describe, expect, it } from 'vitest';
import { eventWaitTimeoutSeconds, nextPollDelaySeconds, retryDelayMs } from '../../../lambda/shared/backoff';

const base = { pollIntervalSeconds: 30, maxPollIntervalSeconds: 300, secondsUntilDeadline: 86_400 };

describe('nextPollDelaySeconds', () => {
  it.each([
    ['the first check waits the poll interval', { previousDelaySeconds: undefined, statusChanged: true }, 30],
    ['an unchanged status doubles the wait', { previousDelaySeconds: 30, statusChanged: false }, 60],
    ['growth stops at the cap', { previousDelaySeconds: 240, statusChanged: false }, 300],
    ['the cap holds', { previousDelaySeconds: 300, statusChanged: false }, 300],
    ['a status change resets the wait', { previousDelaySeconds: 300, statusChanged: true }, 30],
    ['a short previous wait grows from the interval', { previousDelaySeconds: 5, statusChanged: false }, 30],
    [
      'the deadline cuts the wait',
      { previousDelaySeconds: 120, statusChanged: false, secondsUntilDeadline: 42.2 },
      43,
    ],
    ['never less than 1 s', { previousDelaySeconds: 30, statusChanged: false, secondsUntilDeadline: -5 }, 1],
    [
      'a fixed interval when max equals interval',
      { previousDelaySeconds: 30, statusChanged: false, maxPollIntervalSeconds: 30 },
      30,
    ],
  ])('%s', (_name, input, expected) => {
    expect(nextPollDelaySeconds({ ...base, ...input })).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  it.each([
    [0, 1, 200],
    [1, 1, 400],
    [3, 1, 1600],
    [20, 1, 20_000],
    [3, 0, 0],
    [-1, 1, 200],
  ])('attempt %i with random %f -> %i ms', (attempt, random, expected) => {
    expect(retryDelayMs(attempt, 200, 20_000, () => random)).toBe(expected);
  });
});

describe('eventWaitTimeoutSeconds', () => {
  it.each([
    [86_400, 3600, 3600],
    [86_399.5, 3600, 3600],
    [5_000, 3600, 2500],
    [5_001, 3600, 2501],
    [600, 3600, 600],
    [0.2, 3600, 1],
    [-10, 3600, 1],
  ])('splits %d s to the deadline with a %d s fallback into waits of %d s', (until, fallback, expected) => {
    expect(eventWaitTimeoutSeconds(until, fallback)).toBe(expected);
  });

  it('never stops before the deadline and overshoots it by less than one second per wait', () => {
    for (const until of [59, 3601, 7_199, 86_400, 100_003, 31_449_600]) {
      const wait = eventWaitTimeoutSeconds(until, 3600);
      const waits = Math.ceil(until / 3600);
      expect(wait).toBeLessThanOrEqual(3600);
      expect(wait * waits).toBeGreaterThanOrEqual(until);
      expect(wait * waits - until).toBeLessThan(waits);
    }
  });
});
