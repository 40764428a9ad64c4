/**
 * Keeps the benchmark honest: its measurement core, run on small cases, must
 * count exactly what a hand walk through the state machine gives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bench, costPer1000Jobs, HISTORY_EVENT_LIMIT, STRATEGIES } from '../../bench/measure';

const strategy = (id: string) => STRATEGIES.find((s) => s.id === id)!;
let bench: Bench;

beforeAll(() => {
  bench = new Bench();
});
afterAll(() => bench.restore());

describe('bench measurement core', () => {
  it('counts a 1-minute job polled adaptively exactly as walked by hand', async () => {
    // Job: SUBMITTED at 0, RUNNABLE 5 s, RUNNING 60 s, SUCCEEDED 120 s.
    // Validate, RouteRequest, Submit, then Wait 30 (t=30, RUNNABLE), Wait 30 (t=60, RUNNING),
    // Wait 30 (t=90, RUNNING), Wait 60 (t=150, SUCCEEDED): 4 x (Wait, Describe, RouteOnStatus), Succeeded.
    const { measurement } = await bench.measure(strategy('adaptive'), 60);
    expect(measurement).toMatchObject({
      status: 'SUCCEEDED',
      transitions: 3 + 4 * 3 + 1,
      lambdaInvocations: 1 + 1 + 4,
      batchCalls: 1 + 1 + 4, // ListJobs (the idempotency lookup), SubmitJob, 4 DescribeJobs
      describeCalls: 4,
      statusChecks: 4,
      detectionSeconds: 30,
      worstDetectionSeconds: 60,
      historyEvents: 2 + 5 + 2 + 5 + 4 * (2 + 5 + 2) + 2,
      dynamodbWriteUnits: 0,
    });
    expect(measurement.costPer1000).toBeCloseTo(
      1000 * (16 * 0.000025 + 6 * (0.0000002 + 0.25 * 0.1 * 0.0000133334)),
      9,
    );
  });

  it('counts a 1-minute job with event wake-up: 6 transitions, 4 Lambda invocations', async () => {
    const { measurement } = await bench.measure(strategy('events'), 60);
    expect(measurement).toMatchObject({
      status: 'SUCCEEDED',
      // Validate, RouteRequest, Submit, WaitForCompletion, RouteOnStatus, Succeeded.
      transitions: 6,
      // Validate, Submit, Await, Wake.
      lambdaInvocations: 4,
      batchCalls: 3,
      describeCalls: 1,
      // A status check costs exactly one DescribeJobs call: the event that woke the execution is not one.
      statusChecks: 1,
      detectionSeconds: 0,
    });
    // Two writes (registration, event) of items under 3 KiB.
    expect(measurement.dynamodbWriteUnits).toBeGreaterThanOrEqual(2);
    expect(measurement.dynamodbWriteUnits).toBeLessThanOrEqual(6);
  });

  it('counts one transition per fallback check of a 24-hour job with event wake-up', async () => {
    const { measurement } = await bench.measure(strategy('events'), 24 * 3600);
    expect(measurement.transitions).toBe(6 + 24);
    expect(measurement.describeCalls).toBe(25);
  });

  it('flags a fixed 30 s poll of a 6-hour job below the history limit and prices transitions', async () => {
    const { measurement } = await bench.measure(strategy('fixed-30'), 6 * 3600);
    // 60 s to start + 6 h = 21,660 s: 722 polls of 30 s, 3 transitions each, plus 3 + 1.
    expect(measurement.transitions).toBe(3 + 722 * 3 + 1);
    expect(measurement.historyEvents).toBeLessThan(HISTORY_EVENT_LIMIT);
    expect(costPer1000Jobs({ transitions: 1000, lambdaInvocations: 0, dynamodbWriteUnits: 0 })).toBeCloseTo(
      25,
    );
  });
});
