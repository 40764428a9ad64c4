/**
 * The HTTPS proxy agent: CONNECT tunnels through https-proxy-agent, with
 * proxy failures reported as {@link ProxyConnectionError} (exit 11).
 */
import type { ClientRequest } from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { ProxyConnectionError } from './errors';
import { bypassesProxy, type ProxySettings, redactUrl } from './proxy';

/**
 * CONNECT-tunnelling agent (https-proxy-agent) that reports any failure to
 * reach the proxy, or a refused tunnel (e.g. 407), as {@link ProxyConnectionError},
 * and connects directly to `NO_PROXY` hosts.
 */
export class ProxyAgent extends HttpsProxyAgent<string> {
  constructor(
    private readonly settings: ProxySettings,
    private readonly ca: string[] | undefined,
    private readonly connectionTimeoutMs: number,
  ) {
    super(settings.url.toString(), {
      keepAlive: true,
      timeout: connectionTimeoutMs,
      ...(ca !== undefined && { ca }),
    });
  }

  override async connect(req: ClientRequest, opts: Parameters<HttpsProxyAgent<string>['connect']>[1]) {
    const options = this.ca === undefined ? opts : { ...opts, ca: this.ca };
    if (bypassesProxy(opts.host ?? '', this.settings.noProxy)) {
      return options.secureEndpoint ? tls.connect(options) : net.connect(options);
    }
    let status: number | undefined;
    req.once('proxyConnect', (connect: { statusCode?: number }) => {
      status = connect.statusCode;
    });
    let socket: Awaited<ReturnType<HttpsProxyAgent<string>['connect']>>;
    let timer: NodeJS.Timeout | undefined;
    const pending = super.connect(req, options);
    try {
      // https-proxy-agent waits for the CONNECT answer without a time limit: a proxy that accepts
      // the connection and never answers would hang the command.
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer to CONNECT within ${this.connectionTimeoutMs} ms`)),
          this.connectionTimeoutMs,
        );
      });
      socket = await Promise.race([pending, timedOut]);
    } catch (error) {
      // A tunnel that opens after the timeout is closed at once.
      pending.then((late) => 'destroy' in late && late.destroy()).catch(() => undefined);
      throw new ProxyConnectionError(redactUrl(this.settings.url), { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (status !== undefined && status !== 200) {
      if ('destroy' in socket) socket.destroy();
      throw new ProxyConnectionError(redactUrl(this.settings.url), {
        cause: new Error(
          `the proxy answered HTTP ${status} to CONNECT${status === 407 ? ' (authentication required)' : ''}`,
        ),
      });
    }
    return socket;
  }
}
