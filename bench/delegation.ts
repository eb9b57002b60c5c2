/**
 * The delegation check (`firstExcess`, docs/compatibility.md) on the generated target-size
 * configuration: how long deciding "does the actor hold everything this user holds" takes
 * for one change of another user's account, for random pairs of users.
 */
import { parseArgs } from 'node:util';
import { parseAuthid } from '../src/model/ids.js';
import { PermissionEngine } from '../src/permissions/engine.js';
import { firstExcess } from '../src/permissions/excess.js';
import { generateConfig, TARGET_SIZE } from './generate.js';
import { Random } from './random.js';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { seed: { type: 'string', default: '20261123' } },
});
const config = generateConfig(TARGET_SIZE, Number(values.seed));
const users = [...config.users.keys()] as string[];
const random = new Random(Number(values.seed));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

// A fresh engine per pair: a change is decided on the snapshot's engine, whose cache may
// hold nothing of these two users yet.
const millis: number[] = [];
let refused = 0;
for (let i = 0; i < 100; i++) {
  const engine = PermissionEngine.compile(config);
  const actor = parseAuthid(random.pick(users));
  const other = parseAuthid(random.pick(users));
  const start = now();
  if (firstExcess({ engine, authid: actor }, { engine, authid: other }) !== undefined) refused++;
  millis.push(now() - start);
}
millis.sort((a, b) => a - b);
const at = (q: number): string => (millis[Math.floor(q * (millis.length - 1))] ?? 0).toFixed(2);
console.log(
  `delegation check (${String(config.users.size)} users, ${String(config.acl.size)} ACL paths), ` +
    `100 random pairs on a fresh engine: median ${at(0.5)} ms, p99 ${at(0.99)} ms, ` +
    `max ${at(1)} ms (${String(refused)} refused)`,
);
