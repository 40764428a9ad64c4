/**
 * A fake Slack incoming webhook on 127.0.0.1 (random port) for tests.
 *
 * Answers are scripted in order (`enqueue`); when the script is empty it
 * answers `200 ok` like Slack. Every request is recorded with its arrival
 * time. A self-stop timer closes the server if a test forgets to.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer. */
export interface SlackAnswer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  /** Delay before answering (to provoke client timeouts). */
  readonly delayMs?: number;
}

/** One request the server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** `performance.now()` when the request arrived. */
  readonly receivedAt: number;
}

/** Handle on a running fake Slack. */
export interface SlackServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly baseUrl: string;
  /** A webhook URL on this server (the path mimics Slack's secret path). */
  webhookUrl(path?: string): string;
  readonly requests: RecordedRequest[];
  enqueue(...answers: SlackAnswer[]): void;
  reset(): void;
  close(): Promise<void>;
}

/** Canned Slack answers. */
export const SLACK = {
  ok: { status: 200, body: 'ok' },
  rateLimited: (retryAfterSeconds = 1): SlackAnswer => ({
    status: 429,
    body: 'rate_limited',
    headers: { 'retry-after': String(retryAfterSeconds) },
  }),
  serverError: { status: 500, body: 'rollup_error' },
  unavailable: { status: 503, body: 'service_unavailable' },
  invalidPayload: { status: 400, body: 'invalid_payload' },
  channelNotFound: { status: 404, body: 'channel_not_found' },
  noService: { status: 404, body: 'no_service' },
  invalidToken: { status: 403, body: 'invalid_token' },
} satisfies Record<string, SlackAnswer | ((n?: number) => SlackAnswer)>;

/** Starts the server; `selfStopMs` closes it even if `close` is never called. */
export async function startSlackServer(selfStopMs = 120_000): Promise<SlackServer> {
  const requests: RecordedRequest[] = [];
  const script: SlackAnswer[] = [];
  const server: Server = createServer((req, res) => {
    const receivedAt = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt,
      });
      const answer: SlackAnswer = script.shift() ?? SLACK.ok;
      const send = () => {
        res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? '');
      };
      if (answer.delayMs !== undefined) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const timer = setTimeout(() => server.close(), selfStopMs);
  timer.unref();
  return {
    baseUrl,
    webhookUrl: (path = '/services/T000TEST/B000TEST/sEcReTwEbHoOkToKeN') => `${baseUrl}${path}`,
    requests,
    enqueue: (...answers) => script.push(...answers),
    reset: () => {
      requests.length = 0;
      script.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
