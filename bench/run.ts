/**
 * `npm run bench`: what watching a Batch job costs, measured on the REAL
 * job-runner state machine (aws-local-stepfunctions + the real handlers,
 * Batch simulated, time simulated: nothing sleeps), plus the Lambda bundles'
 * sizes and cold module-load times and the `cdk synth` time. Prints markdown
 * tables and writes them to build/bench.md.
 *
 * Flags: --no-synth (skip `cdk synth`), --runs N (cold-load runs per bundle, default 7).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import {
  Bench,
  HISTORY_EVENT_LIMIT,
  LAMBDA_ASSUMPTIONS,
  type Measurement,
  PRICES,
  STRATEGIES,
  type Strategy,
} from './measure';

const ROOT = path.join(__dirname, '..');
const OUT_DIR = path.join(ROOT, 'build', 'bench');
const args = process.argv.slice(2);
const skipSynth = args.includes('--no-synth');
const runsArg = args.indexOf('--runs');
const COLD_RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : 7;

/** Job run times measured (each starts 60 s after submission). */
const DURATIONS: readonly [string, number][] = [
  ['1 min', 60],
  ['10 min', 600],
  ['1 h', 3600],
  ['6 h', 6 * 3600],
  ['24 h', 24 * 3600],
];

const usd = (v: number) => `$${v < 1 ? v.toFixed(3) : v.toFixed(2)}`;
const int = (v: number) => v.toLocaleString('en-US');
const secs = (v: number) => (Number.isNaN(v) ? '-' : `${int(Math.round(v))} s`);
const table = (header: string[], rows: string[][]) =>
  [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
const history = (m: Measurement) =>
  m.historyEvents > HISTORY_EVENT_LIMIT ? `**${int(m.historyEvents)} > 25,000 limit**` : int(m.historyEvents);

async function orchestrationTables(bench: Bench): Promise<{ markdown: string; figures: Figures }> {
  const rows: string[][] = [];
  const byKey = new Map<string, Measurement>();
  for (const [label, seconds] of DURATIONS) {
    for (const strategy of STRATEGIES) {
      const { measurement: m } = await bench.measure(strategy, seconds);
      byKey.set(`${strategy.id}:${seconds}`, m);
      rows.push([
        label,
        strategy.label,
        int(m.transitions),
        int(m.lambdaInvocations),
        int(m.batchCalls),
        `${secs(m.detectionSeconds)} / ${secs(m.worstDetectionSeconds)}`,
        history(m),
        usd(m.costPer1000),
      ]);
    }
  }
  const main = table(
    [
      'job runs',
      'strategy',
      'state transitions',
      'Lambda invocations',
      'Batch API calls',
      'detection (this run / worst)',
      'history events',
      '$ per 1,000 jobs',
    ],
    rows,
  );

  const events = STRATEGIES.find((s) => s.id === 'events') as Strategy;
  const lostRows: string[][] = [];
  const lost = new Map<number, Measurement>();
  for (const [label, seconds] of DURATIONS) {
    const { measurement: m } = await bench.measure(events, seconds, { loseEvent: true });
    lost.set(seconds, m);
    lostRows.push([
      label,
      int(m.transitions),
      int(m.describeCalls),
      secs(m.detectionSeconds),
      usd(m.costPer1000),
    ]);
  }
  const lostTable = table(
    ['job runs', 'state transitions', 'DescribeJobs', 'detection', '$ per 1,000 jobs'],
    lostRows,
  );

  const arrayRows: string[][] = [];
  for (const strategy of STRATEGIES.filter((s) => s.id !== 'fixed-5')) {
    const { measurement: m, sim } = await bench.measure(strategy, 3600, { arraySize: 10_000 });
    const describes = sim.log.filter((l) => l.api === 'DescribeJobs');
    const maxIds = Math.max(...describes.map((l) => ((l.input as { jobs?: string[] }).jobs ?? []).length));
    arrayRows.push([
      strategy.label,
      int(m.statusChecks),
      int(m.describeCalls),
      `${(m.describeCalls / Math.max(1, m.statusChecks)).toFixed(2)}`,
      int(maxIds),
      m.status,
    ]);
  }
  const arrayTable = table(
    [
      'strategy',
      'status checks',
      'DescribeJobs calls',
      'Batch API calls per status check',
      'job ids per DescribeJobs',
      'outcome',
    ],
    arrayRows,
  );

  const figures: Figures = {
    adaptive1h: byKey.get('adaptive:3600')!,
    adaptive24h: byKey.get('adaptive:86400')!,
    fixed30_24h: byKey.get('fixed-30:86400')!,
    events1h: byKey.get('events:3600')!,
    events24h: byKey.get('events:86400')!,
    eventsLost1h: lost.get(3600)!,
  };
  const markdown = [
    '### Orchestration cost per job, side by side',
    '',
    'Each row is one execution of the real state machine. The job is RUNNING 60 s after submission and then',
    'runs for the time in the first column; `deadlineSeconds` is 172800 so the 24-h job is not cut by the',
    '24-h default deadline. Detection: from the job ending to the execution noticing it; "worst" is the same',
    'for a job ending right after a check (polling: the wait in effect). In events mode the event is',
    'delivered the moment the job ends (EventBridge and Lambda latency, typically well under 5 s, are not',
    'simulated). History events are estimated per state type (Task 5-6, Wait/Choice/Succeed 2, retry 3).',
    '',
    main,
    '',
    '### Event wake-up when the job event is lost',
    '',
    'The Wake rule never delivers the job event: the next fallback check (a fresh registration whose',
    'DescribeJobs sees the job ended) notices it, at most one fallback interval (1 h) after the job ended.',
    '',
    lostTable,
    '',
    '### Array job of 10,000 children (1-h run)',
    '',
    arrayTable,
  ].join('\n');
  return { markdown, figures };
}

interface Figures {
  adaptive1h: Measurement;
  adaptive24h: Measurement;
  fixed30_24h: Measurement;
  events1h: Measurement;
  events24h: Measurement;
  eventsLost1h: Measurement;
}

function targetsTable(f: Figures): string {
  const row = (target: string, figure: string, met: boolean) => [target, figure, met ? 'yes' : '**NO**'];
  return table(
    ['target', 'measured', 'met'],
    [
      row('poll, 1-h job: <= 60 transitions', int(f.adaptive1h.transitions), f.adaptive1h.transitions <= 60),
      row(
        'poll, 1-h job: detection <= 300 s',
        `${secs(f.adaptive1h.detectionSeconds)} (worst ${secs(f.adaptive1h.worstDetectionSeconds)})`,
        f.adaptive1h.worstDetectionSeconds <= 300,
      ),
      row(
        'poll, 24-h job: <= 900 transitions',
        int(f.adaptive24h.transitions),
        f.adaptive24h.transitions <= 900,
      ),
      row(
        'fixed 30 s, 24-h job: ~8,600 transitions, history > 25,000',
        `${int(f.fixed30_24h.transitions)} transitions, ~${int(f.fixed30_24h.historyEvents)} events`,
        f.fixed30_24h.historyEvents > HISTORY_EVENT_LIMIT,
      ),
      row('events, 1-h job: <= 12 transitions', int(f.events1h.transitions), f.events1h.transitions <= 12),
      row('events, 24-h job: <= 30 transitions', int(f.events24h.transitions), f.events24h.transitions <= 30),
      row(
        'events: detection <= 5 s after the terminal event',
        secs(f.events24h.detectionSeconds),
        f.events24h.detectionSeconds <= 5,
      ),
      row(
        'events: a lost event costs <= one fallback interval (3600 s)',
        secs(f.eventsLost1h.detectionSeconds),
        f.eventsLost1h.detectionSeconds <= 3600,
      ),
    ],
  );
}

/** The handler entries, bundled the way lib/job-runner.ts (and lib/notifications.ts) configure NodejsFunction. */
const BUNDLES: { name: string; entry: string; external: string[]; env: Record<string, string> }[] = [
  ...['validate', 'submit', 'describe', 'await', 'wake', 'classify', 'terminate', 'reaper'].map((name) => ({
    name: `job-runner/${name}`,
    entry: path.join(ROOT, 'lambda', 'job-runner', name, 'index.ts'),
    external: ['@aws-sdk/*'],
    env: { DEFAULT_JOB_QUEUE: 'default', WAIT_TABLE_NAME: 'waits' },
  })),
  {
    name: 'notifications/slack-notifier',
    entry: path.join(ROOT, 'lambda', 'notifications', 'slack-notifier', 'index.ts'),
    external: [],
    env: {
      ENV_NAME: 'dev',
      SECRET_ID: 'secret',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
      DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/dlq',
    },
  },
];

function bundleTable(): string {
  const rows: string[][] = [];
  for (const b of BUNDLES) {
    const outfile = path.join(OUT_DIR, 'bundles', b.name, 'index.js');
    buildSync({
      entryPoints: [b.entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      minify: true,
      sourcemap: false,
      external: b.external,
      logLevel: 'error',
    });
    const size = statSync(outfile).size;
    const times: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const child = spawnSync(
        process.execPath,
        [
          '-e',
          `const t=process.hrtime.bigint();require(${JSON.stringify(outfile)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`,
        ],
        {
          env: {
            PATH: process.env.PATH,
            AWS_REGION: 'eu-west-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...b.env,
          },
          encoding: 'utf8',
        },
      );
      if (child.status !== 0) throw new Error(`${b.name} failed to load: ${child.stderr}`);
      times.push(Number(child.stdout));
    }
    times.sort((a, b2) => a - b2);
    const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
    rows.push([
      b.name,
      b.external.length > 0 ? 'no (runtime SDK)' : 'yes',
      `${(size / 1024).toFixed(1)} KiB`,
      `${median.toFixed(1)} ms`,
    ]);
  }
  return [
    `### Lambda bundles (esbuild: CJS, node24, minified; median module load of ${COLD_RUNS} fresh \`node\` processes on this machine, Node ${process.versions.node})`,
    '',
    'Module load only (`require` of the bundle, SDK clients created, no AWS call): the part of a cold start',
    'the code controls. Bundles that keep `@aws-sdk/*` external load it from node_modules here, from the',
    'runtime in Lambda.',
    '',
    table(['bundle', 'SDK bundled', 'size', 'cold module load (median)'], rows),
  ].join('\n');
}

function synthTable(): string {
  if (skipSynth) return '### `cdk synth`\n\nskipped (--no-synth)';
  const started = Date.now();
  const child = spawnSync(
    'npx',
    ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'env=dev', '-o', path.join(OUT_DIR, 'cdk.out')],
    { cwd: ROOT, env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' }, encoding: 'utf8' },
  );
  const seconds = (Date.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`cdk synth failed: ${child.stderr}`);
  return [
    '### `cdk synth`',
    '',
    table(
      ['command', 'time'],
      [
        [
          '`cdk synth --quiet --no-notices -c env=dev` (bundling, CloudFormation validator on)',
          `${seconds.toFixed(1)} s`,
        ],
      ],
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  mkdirSync(OUT_DIR, { recursive: true });
  const bench = new Bench();
  const { markdown: orchestration, figures } = await orchestrationTables(bench);
  bench.restore();
  const prices = [
    `Prices (us-east-1): Step Functions Standard $0.025 per 1,000 state transitions (retries included);`,
    `Lambda $0.20 per 1M requests + $${PRICES.perLambdaGbSecond} per GB-s (arm64) at ${LAMBDA_ASSUMPTIONS.memoryGb * 1024} MB and an`,
    `assumed ${LAMBDA_ASSUMPTIONS.durationSeconds * 1000} ms per invocation; DynamoDB on-demand $0.625 per million write units (events mode,`,
    '1,000-character task tokens); Batch API calls and AWS service events on the default bus are free.',
  ].join('\n');
  const sections = [
    '## Benchmark: orchestration cost, detection and footprint',
    '',
    prices,
    '',
    orchestration,
    '',
    '### Targets',
    '',
    targetsTable(figures),
    '',
    bundleTable(),
    '',
    synthTable(),
    '',
    `_Generated by \`npm run bench\` in ${((Date.now() - started) / 1000).toFixed(0)} s._`,
    '',
  ];
  const markdown = sections.join('\n');
  process.stdout.write(`${markdown}\n`);
  const file = path.join(ROOT, 'build', 'bench.md');
  writeFileSync(file, markdown);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
