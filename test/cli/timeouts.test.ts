/**
 * Timeouts of the shared HTTP handler: a server (or proxy) that accepts the
 * connection and never answers must end in an error that maps to exit 10
 * (or 11 for the proxy), never hang the command.
 */
import { request as httpRequest } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequestHandler } from '../../cli/src/aws';
import { classifyError, EXIT } from '../../cli/src/exit-codes';
import { ProxyAgent } from '../../cli/src/proxy-agent';

let silent: Server;
let port: number;
const sockets: Socket[] = [];

beforeAll(async () => {
  // Accepts connections, reads everything, answers nothing.
  silent = createServer((socket) => {
    sockets.push(socket);
    socket.on('data', () => undefined);
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  port = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => silent.close(() => resolve()));
});

type HandledRequest = Parameters<ReturnType<typeof createRequestHandler>['handle']>[0];

/** A DescribeJobs-like POST (the shape the SDK hands to its HTTP handler). */
const request = () =>
  ({
    protocol: 'http:',
    hostname: '127.0.0.1',
    port,
    method: 'POST',
    path: '/v1/describejobs',
    query: {},
    headers: { 'content-type': 'application/json', host: `127.0.0.1:${port}` },
    body: '{"jobs":["x"]}',
  }) as unknown as HandledRequest;

describe('createRequestHandler timeouts', () => {
  it('fails a request the server never answers (exit 10), instead of only logging a warning', async () => {
    const handler = createRequestHandler({ json: false }, {});
    try {
      const error = await handler.handle(request(), { requestTimeout: 300 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(classifyError(error).exitCode).toBe(EXIT.CONNECTION);
    } finally {
      handler.destroy();
    }
  }, 5_000);

  it('reports a proxy that never answers CONNECT as a proxy error (exit 11), within the connection timeout', async () => {
    const agent = new ProxyAgent({ url: new URL(`http://127.0.0.1:${port}`), noProxy: [] }, undefined, 300);
    const started = Date.now();
    try {
      const error = await new Promise<unknown>((resolve) => {
        const req = httpRequest(
          {
            host: 'batch.eu-west-1.amazonaws.com',
            port: 80,
            path: '/v1/describejobs',
            method: 'POST',
            agent,
          },
          () => resolve(undefined),
        );
        req.on('error', resolve);
        req.end('{}');
      });
      expect(error).toMatchObject({ name: 'ProxyConnectionError' });
      expect(classifyError(error).exitCode).toBe(EXIT.PROXY);
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      agent.destroy();
    }
  }, 5_000);
});
