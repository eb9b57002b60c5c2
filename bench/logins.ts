/**
 * Login benchmarks: hostile logins against the requests of others, on loopback over HTTP,
 * with the attack in a separate process and every client address simulated through
 * X-Forwarded-For from a trusted proxy (127.0.0.1).
 *
 * - (a) Oversized and costly requests: logins with the largest body a login may have (64 KiB
 *   of percent-escapes, the costliest to parse), with 1 MB bodies, and with wrong passwords
 *   for a user whose imported hash is `$6$` with the most rounds Tessera accepts (100,000),
 *   and unauthenticated 500 kB bodies to other methods, while another client polls an
 *   authenticated `GET /version`. Its median and p99 latency against the same without the
 *   attack.
 * - (b) A flood of wrong passwords from 200 addresses (each below the per-address limit):
 *   median and p99 of correct logins, each from a new address, as a ratio to the same without
 *   the flood (target <= 2x). Quiet and flooded phases alternate, so that the machine's own
 *   noise falls on both alike.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
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
  /** Each attack its own addresses: the throttle remembers earlier ones. */
  readonly network: number;
}

/** One hostile request of the costly kind, by its sender's index and round. */
function costlyRequest(index: number, round: number): { path: string; body: string } {
  switch (index % 4) {
    case 0: // The largest login body accepted: a password of percent-escapes.
      return {
        path: '/access/ticket',
        body: new URLSearchParams({
          username: 'carol@pve',
          password: 'é'.repeat(10 * 1024),
        }).toString(),
      };
    case 1: // Larger than a login may be: refused before it is read.
      return {
        path: '/access/ticket',
        body: new URLSearchParams({
          username: 'carol@pve',
          password: 'x'.repeat(1 << 20),
        }).toString(),
      };
    case 2: // Without credentials, to a method that takes large bodies: never parsed.
      return {
        path: '/access/users',
        body: new URLSearchParams({ userid: 'x@pve', comment: 'é'.repeat(80 * 1024) }).toString(),
      };
    default: // Wrong passwords for the costliest stored hash.
      return {
        path: '/access/ticket',
        body: new URLSearchParams({
          username: 'carol@pve',
          password: `wrong ${String(round)}`,
        }).toString(),
      };
  }
}

/**
 * The attacker's process: every address sends its next attempt when the last is answered,
 * until its standard input closes.
 */
async function attack({ kind, url, network }: Attack): Promise<void> {
  let stopped = false;
  process.stdin.resume();
  process.stdin.on('end', () => (stopped = true));
  process.stdin.on('close', () => (stopped = true));
  let sent = 0;
  const one = async (index: number): Promise<void> => {
    let round = 0;
    while (!stopped) {
      round++;
      const { path, body } =
        kind === 'costly'
          ? costlyRequest(index, round)
          : {
              path: '/access/ticket',
              body: new URLSearchParams({
                username: `user${String((index + round) % FLOOD_USERS)}@pve`,
                password: `wrong ${String(round)}`,
              }).toString(),
            };
      try {
        const response = await fetch(`${url}${path}`, {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-for': `10.${String(network)}.${String(index >> 8)}.${String(index & 255)}`,
          },
          body,
        });
        await response.arrayBuffer();
      } catch {
        // A refused body may close the connection before it is sent; the server may close.
      }
      sent++;
    }
  };
  const senders = kind === 'costly' ? 16 : FLOOD_ADDRESSES;
  await Promise.all(Array.from({ length: senders }, (_, i) => one(i)));
  process.stdout.write(JSON.stringify({ sent }));
}

interface Running {
  /** Ends the attack; resolves to the number of requests it sent. */
  stop(): Promise<number>;
}

function startAttack(options: Attack): Running {
  const child = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), '--attack', JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  // The attacker is another machine in reality; here it shares the cores, and its own CPU
  // use would be counted against the server. At the lowest priority it still sends as fast
  // as it is answered, and takes CPU only when the server leaves it idle.
  if (child.pid !== undefined) setPriority(child.pid, 19);
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
  return {
    stop: () => {
      child.stdin.end();
      return done;
    },
  };
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

const ROUNDS = 8;

async function main(): Promise<void> {
  console.log('\nlogins under attack (HTTP on loopback, addresses through X-Forwarded-For)');
  const server = await serve();
  try {
    // (a) Oversized and costly requests against another client's reads.
    const quiet: number[] = [];
    const underCostly: number[] = [];
    let costlySent = 0;
    for (let round = 0; round < ROUNDS; round++) {
      quiet.push(...(await reads(server, 2)));
      const costly = startAttack({ kind: 'costly', url: server.url, network: round });
      await sleep(1000);
      underCostly.push(...(await reads(server, 2)));
      costlySent += await costly.stop();
    }
    report(
      'GET /version of another client, during oversized logins, unauthenticated large bodies and $6$ rounds=100000 logins',
      quiet,
      underCostly,
      `during ${String(costlySent)} hostile requests`,
    );
    // (b) Correct logins during a flood of wrong passwords from 200 addresses; every correct
    // login comes from an address not seen before.
    const baseline: number[] = [];
    const during: number[] = [];
    let floodSent = 0;
    let address = 0;
    for (let round = 0; round < ROUNDS; round++) {
      baseline.push(...(await correctLogins(server, 50, address)));
      address += 50;
      const flood = startAttack({ kind: 'flood', url: server.url, network: 100 + round });
      // The flood's first wave (200 new addresses at once) takes a few seconds to settle.
      await sleep(3000);
      during.push(...(await correctLogins(server, 50, address)));
      address += 50;
      floodSent += await flood.stop();
      // Its last attempts drain before the next quiet phase.
      await sleep(1000);
    }
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
