// The two transports: TCP (node:net, newline-delimited JSON-RPC, pipelined) and HTTP (fetch).
import net from 'node:net';
import { TallyError } from './errors.js';

/** The server's default --max-message-bytes; a larger message is refused before it is sent. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * @typedef {Object} Transport
 * @property {(method: string, params: Object<string, any>|undefined, timeoutMs: number|null) => Promise<any>} request
 * @property {() => void} close
 */

/**
 * @param {string} method
 * @param {number} id
 * @param {Object<string, any>|undefined} params
 */
function encode(method, id, params) {
  /** @type {Object<string, any>} */
  const message = { jsonrpc: '2.0', id, method };
  if (params && Object.keys(params).length > 0) message.params = params;
  // JSON.stringify never emits a raw newline (control characters in strings are escaped).
  return Buffer.from(JSON.stringify(message), 'utf8');
}

/**
 * One TCP connection, newline-delimited JSON-RPC 2.0.
 *
 * Calls are pipelined on the one connection and answers matched by id. The connection opens on
 * first use and sends `session.hello {token}` first; if it drops, the next call opens a new one
 * (and says hello again). Calls waiting when it drops reject with a retryable UNAVAILABLE.
 * The socket is unref'd while no call is waiting, so an idle client does not keep Node alive.
 */
export class TcpTransport {
  /**
   * @param {{host?: string, port?: number, token?: string|null, connectTimeout?: number, maxMessageBytes?: number}} [options]
   *   connectTimeout in milliseconds (default 10000).
   */
  constructor({ host = '127.0.0.1', port = 7411, token = null, connectTimeout = 10000, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES } = {}) {
    this.host = host;
    this.port = port;
    this.token = token;
    this.connectTimeout = connectTimeout;
    this.maxMessageBytes = maxMessageBytes;
    /** The last session.hello answer. @type {any} */
    this.hello = null;
    this._nextId = 1;
    /** @type {net.Socket|null} */
    this._socket = null;
    this._connected = false;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void, timer: any}>} */
    this._pending = new Map();
    /** @type {Buffer[]} */
    this._chunks = [];
    this._closed = false;
  }

  _connect() {
    const socket = net.createConnection({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this._socket = socket;
    this._connected = false;
    this._chunks = [];
    const connectTimer = setTimeout(() => {
      if (this._socket === socket && !this._connected) {
        this._drop(socket, TallyError.local('UNAVAILABLE', `cannot connect to ${this.host}:${this.port} within ${this.connectTimeout} ms`, true, { sent: false }));
      }
    }, this.connectTimeout);
    connectTimer.unref();
    socket.on('connect', () => {
      clearTimeout(connectTimer);
      if (this._socket === socket) this._connected = true;
    });
    socket.on('data', (chunk) => this._onData(socket, chunk));
    socket.on('error', (err) => {
      clearTimeout(connectTimer);
      const sent = this._socket === socket && this._connected;
      this._drop(socket, TallyError.local('UNAVAILABLE',
        sent ? `connection to ${this.host}:${this.port} failed: ${err.message}` : `cannot connect to ${this.host}:${this.port}: ${err.message}`,
        true, { sent }));
    });
    socket.on('close', () => {
      clearTimeout(connectTimer);
      this._drop(socket, TallyError.local('UNAVAILABLE', 'connection closed before the answer', true));
    });
  }

  /**
   * @param {net.Socket} socket
   * @param {TallyError} error
   */
  _drop(socket, error) {
    if (this._socket !== socket) return;
    this._socket = null;
    this._connected = false;
    socket.destroy();
    const pending = this._pending;
    this._pending = new Map();
    for (const waiter of pending.values()) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }

  /**
   * @param {net.Socket} socket
   * @param {Buffer} chunk
   */
  _onData(socket, chunk) {
    if (this._socket !== socket) return;
    let start = 0;
    let newline = chunk.indexOf(10);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const line = this._chunks.length ? Buffer.concat([...this._chunks, piece]) : piece;
      this._chunks = [];
      this._onLine(line);
      start = newline + 1;
      newline = chunk.indexOf(10, start);
    }
    if (start < chunk.length) this._chunks.push(chunk.subarray(start));
  }

  /** @param {Buffer} line */
  _onLine(line) {
    const text = line.toString('utf8').trim();
    if (!text) return;
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    for (const item of Array.isArray(message) ? message : [message]) {
      if (!item || typeof item !== 'object' || !Number.isInteger(item.id)) continue; // notification or id null
      const waiter = this._pending.get(item.id);
      if (!waiter) continue;
      this._pending.delete(item.id);
      clearTimeout(waiter.timer);
      if ('error' in item) waiter.reject(TallyError.fromErrorObject(item.error));
      else waiter.resolve(item.result);
    }
    this._refresh();
  }

  _refresh() {
    if (!this._socket) return;
    if (this._pending.size > 0) this._socket.ref();
    else this._socket.unref();
  }

  /**
   * Writes one call; the promise settles with its answer.
   * @param {string} method
   * @param {Object<string, any>|undefined} params
   * @param {number|null} timeoutMs
   * @returns {Promise<any>}
   */
  _send(method, params, timeoutMs) {
    const id = this._nextId++;
    const line = encode(method, id, params);
    if (line.length + 1 > this.maxMessageBytes) {
      return Promise.reject(TallyError.local('RESOURCE_EXHAUSTED',
        `the request is ${line.length + 1} bytes, over the limit of ${this.maxMessageBytes}; split it`, false, { sent: false }));
    }
    const socket = /** @type {net.Socket} */ (this._socket);
    return new Promise((resolve, reject) => {
      const timer = timeoutMs == null ? null : setTimeout(() => {
        if (this._pending.delete(id)) {
          this._refresh();
          reject(TallyError.local('DEADLINE_EXCEEDED', `no answer to ${method} within ${timeoutMs} ms`, true));
        }
      }, timeoutMs);
      this._pending.set(id, { resolve, reject, timer });
      this._refresh();
      socket.write(Buffer.concat([line, Buffer.from('\n')]));
    });
  }

  /**
   * @param {string} method
   * @param {Object<string, any>|undefined} params
   * @param {number|null} timeoutMs
   * @returns {Promise<any>}
   */
  async request(method, params, timeoutMs) {
    if (this._closed) throw TallyError.local('UNAVAILABLE', 'the client is closed', false, { sent: false });
    let hello = null;
    if (!this._socket) {
      this._connect();
      if (this.token != null) hello = this._send('session.hello', { token: this.token }, timeoutMs);
    }
    const answer = this._send(method, params, timeoutMs);
    if (hello) {
      answer.catch(() => {}); // settled below; keep Node from reporting it unhandled meanwhile
      try {
        this.hello = await hello;
      } catch (err) {
        // A bad token: drop the connection so that the next call says hello again.
        if (this._socket) this._drop(this._socket, TallyError.local('UNAVAILABLE', 'session.hello failed', true));
        throw err;
      }
    }
    return answer;
  }

  close() {
    this._closed = true;
    if (this._socket) this._drop(this._socket, TallyError.local('UNAVAILABLE', 'closed by the client', false));
  }
}

