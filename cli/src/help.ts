/** Help text of `batchctl` (data only). */
import type { CommandName } from './parse';

const GLOBAL = `Global options (any command):
  --region REGION            AWS region (default: AWS_REGION or the profile's region)
  --profile NAME             shared config/credentials profile (default: AWS_PROFILE or default chain)
  --role-arn ARN             assume this role with STS AssumeRole first
    --external-id ID           external id for the role
    --role-session-name NAME   session name (default batchctl-<time>)
    --role-duration-seconds N  900..43200
  --endpoint-url URL         endpoint for every service (or AWS_ENDPOINT_URL[_<SERVICE>])
  --proxy URL                HTTPS proxy (default: HTTPS_PROXY; NO_PROXY honoured for the env proxy)
    --proxy-user USER          proxy user (or BATCHCTL_PROXY_USER)
    --proxy-password PASS      proxy password (or BATCHCTL_PROXY_PASSWORD, kept out of ps)
  --ca-bundle FILE           extra CA certificates, PEM (or AWS_CA_BUNDLE)
  --max-attempts N           SDK attempts per call, adaptive retry mode (default AWS_MAX_ATTEMPTS or 5)
  --max-rps N                client-side rate limit, requests per second (default 10)
  --json                     one JSON document on stdout
  -h, --help                 help; batchctl help COMMAND`;

const REQUEST = `Job request (flags override --request FILE; validated before anything is sent):
  --request FILE             JSON job request (the job runner's input)
  --job-name NAME            --job-definition NAME[:REV]|ARN   --job-queue NAME|ARN
  --parameter KEY=VALUE      (repeatable)
  --command '["a","b"]'      JSON array, or repeat --command, or put the command after --
  --env NAME=VALUE           container environment variable (repeatable)
  --vcpus N  --memory MIB  --gpus N  --instance-type TYPE
  --array-size N             2..10000
  --depends-on ID[:N_TO_N|:SEQUENTIAL]  (repeatable, at most 20)
  --attempts N               retry strategy attempts, 1..10
  --timeout SECONDS          attempt duration timeout, >= 60 (also 15m, 2h)
  --tag KEY=VALUE            (repeatable)   --propagate-tags
  --share-identifier ID      --scheduling-priority N
  --poll-interval S  --max-poll-interval S  --deadline S   (polling and deadline, seconds or 30s/5m/2h/1d)`;

const COMMANDS: Record<CommandName, string> = {
  submit: `batchctl submit [request flags] [--wait [--full] [--terminate-on-interrupt]]
  Submits one job (SubmitJob is never retried in a way that could create a second job).
  --wait polls until SUCCEEDED (exit 0) or FAILED (exit 1); at --deadline the job is terminated (exit 1).`,
  status: `batchctl status JOB_ID [--full] [--exit-codes default|kestra]
  Prints the job's status; the exit code tells the status (22-27, FAILED 1; kestra: 0-6, other 255).
  --full prints the full job information as JSON.`,
  wait: `batchctl wait JOB_ID [--poll-interval S] [--max-poll-interval S] [--deadline S] [--full] [--terminate-on-interrupt]
  Waits for an existing job: exit 0 when it SUCCEEDED, 1 when it FAILED or the deadline passed (the job is left running).`,
  terminate: `batchctl terminate JOB_ID --reason TEXT
  Terminates (or cancels) a job; the reason becomes its status reason.`,
  logs: `batchctl logs JOB_ID [--follow]
  Prints the CloudWatch Logs of the latest attempt (log group from the job's awslogs-group, default /aws/batch/job).
  --follow keeps reading until the job finishes.`,
  list: `batchctl list --queue QUEUE [--status STATUS ...]
  Lists the queue's jobs (every page); default every status. --status is repeatable or comma-separated.`,
  run: `batchctl run [request flags] [--job-id ID] [--env ENV] [--state-machine NAME|ARN] [--execution-name NAME] [--wait [--stop-on-interrupt]]
  Starts a job-runner execution with the request as input. The state machine is --state-machine, else the
  output JobRunnerStateMachineArn of stack BatchOrchestrator-<ENV> (--env without "=", default dev).
  --wait prints the outcome: status, the SPEC error name and its Cause; exit 0 only when it SUCCEEDED.`,
  execution: `batchctl execution EXECUTION_ARN [--wait]
  Shows an execution: status, error, cause, output. Exit 1 when it failed, timed out or was aborted.`,
};

const EXIT_CODES = `Exit codes:
  0 success   1 job/execution failed, ClientException, unknown job id, retries exhausted
  2 authentication error   3 authorization error (AccessDenied)   10 connection error   11 proxy error
  22-27 status only: RUNNING, STARTING, RUNNABLE, PENDING, SUBMITTED, SUCCEEDED   64 usage / invalid request
  130 interrupted (Ctrl-C while waiting)`;

/** The help text, for all commands or one. */
export function helpText(topic?: CommandName): string {
  if (topic !== undefined) {
    const request = topic === 'submit' || topic === 'run' ? `\n\n${REQUEST}` : '';
    return `${COMMANDS[topic]}${request}\n\n${GLOBAL}\n\n${EXIT_CODES}\n`;
  }
  const list = Object.values(COMMANDS)
    .map((c) => `  ${c.split('\n')[0]}`)
    .join('\n');
  return `batchctl: submit, watch and inspect AWS Batch jobs and job-runner executions.

Usage: batchctl COMMAND [options]

Commands:
${list}

${REQUEST}

${GLOBAL}

${EXIT_CODES}

See cli/README.md for examples.
`;
}
