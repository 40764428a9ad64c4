/**
 * Proxy settings: which proxy, with which credentials, for which hosts. Pure;
 * the agent that tunnels through it is in `proxy-agent.ts` (loaded on demand).
 */
import { UsageError } from './errors';
import type { GlobalOptions } from './parse';

/** Proxy settings resolved from flags and the environment. */
export interface ProxySettings {
  /** Proxy URL including credentials when given. */
  readonly url: URL;
  /** Host patterns that bypass the proxy (`NO_PROXY`). */
  readonly noProxy: readonly string[];
}

/**
 * The proxy to use: `--proxy`, else `HTTPS_PROXY` / `https_proxy`; credentials
 * from `--proxy-user` / `--proxy-password` (or `BATCHCTL_PROXY_USER` /
 * `BATCHCTL_PROXY_PASSWORD`, which stay out of `ps`) override those in the URL.
 */
export function resolveProxy(global: GlobalOptions, env: NodeJS.ProcessEnv): ProxySettings | undefined {
  const raw = global.proxy ?? env.HTTPS_PROXY ?? env.https_proxy;
  if (raw === undefined || raw.trim() === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`Invalid proxy URL ${redactUrl(raw)}`);
  }
  const user = global.proxyUser ?? env.BATCHCTL_PROXY_USER;
  const password = global.proxyPassword ?? env.BATCHCTL_PROXY_PASSWORD;
  if (user !== undefined) url.username = encodeURIComponent(user);
  if (password !== undefined) url.password = encodeURIComponent(password);
  const noProxy = (global.proxy === undefined ? (env.NO_PROXY ?? env.no_proxy ?? '') : '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  return { url, noProxy };
}

/** True when `host` matches a `NO_PROXY` entry (`*`, exact, or a domain suffix like `.internal`). */
export function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy.some((p) => {
    const pattern = p.replace(/:\d+$/, '');
    if (pattern === '*') return true;
    const bare = pattern.replace(/^\*?\./, '');
    return h === bare || h.endsWith(`.${bare}`);
  });
}

/** A URL with its password (and user) hidden, for messages. */
export function redactUrl(raw: string | URL): string {
  try {
    const url = new URL(raw.toString());
    if (url.password !== '') url.password = '***';
    if (url.username !== '') url.username = '***';
    return url.toString();
  } catch {
    return '<invalid URL>';
  }
}
