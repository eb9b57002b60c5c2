/**
 * Login benchmarks: hostile logins against the requests of others, on loopback over HTTP,
 * with the attack in a separate process and every client address simulated through
 * X-Forwarded-For from a trusted proxy (127.0.0.1).
 *
 * - (a) Oversized and costly logins: 1 MB passwords, and wrong passwords for a user whose
 *   imported hash is `$6$` with the most rounds Tessera accepts (100,000), while another
 *   client polls an authenticated `GET /version`. Its median and p99 latency against the
 *   same without the attack.
 * - (b) A flood of wrong passwords from 200 addresses (each below the per-address limit):
 *   median and p99 of correct logins, each from a new address, as a ratio to the same without
 *   the flood (target <= 2x).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { encrypt } from 'unixcrypt';
import { buildApi } from '../src/api/server.js';
import { hashPassword } from '../src/auth/password.js';
import { parseUserId } from '../src/model/ids.js';
import { bootstrap } from '../src/services/bootstrap.js';
import { liveContext } from '../src/services/context.js';
import { ensureServerKeys } from '../src/services/server-keys.js';
import { createUser } from '../src/services/users.js';
import { LiveAccess } from '../src/store/live.js';
import { MemoryStore } from '../src/store/memory.js';

const FLOOD_ADDRESSES = 200;
const FLOOD_USERS = 20;

interface Attack {
  readonly kind: 'flood' | 'costly';
  readonly url: string;
  readonly seconds: number;
}

/** The attacker's process: every address sends its next attempt when the last is answered. */
async function attack({ kind, url, seconds }: Attack): Promise<void> {
  const until = Date.now() + seconds * 1000;
  let sent = 0;
  const big = 'x'.repeat(1024 * 1024 - 200);
  const one = async (index: number): Promise<void> => {
    let round = 0;
    while (Date.now() < until) {
      round++;
      const password =
        kind === 'costly'
          ? index % 2 === 0
            ? big
            : `wrong ${String(round)}`
          : `wrong ${String(round)}`;
      const username =
        kind === 'costly' ? 'carol@pve' : `user${String((index + round) % FLOOD_USERS)}@pve`;
      try {
        const response = await fetch(`${url}/access/ticket`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': `10.${String(index >> 8)}.${String(index & 255)}.9`,
          },
          body: new URLSearchParams({ username, password }).toString(),
        });
        await response.arrayBuffer();
      } catch {
        // The server may close while attempts are in flight.
      }
      sent++;
    }
  };
  const senders = kind === 'costly' ? 16 : FLOOD_ADDRESSES;
  await Promise.all(Array.from({ length: senders }, (_, i) => one(i)));
  process.stdout.write(JSON.stringify({ sent }));
}

function startAttack(options: Attack): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--attack', JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const done = new Promise<number>((resolve) =>
    child.on('exit', () => {
      try {
        resolve((JSON.parse(out) as { sent: number }).sent);
      } catch {
        resolve(0);
      }
    }),
  );
  return { child, done };
}

const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

interface Server {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly live: LiveAccess;
  readonly ticket: string;
}

async function serve(): Promise<Server> {
  const live = await LiveAccess.open(new MemoryStore());
  const ctx = liveContext(live);
  await bootstrap(ctx);
  await ensureServerKeys(ctx, Math.floor(Date.now() / 1000) - 10);
  await createUser(ctx, {
    userid: parseUserId('dave@pve'),
    passwordHash: await hashPassword('dave password'),
  });
  await createUser(ctx, {
    userid: parseUserId('carol@pve'),
    passwordHash: encrypt('carol password', '$6$rounds=100000$saltsalt'),
  });
  for (let i = 0; i < FLOOD_USERS; i++)
    await createUser(ctx, {
      userid: parseUserId(`user${String(i)}@pve`),
      passwordHash: await hashPassword(`user password ${String(i)}`),
    });
  const app = await buildApi({ live }, undefined, ['127.0.0.1']);
  const url = `${await app.listen({ host: '127.0.0.1', port: 0 })}/api2/json`;
  const ticket = (await correctLogin(url, '10.250.0.1')).ticket;
  return { app, url, live, ticket };
}

