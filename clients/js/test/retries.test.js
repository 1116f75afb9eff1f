// Retries (same event ids, never double-counted), time-outs, and the batcher, against the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { BatcherFull, HttpTransport, TallyClient, TallyError, TcpTransport, connect } from '../src/index.js';
import { RANGE, client, event, server, spendEvents, unique } from '../testing/helpers.js';

/** Forwards to the real server, then drops the first `lose` answers (as a time-out would). */
class LoseAnswers {
  constructor(inner, lose = 1) { this.inner = inner; this.lose = lose; this.sent = []; }
  async request(method, params, timeout) {
    this.sent.push([method, structuredClone(params)]);
    const result = await this.inner.request(method, params, timeout);
    if (this.lose > 0) {
      this.lose--;
      throw TallyError.local('DEADLINE_EXCEEDED', 'answer lost (test)', true);
    }
    return result;
  }
  close() { this.inner.close(); }
}

/** Answers the first `fail` calls with a server error, without forwarding them. */
class FailFirst {
  constructor(inner, fail, status = 'UNAVAILABLE', retryable = true) {
    this.inner = inner; this.fail = fail; this.status = status; this.retryable = retryable; this.calls = 0;
  }
  async request(method, params, timeout) {
    this.calls++;
    if (this.fail > 0) {
      this.fail--;
      throw new TallyError(-32004, 'down (test)', { status: this.status, retryable: this.retryable, data: { status: this.status } });
    }
    return this.inner.request(method, params, timeout);
  }
  close() { this.inner.close(); }
}

/** @param {'tcp'|'http'} kind */
function real(kind) {
  if (kind === 'tcp') {
    const [host, port] = server.tcp.slice('tcp://'.length).split(':');
    return new TcpTransport({ host, port: Number(port), token: server.token });
  }
  return new HttpTransport({ url: server.http, token: server.token });
}

for (const kind of /** @type {const} */ (['tcp', 'http'])) {
  test(`${kind}: a lost answer is retried with the same ids and counted once`, async () => {
    const transport = new LoseAnswers(real(kind));
    const c = new TallyClient(transport, { backoff: 1 });
    try {
      const name = unique('retry');
      const events = [event(name, unique()), event(name, unique())];
      const answer = await c.ingestEvents({ events });
      assert.equal(transport.sent.length, 2);
      assert.deepEqual(transport.sent[0], transport.sent[1]);
      assert.deepEqual(answer.results.map((r) => r.status), ['duplicate', 'duplicate']);
      assert.deepEqual(answer.results.map((r) => r.id), events.map((e) => e.id));
      assert.equal(await spendEvents(c, name), 2);
    } finally { c.close(); }
  });
}

test('a retryable server error is retried; retries run out; a non-retryable one is not retried', async () => {
  let transport = new FailFirst(real('http'), 2);
  assert.equal((await new TallyClient(transport, { backoff: 1, retries: 3 }).healthCheck()).status, 'SERVING');
  assert.equal(transport.calls, 3);
  transport = new FailFirst(real('http'), 5);
  await assert.rejects(new TallyClient(transport, { backoff: 1, retries: 2 }).healthCheck(), { status: 'UNAVAILABLE' });
  assert.equal(transport.calls, 3);
  transport = new FailFirst(real('http'), 1, 'INVALID_ARGUMENT', false);
  await assert.rejects(new TallyClient(transport, { backoff: 1 }).healthCheck(), TallyError);
  assert.equal(transport.calls, 1);
});

test('the lost answer of an admin call is not resent', async () => {
  const transport = new LoseAnswers(real('http'));
  const c = new TallyClient(transport, { backoff: 1 });
  await assert.rejects(c.tokensCreate({ role: 'read', label: unique('not-twice') }), { status: 'DEADLINE_EXCEEDED' });
  assert.equal(transport.sent.length, 1);
  transport.lose = 1;
  assert.ok(Array.isArray((await c.call('tokens.list', {}, { resendSafe: true })).tokens));
});

