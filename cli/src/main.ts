/**
 * `batchctl` entry: parse, run one command, map any error to the documented
 * exit code. The only place that sets the process exit code.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsClients } from './aws';
import { clockFromEnv } from './clock';
import type { CommandContext } from './commands/context';
import { InvalidRequestError } from './errors';
import { classifyError, EXIT } from './exit-codes';
import { helpText } from './help';
import { Printer, type PrinterStreams } from './output';
import { type Command, parseCommandLine } from './parse';

/** Where `main` reads and writes; replaceable in tests. */
export interface MainIo extends PrinterStreams {
  readonly env: NodeJS.ProcessEnv;
}

/** Runs `batchctl` with `argv` (no `node`, no script) and returns the exit code. */
export async function runBatchctl(argv: readonly string[], io: MainIo): Promise<number> {
  const parsed = parseCommandLine(argv);
  const wantsJson = argv.includes('--json');
  if (!parsed.ok) {
    const printer = new Printer(io, wantsJson, false);
    printer.error(classifyError(parsed.error), ['Run `batchctl --help` for usage.']);
    return EXIT.USAGE;
  }
  const command = parsed.command;
  if (command.kind === 'help') {
    io.stdout.write(helpText(command.topic));
    return EXIT.SUCCESS;
  }
  if (command.kind === 'version') {
    io.stdout.write(`${version()}\n`);
    return EXIT.SUCCESS;
  }
  const live = io.stdout.isTTY === true && !io.env.CI;
  const printer = new Printer(io, command.global.json, live);
  let clients: AwsClients | undefined;
  try {
    const clock = clockFromEnv(io.env);
    clients = new AwsClients(command.global, clock, io.env);
    const ctx: CommandContext = {
      clients,
      printer,
      clock,
      maxAttempts: clients.config.maxAttempts,
    };
    return await dispatch(command, ctx);
  } catch (error) {
    printer.error(classifyError(error), errorDetails(error));
    return classifyError(error).exitCode;
  } finally {
    clients?.destroy();
  }
}

/**
 * Loads only the command that runs: `status` does not pay for the job-request
 * schema, `run` does not load Batch's command set, and so on.
 */
function dispatch(
  command: Exclude<Command, { kind: 'help' | 'version' }>,
  ctx: CommandContext,
): Promise<number> {
  switch (command.kind) {
    case 'submit':
      return (require('./commands/submit') as typeof import('./commands/submit')).submit(command, ctx);
    case 'wait':
      return (require('./commands/wait') as typeof import('./commands/wait')).wait(command, ctx);
    case 'status':
      return (require('./commands/jobs') as typeof import('./commands/jobs')).status(command, ctx);
    case 'terminate':
      return (require('./commands/jobs') as typeof import('./commands/jobs')).terminate(command, ctx);
    case 'list':
      return (require('./commands/jobs') as typeof import('./commands/jobs')).list(command, ctx);
    case 'logs':
      return (require('./commands/logs') as typeof import('./commands/logs')).logs(command, ctx);
    case 'run':
      return (require('./commands/executions') as typeof import('./commands/executions')).run(command, ctx);
    case 'execution':
      return (require('./commands/executions') as typeof import('./commands/executions')).execution(
        command,
        ctx,
      );
  }
}

/** Every bad field of an invalid request, one per line; nothing for other errors. */
function errorDetails(error: unknown): string[] {
  if (!(error instanceof InvalidRequestError)) return [];
  return error.fields.map((f) => `${f.path}: ${f.message} (received: ${JSON.stringify(f.received)})`);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version?: string;
  };
  return `batchctl ${pkg.version ?? '0.0.0'}`;
}

/** Process entry used by `cli/bin/batchctl.js`. */
export async function main(argv: readonly string[]): Promise<void> {
  const code = await runBatchctl(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env });
  process.exitCode = code;
  // A stray keep-alive socket or timer must not keep a finished command alive.
  setTimeout(() => process.exit(code), 2_000).unref();
}