async function correctLogin(url: string, from: string): Promise<{ ticket: string; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${url}/access/ticket`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': from },
    body: new URLSearchParams({ username: 'dave@pve', password: 'dave password' }).toString(),
  });
  const body = (await response.json()) as { data: { ticket?: string } | null };
  if (response.status !== 200 || body.data?.ticket === undefined)
    throw new Error(`correct login from ${from} answered ${String(response.status)}`);
  return { ticket: body.data.ticket, ms: performance.now() - started };
}

/** Correct logins one after the other, each from an address not seen before. */
async function correctLogins(server: Server, count: number, first: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = first + i;
    times.push((await correctLogin(server.url, `172.16.${String(n >> 8)}.${String(n & 255)}`)).ms);
    await sleep(50);
  }
  return times;
}

/** Another client's authenticated reads, one after the other. */
async function reads(server: Server, seconds: number): Promise<number[]> {
  const until = Date.now() + seconds * 1000;
  const times: number[] = [];
  while (Date.now() < until) {
    const started = performance.now();
    const response = await fetch(`${server.url}/version`, {
      headers: { cookie: `PVEAuthCookie=${encodeURIComponent(server.ticket)}` },
    });
    await response.arrayBuffer();
    if (response.status !== 200)
      throw new Error(`GET /version answered ${String(response.status)}`);
    times.push(performance.now() - started);
    await sleep(10);
  }
  return times;
}

function report(name: string, base: number[], loaded: number[], note: string): void {
  const b50 = quantile(base, 0.5);
  const b99 = quantile(base, 0.99);
  const l50 = quantile(loaded, 0.5);
  const l99 = quantile(loaded, 0.99);
  console.log(`  ${name}`);
  console.log(`    baseline: median ${ms(b50)}, p99 ${ms(b99)} (${String(base.length)} requests)`);
  console.log(`    ${note}: median ${ms(l50)}, p99 ${ms(l99)} (${String(loaded.length)} requests)`);
  console.log(`    ratio: median ${(l50 / b50).toFixed(2)}x, p99 ${(l99 / b99).toFixed(2)}x`);
}

async function main(): Promise<void> {
  console.log('\nlogins under attack (HTTP on loopback, addresses through X-Forwarded-For)');
  const server = await serve();
  try {
    // (a) Oversized and costly logins against another client's reads.
    const quiet = await reads(server, 4);
    const costly = startAttack({ kind: 'costly', url: server.url, seconds: 6 });
    await sleep(1000);
    const underCostly = await reads(server, 4);
    const costlySent = await costly.done;
    report(
      'GET /version of another client, during 1 MB passwords and $6$ rounds=100000 logins',
      quiet,
      underCostly,
      `during ${String(costlySent)} hostile logins`,
    );
    // Let the throttle's bans of the costly attack not matter: new addresses follow.
    await sleep(500);
    // (b) Correct logins during a flood of wrong passwords from 200 addresses.
    const baseline = await correctLogins(server, 60, 0);
    const flood = startAttack({ kind: 'flood', url: server.url, seconds: 14 });
    await sleep(3000);
    const during = await correctLogins(server, 60, 1000);
    const floodSent = await flood.done;
    report(
      `correct logins, each from a new address, during a flood from ${String(FLOOD_ADDRESSES)} addresses`,
      baseline,
      during,
      `during ${String(floodSent)} wrong passwords`,
    );
    console.log('    target: ratio <= 2x');
  } finally {
    await server.app.close();
    await server.live.close();
  }
}

if (process.argv[2] === '--attack') await attack(JSON.parse(process.argv[3] ?? '{}') as Attack);
else await main();