test('time-outs over TCP and HTTP', async () => {
  const sockets = [];
  const silent = net.createServer((s) => sockets.push(s)); // accepts, never answers
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {net.AddressInfo} */ (silent.address());
  try {
    for (const url of [`tcp://127.0.0.1:${port}`, `http://127.0.0.1:${port}/rpc`]) {
      const c = connect(url, { token: 'tly_x', timeout: 200, retries: 1, backoff: 1 });
      await assert.rejects(c.healthCheck(), { code: -32002, status: 'DEADLINE_EXCEEDED', retryable: true, fromServer: false });
      c.close();
    }
  } finally {
    sockets.forEach((s) => s.destroy());
    silent.close();
  }
});

test('batcher: flushes at batchSize and on flush()', async () => {
  const c = client('tcp');
  try {
    const name = unique('batch');
    const batcher = c.batcher({ batchSize: 3 });
    for (let i = 0; i < 7; i++) await batcher.add(event(name)); // no id: the batcher gives one
    assert.equal(batcher.size, 1);
    assert.equal(batcher.accepted, 6);
    assert.deepEqual(await batcher.flush(), { accepted: 1, duplicates: 0, rejected: 0 });
    assert.equal(batcher.size, 0);
    assert.equal(await spendEvents(c, name), 7);
  } finally { c.close(); }
});

test('batcher: rejected events are counted and kept; onResult sees every answer', async () => {
  const c = client('http');
  const seen = [];
  const batcher = c.batcher({ batchSize: 100, onResult: (e, r) => seen.push(r.status) });
  await batcher.add(event(unique('ctx'), unique()));
  await batcher.add({ id: unique(), provider: 'openai', model: 'gpt-4o', usage: { input_tokens: -1 } });
  await batcher.close();
  assert.equal(batcher.accepted, 1);
  assert.equal(batcher.rejected, 1);
  assert.equal(batcher.rejections[0].error.field, 'events[1].usage');
  assert.deepEqual(seen, ['accepted', 'rejected']);
});

test('batcher: the bound rejects; failed events keep their ids until the server takes them', async () => {
  const transport = new FailFirst(real('tcp'), 1e9);
  const c = new TallyClient(transport, { retries: 0 });
  try {
    const name = unique('bound');
    const batcher = c.batcher({ batchSize: 2, maxBuffered: 4 });
    for (let i = 0; i < 4; i++) await batcher.add(event(name)); // automatic flushes fail (retryable): kept
    assert.equal(batcher.size, 4);
    assert.ok(batcher.lastError);
    const ids = batcher._buffer.map((e) => e.id);
    await assert.rejects(batcher.add(event(name)), (err) => err instanceof BatcherFull && err.status === 'RESOURCE_EXHAUSTED' && err.retryable);
    await assert.rejects(batcher.flush(), TallyError);
    transport.fail = 0;
    assert.deepEqual(await batcher.flush(), { accepted: 4, duplicates: 0, rejected: 0 });
    const listed = await c.eventsList({ filter: { client: name }, limit: 10, ...RANGE });
    assert.deepEqual(listed.events.map((e) => e.id).sort(), ids.sort());
  } finally { c.close(); }
});

test('batcher: a lost answer during a flush is not double-counted', async () => {
  const transport = new LoseAnswers(real('http'));
  const c = new TallyClient(transport, { backoff: 1 });
  const name = unique('lost');
  const batcher = c.batcher({ batchSize: 5 });
  for (let i = 0; i < 5; i++) await batcher.add(event(name));
  assert.equal(batcher.duplicates, 5);
  assert.equal(batcher.accepted, 0);
  assert.equal(await spendEvents(c, name), 5);
});

test('batcher: a non-retryable failure rejects add() and keeps the event', async () => {
  const c = connect(server.tcp, { token: `tly_${'y'.repeat(43)}`, retries: 0 });
  try {
    const batcher = c.batcher({ batchSize: 1 });
    await assert.rejects(batcher.add(event(unique('unauth'))), { status: 'UNAUTHENTICATED' });
    assert.equal(batcher.size, 1);
  } finally { c.close(); }
});
