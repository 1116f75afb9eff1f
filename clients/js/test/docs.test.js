// docs/calling.md: its `js tested` block runs against the real server, over TCP and HTTP.
// The snippet imports 'tally-client'; it is written inside this package (clients/js/.doc-snippets/)
// so that the import resolves to this package through its own "exports".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { server } from '../testing/helpers.js';

const guide = readFileSync(new URL('../../../docs/calling.md', import.meta.url), 'utf8');
const snippets = [...guide.matchAll(/^```js tested\n([\s\S]*?)^```/gm)].map((m) => m[1]);
const dir = fileURLToPath(new URL('../.doc-snippets/', import.meta.url));

test('docs/calling.md has a tested JS block', () => {
  assert.ok(snippets.length >= 1);
});

for (const kind of ['tcp', 'http']) {
  test(`docs/calling.md JS block runs over ${kind}`, () => {
    mkdirSync(dir, { recursive: true });
    try {
      snippets.forEach((code, i) => {
        const file = `${dir}snippet-${kind}-${i}.mjs`;
        writeFileSync(file, code);
        const run = spawnSync(process.execPath, [file], {
          encoding: 'utf8', timeout: 60000,
          env: { ...process.env, TALLY_URL: kind === 'tcp' ? server.tcp : server.http, TALLY_TOKEN: server.token },
        });
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /^docs-demo: 2 events, 0\.0006 USD$/m);
        assert.match(run.stdout, /^doc-call-1 (accepted|duplicate) 0\.00036$/m);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
