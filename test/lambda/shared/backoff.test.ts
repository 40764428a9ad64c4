import { describe, expect, it } from 'vitest';
import { nextPollDelaySeconds, retryDelayMs } from '../../../lambda/shared/backoff';

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
