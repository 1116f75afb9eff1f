// TallyClient: typed helpers, retries and time-outs over either transport.
import { GeneratedMethods, RESEND_SAFE } from './methods.js';
import { TallyError } from './errors.js';
import { HttpTransport, TcpTransport } from './transport.js';
import { EventBatcher } from './batcher.js';

/**
 * @typedef {Object} ClientOptions
 * @property {number|null} [timeout]  milliseconds per attempt (default 30000; null: none)
 * @property {number} [retries]  retries of a retryable error (default 3)
 * @property {number} [backoff]  first back-off in ms (default 200), doubled each retry, with jitter
 * @property {number} [maxBackoff]  the longest back-off in ms (default 5000)
 */

/**
 * A Tally client: `call(method, params, options)` plus one helper per contract method.
 *
 * Helpers are generated (clients/generate.py): `spend.query` is `spendQuery(params, options)`,
 * params an object with the wire's snake_case names. Each resolves to the call's `result`
 * (money stays a decimal string) or rejects with a TallyError.
 *
 * Retries: an error with `retryable` true is retried up to `retries` times with exponential
 * back-off, sending the same params again; `ingest.events` thus re-sends the same event ids and
 * the server answers a repeat `duplicate`, so nothing is counted twice. When the request may
 * have reached the server but its answer was lost (a time-out, a dropped connection), only
 * methods that cannot do anything twice are resent: public and read methods and
 * `ingest.events` (RESEND_SAFE). Others (tokens.create, ...) reject at once.
 */
export class TallyClient extends GeneratedMethods {
  /**
   * @param {import('./transport.js').Transport} transport
   * @param {ClientOptions} [options]
   */
  constructor(transport, { timeout = 30000, retries = 3, backoff = 200, maxBackoff = 5000 } = {}) {
    super();
    this.transport = transport;
    this.timeout = timeout;
    this.retries = retries;
    this.backoff = backoff;
    this.maxBackoff = maxBackoff;
  }

  /**
   * A client over TCP (newline-delimited JSON-RPC; `session.hello` first).
   * @param {{host?: string, port?: number, token?: string|null, connectTimeout?: number} & ClientOptions} [options]
   */
  static tcp({ host, port, token, connectTimeout, ...options } = {}) {
    return new TallyClient(new TcpTransport({ host, port, token, connectTimeout }), options);
  }

  /**
   * A client over HTTP (`POST /rpc`, `Authorization: Bearer <token>`).
   * @param {{url?: string, token?: string|null} & ClientOptions} [options]
   */
  static http({ url, token, ...options } = {}) {
    return new TallyClient(new HttpTransport({ url, token }), options);
  }

  /**
   * Calls `method` with named `params`; retries retryable errors.
   * @param {string} method
   * @param {Object<string, any>} [params]
   * @param {{timeout?: number|null, retries?: number, resendSafe?: boolean}} [options]
   * @returns {Promise<any>}
   */
  async call(method, params = {}, options = {}) {
    const attempts = 1 + Math.max(0, options.retries ?? this.retries);
    const timeout = options.timeout === undefined ? this.timeout : options.timeout;
    const safe = options.resendSafe ?? RESEND_SAFE.has(method);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.transport.request(method, params, timeout);
      } catch (err) {
        if (!(err instanceof TallyError) || !err.retryable || attempt + 1 >= attempts) throw err;
        if (!err.fromServer && err.sent && !safe) throw err; // it may have run; do not do it twice
        const delay = Math.min(this.maxBackoff, this.backoff * 2 ** attempt) * (0.5 + Math.random() / 2);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * An EventBatcher sending through this client.
   * @param {import('./batcher.js').BatcherOptions} [options]
   */
  batcher(options) {
    return new EventBatcher(this, options);
  }

  close() {
    this.transport.close();
  }
}

/**
 * A client for `tcp://HOST:PORT` or `http(s)://HOST:PORT/rpc`.
 * @param {string} url
 * @param {{token?: string|null, connectTimeout?: number} & ClientOptions} [options]
 */
export function connect(url = 'tcp://127.0.0.1:7411', { token, connectTimeout, ...options } = {}) {
  const parsed = new URL(url);
  if (parsed.protocol === 'tcp:') {
    return TallyClient.tcp({ host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 7411), token, connectTimeout, ...options });
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') {
    if (parsed.pathname === '' || parsed.pathname === '/') parsed.pathname = '/rpc';
    return TallyClient.http({ url: parsed.toString(), token, ...options });
  }
  throw new Error(`unsupported URL ${url}: use tcp://HOST:PORT or http://HOST:PORT/rpc`);
}
