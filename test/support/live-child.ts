/**
 * A second Tessera process for tests: follows a store with a live view and prints one line
 * per snapshot it swaps in (`<revision> <unix ms> <users>`), so a test can see when a change
 * written elsewhere arrived. Reads `check <authid> <path> <privilege>` lines on stdin and
 * answers `can <0|1>` from the current snapshot.
 */
import { createInterface } from 'node:readline';
import { parseAclPath } from '../../src/model/acl-path.js';
import { parseAuthid } from '../../src/model/ids.js';
import { isPrivilege } from '../../src/model/privileges.js';
import { LiveAccess } from '../../src/store/live.js';
import { openStore } from '../../src/store/open.js';
import { engineFor } from '../../src/permissions/current.js';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: live-child <store url>');
const live = await LiveAccess.open(await openStore(url));
const report = (revision: number, users: number): void => {
  process.stdout.write(`${String(revision)} ${String(Date.now())} ${String(users)}\n`);
};
report(live.snapshot.revision, live.snapshot.users.users.size);
live.onChange((snapshot) => {
  report(snapshot.revision, snapshot.users.users.size);
});
for await (const line of createInterface({ input: process.stdin })) {
  const [command, authid = '', path = '', privilege = ''] = line.split(' ');
  if (command === 'check' && isPrivilege(privilege)) {
    const can = engineFor(live).can(parseAuthid(authid), parseAclPath(path), privilege);
    process.stdout.write(`can ${can ? '1' : '0'}\n`);
  }
}
await live.close();
