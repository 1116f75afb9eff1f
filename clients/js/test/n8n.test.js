// clients/n8n: the example workflow is consistent, and its Code node and HTTP Request bodies,
// evaluated with stand-ins for n8n's $input/$execution/$workflow/$json, work against the real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { server, unique } from '../testing/helpers.js';

const dir = new URL('../../n8n/', import.meta.url);
const workflow = JSON.parse(readFileSync(new URL('tally-usage-workflow.json', dir), 'utf8'));
const snippet = readFileSync(new URL('build-event.js', dir), 'utf8');
const contract = JSON.parse(readFileSync(new URL('../../../proto/openrpc.json', import.meta.url), 'utf8'));
const node = (name) => {
  const found = workflow.nodes.find((n) => n.name === name);
  assert.ok(found, `no node ${name}`);
  return found;
};

/** Evaluates an n8n expression `={{ js }}` with the given variables. */
function expression(text, vars) {
  const m = /^=\{\{([\s\S]*)\}\}$/.exec(text);
  assert.ok(m, `not an n8n expression: ${text}`);
  return new Function(...Object.keys(vars), `return (${m[1]});`)(...Object.values(vars));
}

/** @param {string} body */
async function post(body) {
  const response = await fetch(server.http, { method: 'POST', headers: { authorization: `Bearer ${server.token}` }, body });
  assert.equal(response.status, 200);
  return response.json();
}

test('the workflow is wired: every connection names a node; the Code node holds build-event.js', () => {
  const names = new Set(workflow.nodes.map((n) => n.name));
  for (const [from, outputs] of Object.entries(workflow.connections)) {
    assert.ok(names.has(from), from);
    for (const output of outputs.main) for (const c of output) assert.ok(names.has(c.node), c.node);
  }
  assert.equal(node('Build Tally events').parameters.jsCode, snippet);
  assert.equal(node('Tally: ingest.events').parameters.url, 'http://tally:7412/rpc');
  assert.equal(node('Stop: over budget').type, 'n8n-nodes-base.stopAndError');
  // IF: output 0 (denied) stops, output 1 goes on to the LLM call.
  const branches = workflow.connections['Budget denied?'].main;
  assert.equal(branches[0][0].node, 'Stop: over budget');
  assert.equal(branches[1][0].node, 'LLM call (OpenAI chat completions)');
});

test('Code node + ingest.events body: accepted, and a resend is a duplicate', async () => {
  const executionId = unique('exec');
  const items = [
    // An OpenAI chat completion as the HTTP Request node returns it.
    { json: { id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o-mini-2024-07-18',
      usage: { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 200 } } } },
    // A LangChain-based node's output.
    { json: { text: 'hi', model: 'gpt-4o-mini', tokenUsage: { promptTokens: 1000, completionTokens: 500, totalTokens: 1500 } } },
  ];
  const run = new Function('$input', '$execution', '$workflow', '$prevNode', snippet);
  const output = run({ all: () => items }, { id: executionId }, { id: 'wf-n8n', name: 'Acme - Summarizer' }, { name: 'LLM call' });
  const { events } = output[0].json;
  assert.equal(events.length, 2);
  assert.equal(events[0].execution_id, executionId);
  assert.deepEqual(events[0].workflow, { id: 'wf-n8n', name: 'Acme - Summarizer' });
  const body = expression(node('Tally: ingest.events').parameters.jsonBody, { $json: { events }, $execution: { id: executionId } });
  const first = await post(body);
  assert.equal(first.result.accepted, 2, JSON.stringify(first));
  assert.equal(first.result.results[0].cost, '0.000345'); // 1000 uncached + 200 cached input, 300 output
  assert.equal(first.result.results[1].cost, '0.00045');
  const again = await post(body); // the HTTP Request node's "Retry On Fail" re-sends the same body
  assert.deepEqual(again.result.results.map((r) => r.status), ['duplicate', 'duplicate']);
});

test('budgets.check body and the IF condition', async () => {
  const body = expression(node('Tally: budgets.check').parameters.jsonBody, {});
  assert.equal(JSON.parse(body).method, 'budgets.check');
  const answer = await post(body);
  const denied = (json) => expression(node('Budget denied?').parameters.conditions.conditions[0].leftValue, { $json: json });
  if (contract.methods.some((m) => m.name === 'budgets.check')) {
    if (answer.result) {
      assert.equal(typeof answer.result.allowed, 'boolean', JSON.stringify(answer));
      assert.equal(denied(answer), answer.result.allowed === false);
    } else {
      // e.g. no budget set for the client in this fresh ledger: an error answer, fail-open.
      assert.notEqual(answer.error.code, -32601, JSON.stringify(answer));
      assert.equal(denied(answer), false);
    }
  } else {
    // Not served yet: an error answer. The IF lets the workflow go on (fail-open; see the README).
    assert.equal(answer.error.code, -32601);
    assert.equal(denied(answer), false);
  }
  assert.equal(denied({ result: { allowed: false, remaining: '0' } }), true);
  assert.equal(denied({ result: { allowed: true, remaining: '12.50' } }), false);
});
