/**
 * Connection limits over real sockets: one address cannot hold more than its share of
 * connections (a trusted proxy can), and a request whose headers or body trickle in is cut
 * off instead of holding its connection for ever.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ConnectionLimits } from '../../src/api/connections.js';
import { buildApi } from '../../src/api/server.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const LIMITS: ConnectionLimits = {
  maxConnections: 100,
  maxConnectionsPerAddress: 3,
  headersTimeoutMs: 600,
  requestTimeoutMs: 1_200,
  checkIntervalMs: 100,
};

interface Opened {
  readonly socket: Socket;
  /** Resolves with what the server sent when it closed the connection. */
  readonly closed: Promise<string>;
}

function open(port: number): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = new Promise<string>((done) =>
      socket.on('close', () => {
        done(received);
      }),
    );
    socket.once('connect', () => {
      resolve({ socket, closed });
    });
    socket.once('error', reject);
  });
}

/** Whether `promise` settles within `ms` (a liveness bound, not a speed target). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>(
    (resolve) =>
      (timer = setTimeout(() => {
        resolve(false);
      }, ms)),
  );
  const settled = await Promise.race([promise.then(() => true), timeout]);
  clearTimeout(timer);
  return settled;
}

async function serve(trustedProxies: string[]): Promise<{ app: FastifyInstance; port: number }> {
  const live = await LiveAccess.open(new MemoryStore());
  const app = await buildApi({ live, authFailureDelayMs: 10 }, undefined, trustedProxies, LIMITS);
  app.addHook('onClose', async () => live.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { app, port: address.port };
}

describe('connection limits', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => ({ app, port } = await serve([])));
  after(() => {
    // A failed test may leave sockets open: they must not hold the close.
    app.server.closeAllConnections();
    return app.close();
  });

  it("closes an address's connections beyond its share, and takes new ones once some close", async () => {
    const held = await Promise.all([open(port), open(port), open(port)]);
    const extra = await open(port);
    assert.ok(await settlesWithin(extra.closed, 5_000), 'the fourth connection is closed');
    for (const { socket } of held) assert.equal(socket.destroyed, false);
    held[0].socket.destroy();
    await held[0].closed;
    // The server sees the close a moment later: retry until the place is free.
    let answer = '';
    for (let attempt = 0; attempt < 50 && !answer.startsWith('HTTP/1.1'); attempt++) {
      const next = await open(port);
      next.socket.write('GET /api2/json/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      answer = await next.closed;
    }
    assert.match(answer, /^HTTP\/1\.1 401/);
    for (const { socket } of held) socket.destroy();
  });

  it('cuts off a request whose headers never end', async () => {
    const slow = await open(port);
    slow.socket.write('GET /api2/json/version HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => slow.socket.write('X-Slow: 1\r\n'), 100);
    const cut = await settlesWithin(slow.closed, 10_000);
    clearInterval(timer);
    assert.ok(cut, 'the connection was closed');
    assert.match(await slow.closed, /^HTTP\/1\.1 408/);
  });

  it('cuts off a request whose body trickles in', async () => {
    const slow = await open(port);
    slow.socket.write(
      'POST /api2/json/access/ticket HTTP/1.1\r\nHost: x\r\n' +
        'Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n',
    );
    const timer = setInterval(() => slow.socket.write('u'), 100);
    const cut = await settlesWithin(slow.closed, 10_000);
    clearInterval(timer);
    assert.ok(cut, 'the connection was closed');
  });
});

describe('connection limits behind a trusted proxy', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => ({ app, port } = await serve(['127.0.0.0/8'])));
  after(() => {
    // A failed test may leave sockets open: they must not hold the close.
    app.server.closeAllConnections();
    return app.close();
  });

  it("do not count a trusted proxy's connections", async () => {
    const held = await Promise.all(Array.from({ length: 6 }, () => open(port)));
    // Closing would take a moment; a request on the last one answers only if it is open.
    const last = held[5];
    assert.ok(last);
    last.socket.write('GET /api2/json/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.match(await last.closed, /^HTTP\/1\.1 401/);
    for (const { socket } of held) socket.destroy();
  });
});