/**
 * JSON-RPC over HTTP with the global fetch: `POST <url>` with `Authorization: Bearer <token>`.
 */
export class HttpTransport {
  /** @param {{url?: string, token?: string|null, maxMessageBytes?: number}} [options] */
  constructor({ url = 'http://127.0.0.1:7412/rpc', token = null, maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES } = {}) {
    this.url = url;
    this.token = token;
    this.maxMessageBytes = maxMessageBytes;
    this._nextId = 1;
  }

  /**
   * @param {string} method
   * @param {Object<string, any>|undefined} params
   * @param {number|null} timeoutMs
   * @returns {Promise<any>}
   */
  async request(method, params, timeoutMs) {
    const body = encode(method, this._nextId++, params);
    if (body.length > this.maxMessageBytes) {
      throw TallyError.local('RESOURCE_EXHAUSTED', `the request is ${body.length} bytes, over the limit of ${this.maxMessageBytes}; split it`, false, { sent: false });
    }
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let response;
    let text;
    try {
      response = await fetch(this.url, {
        method: 'POST', headers, body,
        signal: timeoutMs == null ? undefined : AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const e = /** @type {any} */ (err);
      if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
        throw TallyError.local('DEADLINE_EXCEEDED', `no answer to ${method} within ${timeoutMs} ms`, true);
      }
      const code = e?.cause?.code;
      const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
      throw TallyError.local('UNAVAILABLE', `cannot reach ${this.url}: ${e?.cause?.message ?? e?.message ?? e}`, true, { sent: !neverSent });
    }
    if (response.status !== 200) throw httpError(response.status, text);
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      throw TallyError.local('INTERNAL', `the server's answer is not JSON: ${text.slice(0, 200)}`, false);
    }
    if (!answer || typeof answer !== 'object' || Array.isArray(answer)) {
      throw TallyError.local('INTERNAL', "the server's answer is not a JSON-RPC response", false);
    }
    if ('error' in answer) throw TallyError.fromErrorObject(answer.error);
    return answer.result;
  }

  close() {}
}

/**
 * @param {number} status
 * @param {string} text
 */
function httpError(status, text) {
  let detail = text;
  try {
    detail = JSON.parse(text).error ?? text;
  } catch {
    // keep the text
  }
  /** @type {[string, boolean]} */
  let kind;
  if (status === 413) kind = ['RESOURCE_EXHAUSTED', false]; // the same body will be too large again
  else if (status === 429) kind = ['RESOURCE_EXHAUSTED', true];
  else if (status === 502 || status === 503 || status === 504) kind = ['UNAVAILABLE', true];
  else if (status === 401) kind = ['UNAUTHENTICATED', false];
  else if (status === 403) kind = ['PERMISSION_DENIED', false];
  else if (status === 404) kind = ['NOT_FOUND', false];
  else if (status >= 500) kind = ['INTERNAL', true];
  else kind = ['INVALID_ARGUMENT', false];
  return TallyError.local(kind[0], `HTTP ${status}: ${detail}`, kind[1], { httpStatus: status });
}
