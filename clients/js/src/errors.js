/** The server's error table (docs/api.md): status -> code. */
export const CODES = Object.freeze({
  INVALID_ARGUMENT: -32007,
  INTERNAL: -32603,
  UNAUTHENTICATED: -32001,
  DEADLINE_EXCEEDED: -32002,
  PERMISSION_DENIED: -32003,
  UNAVAILABLE: -32004,
  RESOURCE_EXHAUSTED: -32005,
  NOT_FOUND: -32006,
  FAILED_PRECONDITION: -32008,
  ALREADY_EXISTS: -32009,
});

/**
 * A failed call.
 *
 * - `code`: the JSON-RPC error code. Failures the client finds itself (time-out, lost
 *   connection, a message too large to send) use the code of the matching row of the server's
 *   table (-32002 DEADLINE_EXCEEDED, -32004 UNAVAILABLE, -32005 RESOURCE_EXHAUSTED).
 * - `message` (the error's message, as sent), `status` (error.data.status), `retryable` (error.data.retryable),
 *   `field` (error.data.field or null), `data` (error.data, `{}` when absent).
 * - `fromServer`: false when the client raised it without an answer.
 * - `sent`: false when the request certainly never reached the server.
 * - `httpStatus`: the HTTP status of a non-JSON-RPC HTTP answer (413, 503, ...), else null.
 */
export class TallyError extends Error {
  /**
   * @param {number} code
   * @param {string} message
   * @param {{status?: string|null, retryable?: boolean, field?: string|null, data?: Object<string, any>,
   *          fromServer?: boolean, sent?: boolean, httpStatus?: number|null}} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.name = 'TallyError';
    /** @type {number} */ this.code = code;
    /** @type {string|null} */ this.status = details.status ?? null;
    /** @type {boolean} */ this.retryable = Boolean(details.retryable);
    /** @type {string|null} */ this.field = details.field ?? null;
    /** @type {Object<string, any>} */ this.data = details.data ?? {};
    /** @type {boolean} */ this.fromServer = details.fromServer ?? true;
    /** @type {boolean} */ this.sent = details.sent ?? true;
    /** @type {number|null} */ this.httpStatus = details.httpStatus ?? null;
  }

  toString() {
    return `${this.name}: ${this.status ?? 'ERROR'} (${this.code}): ${this.message}`;
  }

  /**
   * From a JSON-RPC error object.
   * @param {any} error
   * @returns {TallyError}
   */
  static fromErrorObject(error) {
    if (error === null || typeof error !== 'object') {
      return new TallyError(-32603, `malformed error object: ${JSON.stringify(error)}`, { status: 'INTERNAL' });
    }
    const data = error.data && typeof error.data === 'object' ? error.data : {};
    return new TallyError(Number.isInteger(error.code) ? error.code : -32603, String(error.message ?? ''), {
      status: typeof data.status === 'string' ? data.status : null,
      retryable: Boolean(data.retryable),
      field: typeof data.field === 'string' ? data.field : null,
      data,
    });
  }

  /**
   * A failure found by the client itself.
   * @param {string} status
   * @param {string} message
   * @param {boolean} retryable
   * @param {{sent?: boolean, httpStatus?: number|null}} [more]
   * @returns {TallyError}
   */
  static local(status, message, retryable, more = {}) {
    return new this(CODES[status] ?? -32603, message, {
      status, retryable, data: { status, retryable }, fromServer: false, sent: more.sent ?? true,
      httpStatus: more.httpStatus ?? null,
    });
  }
}

/** EventBatcher.add() found its buffer at its bound (sending has been failing). */
export class BatcherFull extends TallyError {
  constructor(code, message, details) {
    super(code, message, details);
    this.name = 'BatcherFull';
  }
}
