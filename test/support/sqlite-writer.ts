/**
 * Writes to a SQLite store in a loop until killed, for the durability test. Each
 * transaction puts a new user and moves a counter under a revision condition; after the
 * store acknowledges it, the writer prints its number on stdout (a pipe, written
 * synchronously on Linux), so the test knows exactly which writes were acknowledged.
 */
import { SqliteStore } from '../../src/store/sqlite.js';

const [file, startText] = process.argv.slice(2);
if (file === undefined || startText === undefined)
  throw new Error('usage: sqlite-writer <file> <start>');
const store = new SqliteStore(file);
const snapshot = await store.snapshot();
let counterRevision = snapshot.entries.get('meta/counter')?.revision ?? 0;
process.stdout.write('ready\n');
for (let n = Number(startText); ; n++) {
  counterRevision = await store.transact(
    [{ key: 'meta/counter', revision: counterRevision }],
    [
      { op: 'put', key: `users/w${String(n)}@pve`, value: `{"enable":true,"expire":${String(n)}}` },
      { op: 'put', key: 'meta/counter', value: String(n) },
    ],
  );
  process.stdout.write(`${String(n)}\n`);
}
