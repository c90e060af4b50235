/** docs/protocol.md §7 and the server's close codes agree, both ways. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CloseCode } from '../../../src/transport/wsTransport.js';
import { ROOT } from '../../helpers/server.js';

function closeCodeTable(): { code: number; sentBy: string }[] {
  const doc = readFileSync(resolve(ROOT, 'docs/protocol.md'), 'utf8');
  const start = doc.indexOf('## 7. Close codes');
  const end = doc.indexOf('\n## 8.', start);
  assert.ok(start >= 0 && end > start, 'docs/protocol.md has a §7 "Close codes"');
  return [...doc.slice(start, end).matchAll(/^\| (\d{4}) \| ([^|]+) \|/gm)].map((m) => ({ code: Number(m[1]), sentBy: (m[2] ?? '').trim() }));
}

test('every close code the WebSocket transport sends is documented in docs/protocol.md §7', () => {
  const documented = new Set(closeCodeTable().map((r) => r.code));
  for (const [name, code] of Object.entries(CloseCode)) assert.ok(documented.has(code), `CloseCode.${name} (${code}) is not in the §7 table`);
});

test('every code §7 says the server sends is one the transport has', () => {
  const sent = new Set<number>(Object.values(CloseCode));
  for (const row of closeCodeTable().filter((r) => r.sentBy.includes('server'))) assert.ok(sent.has(row.code), `§7 documents ${row.code} as sent by the server, but CloseCode has no such code`);
});

test('the request timeout is documented with the code the server sends (close 4008), everywhere it is named', () => {
  const doc = readFileSync(resolve(ROOT, 'docs/protocol.md'), 'utf8');
  const rows = doc.split('\n').filter((l) => /time from connect to `request`|no stream request received in time/.test(l) || /no request arrived within/.test(l));
  assert.ok(rows.length >= 2, 'the limit and the close-code rows exist');
  for (const l of doc.split('\n').filter((x) => /time from connect to `request`/.test(x))) assert.match(l, new RegExp(`close ${CloseCode.requestTimeout}\\b`), l);
  // Any "close NNNN" in the document names a code of the §7 table.
  const documented = new Set(closeCodeTable().map((r) => r.code));
  for (const m of doc.matchAll(/close (\d{4})\b/g)) assert.ok(documented.has(Number(m[1])), `"close ${m[1]}" is not in §7`);
});
