// The JS client against the real server, over TCP and HTTP.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { connect, TallyClient, TallyError, METHODS } from '../src/index.js';
import { RANGE, client, event, server, spendEvents, unique } from '../testing/helpers.js';

const contract = JSON.parse(readFileSync(new URL('../../../proto/openrpc.json', import.meta.url), 'utf8'));

for (const kind of /** @type {const} */ (['tcp', 'http'])) {
  describe(`over ${kind}`, () => {
    test('health.check', async () => {
      const c = client(kind);
      try {
        assert.equal((await c.healthCheck()).status, 'SERVING');
      } finally { c.close(); }
    });

    test('ingest two events, then spend.query by client', async () => {
      const c = client(kind);
      try {
        const name = unique('acme');
        const answer = await c.ingestEvents({ events: [event(name, unique()), event(name, unique())] });
        assert.equal(answer.accepted, 2);
        assert.equal(answer.results[0].cost, '0.00045');
        const spend = await c.spendQuery({ group_by: ['client'], filter: { client: name }, ...RANGE });
        assert.equal(spend.rows[0].client, name);
        assert.equal(spend.total.events, 2);
        assert.equal(spend.total.cost, '0.0009');
      } finally { c.close(); }
    });

    test('the same id again is a duplicate', async () => {
      const c = client(kind);
      try {
        const name = unique('dup');
        const id = unique();
        assert.equal((await c.ingestEvents({ events: [event(name, id)] })).results[0].status, 'accepted');
        assert.equal((await c.ingestEvents({ events: [event(name, id)] })).results[0].status, 'duplicate');
        assert.equal(await spendEvents(c, name), 1);
      } finally { c.close(); }
    });

    test('an unknown param rejects with a TallyError naming the field', async () => {
      const c = client(kind);
      try {
        await assert.rejects(c.call('spend.query', { bogus: 1 }), (err) => {
          assert.ok(err instanceof TallyError);
          assert.deepEqual([err.code, err.status, err.retryable, err.field], [-32602, 'INVALID_ARGUMENT', false, 'bogus']);
          assert.equal(err.data.status, 'INVALID_ARGUMENT');
          assert.match(err.message, /bogus/);
          return true;
        });
        await assert.rejects(c.call('nope.nothing'), { code: -32601, status: 'UNIMPLEMENTED' });
      } finally { c.close(); }
    });

    test('a bad token is UNAUTHENTICATED', async () => {
      const c = connect(kind === 'tcp' ? server.tcp : server.http, { token: `tly_${'x'.repeat(43)}`, retries: 0 });
      try {
        await assert.rejects(c.spendQuery(), { code: -32001, status: 'UNAUTHENTICATED', retryable: false });
      } finally { c.close(); }
    });

    test('a role is enforced; tokens.create, list, revoke', async () => {
      const admin = client(kind);
      try {
        const created = await admin.tokensCreate({ role: 'ingest', label: unique('nodetest') });
        assert.match(created.token, /^tly_/);
        assert.ok((await admin.tokensList()).tokens.some((t) => t.id === created.id));
        const ingestOnly = connect(kind === 'tcp' ? server.tcp : server.http, { token: created.token, retries: 0 });
        try {
          assert.equal((await ingestOnly.ingestEvents({ events: [event(unique('role'), unique())] })).accepted, 1);
          await assert.rejects(ingestOnly.spendQuery(), { code: -32003, status: 'PERMISSION_DENIED' });
        } finally { ingestOnly.close(); }
        assert.deepEqual(await admin.tokensRevoke({ id: created.id }), { id: created.id, revoked: true });
      } finally { admin.close(); }
    });

    test('rpc.discover lists the contract', async () => {
      const c = client(kind);
      try {
        const served = await c.rpcDiscover();
        assert.deepEqual(served.methods.map((m) => m.name), contract.methods.map((m) => m.name));
        assert.deepEqual(Object.keys(METHODS).sort(), contract.methods.map((m) => m.name).sort());
      } finally { c.close(); }
    });

    test('read helpers', async () => {
      const c = client(kind);
      try {
        assert.ok(Array.isArray((await c.spendQuery({ group_by: ['client', 'day'], timezone: 'Europe/Berlin', limit: 10, ...RANGE })).rows));
        assert.ok(Array.isArray((await c.eventsList({ limit: 2, ...RANGE })).events));
        assert.ok(Array.isArray((await c.pricesList({ provider: 'openai', limit: 3 })).prices));
      } finally { c.close(); }
    });

    test('a request over the limit is refused before it is sent', async () => {
      const c = client(kind);
      try {
        await assert.rejects(c.call('health.check', { service: 'x'.repeat(5 * 1024 * 1024) }),
          { status: 'RESOURCE_EXHAUSTED', retryable: false, fromServer: false, sent: false });
      } finally { c.close(); }
    });
  });
}

test('tcp: many calls pipelined on one connection are matched by id', async () => {
  const c = client('tcp');
  try {
    const name = unique('pipe');
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => c.ingestEvents({ events: [event(name, `${name}-${i}`)] })));
    assert.deepEqual(answers.map((a) => a.results[0].id), Array.from({ length: 50 }, (_, i) => `${name}-${i}`));
    assert.equal(await spendEvents(c, name), 50);
  } finally { c.close(); }
});

test('tcp: a dropped connection is reopened with a new hello', async () => {
  const c = client('tcp');
  try {
    await c.healthCheck();
    const first = c.transport._socket;
    first.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(Array.isArray((await c.spendQuery(RANGE)).rows));
    assert.notEqual(c.transport._socket, first);
    assert.equal(c.transport.hello.agency, 'demo');
  } finally { c.close(); }
});

test('an idle TCP client does not keep the process alive', () => {
  // A script that makes a call and never closes its client must still end.
  const script = `import { connect } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)};
    const c = connect(process.env.TALLY_TCP, { token: process.env.TALLY_TOKEN });
    console.log((await c.healthCheck()).status);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30000 });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trim(), 'SERVING');
});

test('TallyClient.tcp / .http constructors', async () => {
  const [host, port] = server.tcp.slice('tcp://'.length).split(':');
  const t = TallyClient.tcp({ host, port: Number(port), token: server.token });
  const h = TallyClient.http({ url: server.http, token: server.token });
  try {
    assert.equal((await t.healthCheck()).status, 'SERVING');
    assert.equal((await h.healthCheck({ service: 'tally' })).status, 'SERVING');
  } finally { t.close(); h.close(); }
});

test('connection refused is UNAVAILABLE and never sent', async () => {
  const port = await new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
  for (const url of [`tcp://127.0.0.1:${port}`, `http://127.0.0.1:${port}/rpc`]) {
    const c = connect(url, { token: 'tly_x', retries: 1, backoff: 1 });
    await assert.rejects(c.tokensCreate({ role: 'read' }), { code: -32004, status: 'UNAVAILABLE', retryable: true, sent: false });
    c.close();
  }
});
