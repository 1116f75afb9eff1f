// EventBatcher: buffer usage events and send them with ingest.events in batches.
import { randomUUID } from 'node:crypto';
import { BatcherFull, TallyError } from './errors.js';

/** The server's limit for one ingest.events. */
export const MAX_EVENTS_PER_CALL = 10000;

/**
 * @typedef {Object} BatcherOptions
 * @property {number} [batchSize]  events per ingest.events call, and the count that triggers a flush (default 500)
 * @property {number} [maxBuffered]  the bound of the buffer (default 10000)
 * @property {(event: Object<string, any>, result: Object<string, any>) => void} [onResult]  called for every event's answer
 */

/**
 * Buffers usage events and sends them with `ingest.events`, `batchSize` at a time.
 *
 * - `await add(event)` gives an event without an `id` a random one (randomUUID) *before* it is
 *   buffered, so every resend carries the same id and the server answers a repeat `duplicate`.
 *   Give your own stable ids (e.g. `${$execution.id}-${node}`) to dedupe across restarts too.
 * - When `batchSize` events are buffered, `add()` flushes them (its promise waits for that).
 * - The buffer is bounded by `maxBuffered`. **It rejects, it never blocks**: when the buffer is
 *   full, `add()` rejects with BatcherFull (a TallyError, status RESOURCE_EXHAUSTED, retryable)
 *   and the event is not taken. That only happens while sending fails.
 * - A flush that fails keeps its events, with their ids, for the next flush. The automatic
 *   flush inside `add()` swallows a retryable failure (the client has already retried it; it is
 *   kept in `lastError`) and rejects with any other; `flush()` always rejects.
 * - Answers are counted in `accepted`, `duplicates`, `rejected`; rejected results are kept in
 *   `rejections` (the last 1000).
 */
export class EventBatcher {
  /**
   * @param {import('./client.js').TallyClient} client
   * @param {BatcherOptions} [options]
   */
  constructor(client, { batchSize = 500, maxBuffered = 10000, onResult } = {}) {
    if (!(batchSize >= 1 && batchSize <= MAX_EVENTS_PER_CALL)) throw new RangeError(`batchSize must be 1...${MAX_EVENTS_PER_CALL}`);
    if (maxBuffered < batchSize) throw new RangeError('maxBuffered must be at least batchSize');
    this.client = client;
    this.batchSize = batchSize;
    this.maxBuffered = maxBuffered;
    this.onResult = onResult;
    this.accepted = 0;
    this.duplicates = 0;
    this.rejected = 0;
    /** @type {Object<string, any>[]} */
    this.rejections = [];
    /** @type {TallyError|null} */
    this.lastError = null;
    /** @type {Object<string, any>[]} */
    this._buffer = [];
    /** @type {Promise<any>} */
    this._flushing = Promise.resolve();
  }

  /** Events buffered and not yet taken by the server. */
  get size() {
    return this._buffer.length;
  }

  /**
   * Buffers one event; flushes at `batchSize`.
   * @param {Object<string, any>} event
   * @returns {Promise<void>}
   */
  async add(event) {
    if (!event || typeof event !== 'object' || Array.isArray(event)) throw new TypeError('an event is an object');
    if (this._buffer.length >= this.maxBuffered) {
      throw BatcherFull.local('RESOURCE_EXHAUSTED',
        `the batcher holds ${this._buffer.length} events, its bound; the server has not taken them` +
        (this.lastError ? ` (last error: ${this.lastError})` : ''), true, { sent: false });
    }
    const copy = { ...event };
    if (!copy.id) copy.id = randomUUID();
    this._buffer.push(copy);
    if (this._buffer.length >= this.batchSize) {
      try {
        await this.flush();
      } catch (err) {
        if (!(err instanceof TallyError) || !err.retryable) throw err;
      }
    }
  }

  /**
   * Sends every buffered event; resolves to this flush's counts. Rejects when a call fails;
   * the events not yet taken stay buffered.
   * @returns {Promise<{accepted: number, duplicates: number, rejected: number}>}
   */
  flush() {
    const run = this._flushing.then(() => this._flushNow());
    this._flushing = run.catch(() => {});
    return run;
  }

  async _flushNow() {
    const totals = { accepted: 0, duplicates: 0, rejected: 0 };
    for (;;) {
      const chunk = this._buffer.slice(0, this.batchSize);
      if (chunk.length === 0) return totals;
      let answer;
      try {
        answer = await this.client.ingestEvents({ events: chunk });
      } catch (err) {
        if (err instanceof TallyError) this.lastError = err;
        throw err;
      }
      this._buffer.splice(0, chunk.length);
      this.lastError = null;
      for (const result of answer?.results ?? []) {
        const event = chunk[result.index] ?? {};
        if (result.status === 'accepted') { this.accepted++; totals.accepted++; }
        else if (result.status === 'duplicate') { this.duplicates++; totals.duplicates++; }
        else if (result.status === 'rejected') {
          this.rejected++; totals.rejected++;
          this.rejections.push(result);
          if (this.rejections.length > 1000) this.rejections.splice(0, this.rejections.length - 1000);
        }
        if (this.onResult) this.onResult(event, result);
      }
    }
  }

  /** Flushes what is left. */
  close() {
    return this.flush();
  }
}
