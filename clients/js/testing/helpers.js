// Shared by the test files (kept out of test/, where node --test would run it as a test file).
import { randomUUID } from 'node:crypto';
import { connect } from '../src/index.js';

/** A fixed range: the tests' events carry timestamps in it, so nothing depends on today's date. */
export const RANGE = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
export const TS = '2026-11-03T14:05:00Z';

/** @param {string} name */
export function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with clients/run-tests (it starts a real tally serve)`);
  return value;
}

export const server = {
  get token() { return env('TALLY_TOKEN'); },
  get tcp() { return env('TALLY_TCP'); },
  get http() { return env('TALLY_HTTP'); },
};

/** @param {string} [prefix] */
export function unique(prefix = 'js') {
  return `${prefix}-${randomUUID().slice(0, 12)}`;
}

/**
 * @param {string} client
 * @param {string} [id]
 */
export function event(client, id) {
  /** @type {Object<string, any>} */
  const e = {
    ts: TS, provider: 'openai', model: 'gpt-4o-mini',
    usage: { input_tokens: 1000, output_tokens: 500 },
    client, workflow: { id: 'wf-test', name: 'Client tests' },
  };
  if (id) e.id = id;
  return e;
}

/** @param {'tcp'|'http'} kind @param {Object<string, any>} [options] */
export function client(kind, options = {}) {
  return connect(kind === 'tcp' ? server.tcp : server.http, { token: server.token, backoff: 1, ...options });
}

/**
 * @param {import('../src/client.js').TallyClient} c
 * @param {string} name
 */
export async function spendEvents(c, name) {
  const answer = await c.spendQuery({ group_by: ['client'], filter: { client: name }, ...RANGE });
  return answer.total.events;
}
