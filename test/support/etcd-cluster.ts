/**
 * Real etcd clusters on loopback ports, for tests of the etcd-backed store.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanUpOnExit, findBinary } from './processes.js';

export interface EtcdMember {
  readonly name: string;
  /** http://127.0.0.1:port */
  readonly clientUrl: string;
  readonly running: boolean;
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  /** 'etcd://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3' */
  readonly url: string;
  /** SIGKILL member i (0-based) and wait until the process exited. */
  kill(index: number): Promise<void>;
  /** Restart a killed member with its data dir and wait until it reports healthy. */
  restart(index: number): Promise<void>;
  /** SIGKILL all members and remove the temp dir. */
  stop(): Promise<void>;
}

const healthTimeoutMs = 20_000;

// ETCD_* variables would conflict with the flags given here: etcd refuses to start then.
const etcdEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !name.startsWith('ETCD_')),
);

export function etcdAvailable(): boolean {
  return findBinary('etcd') !== undefined;
}

class Member implements EtcdMember {
  #child: ChildProcess | undefined;

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly log: string,
    private readonly command: readonly string[],
  ) {}

  get running(): boolean {
    return (
      this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
    );
  }

  start(state: 'new' | 'existing'): void {
    const [binary = 'etcd', ...args] = this.command;
    const out = openSync(this.log, 'a');
    try {
      const child = spawn(binary, [...args, '--initial-cluster-state', state], {
        stdio: ['ignore', out, out],
        env: etcdEnv,
      });
      // A forgotten stop() must not keep the test file alive; the exit hook still kills it.
      child.unref();
      this.#child = child;
    } finally {
      closeSync(out);
    }
  }

  signal(): void {
    if (this.running) this.#child?.kill('SIGKILL');
  }

  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.running) return;
    // The unref'd child alone would let the event loop run dry before 'exit' arrives.
    child.ref();
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

function logTails(members: readonly Member[]): string {
  return members
    .map((member) => {
      let text: string;
      try {
        text = readFileSync(member.log, 'utf8');
      } catch {
        text = '(no log)';
      }
      return `--- ${member.name} (${member.log}) ---\n${text.split('\n').slice(-20).join('\n')}`;
    })
    .join('\n');
}

async function healthy(member: Member): Promise<boolean> {
  try {
    // Until it has joined the cluster, etcd accepts connections but never answers them.
    const response = await fetch(`${member.clientUrl}/health`, {
      signal: AbortSignal.timeout(1000),
    });
    const body = (await response.json()) as { health?: unknown };
    return body.health === 'true';
  } catch {
    return false;
  }
}

async function waitHealthy(waiting: Member[], all: readonly Member[]): Promise<void> {
  const deadline = Date.now() + healthTimeoutMs;
  while (waiting.length > 0) {
    const dead = waiting.find((member) => !member.running);
    if (dead) throw new Error(`etcd member ${dead.name} exited\n${logTails(all)}`);
    if (Date.now() > deadline) {
      const names = waiting.map((member) => member.name).join(', ');
      throw new Error(`etcd not healthy after ${healthTimeoutMs} ms: ${names}\n${logTails(all)}`);
    }
    const ok = await Promise.all(waiting.map(healthy));
    waiting = waiting.filter((_, i) => ok[i] !== true);
    if (waiting.length > 0) await sleep(100);
  }
}

function listen(): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      resolve(server);
    });
  });
}

// All listeners stay open until every port is known, so no port is handed out twice.
async function freePorts(size: number): Promise<{ client: number; peer: number }[]> {
  const held = await Promise.all(
    Array.from({ length: size }, async () => ({ client: await listen(), peer: await listen() })),
  );
  const port = (server: Server): number => (server.address() as AddressInfo).port;
  const ports = held.map(({ client, peer }) => ({ client: port(client), peer: port(peer) }));
  await Promise.all(
    held
      .flatMap((servers) => [servers.client, servers.peer])
      .map((server) => once(server.close(), 'close')),
  );
  return ports;
}

export async function startEtcdCluster(options: { size?: number } = {}): Promise<EtcdCluster> {
  const binary = findBinary('etcd');
  if (binary === undefined) throw new Error('etcd not found (Debian package etcd-server)');
  const ports = await freePorts(options.size ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'tessera-etcd-'));
  const url = (port: number): string => `http://127.0.0.1:${port}`;
  const initialCluster = ports.map(({ peer }, i) => `m${i + 1}=${url(peer)}`).join(',');
  const token = `tessera-test-${randomBytes(6).toString('hex')}`;
  const members = ports.map(({ client, peer }, i) => {
    const name = `m${i + 1}`;
    return new Member(name, url(client), join(dir, `${name}.log`), [
      binary,
      ...['--name', name, '--data-dir', join(dir, name)],
      ...['--listen-client-urls', url(client), '--advertise-client-urls', url(client)],
      ...['--listen-peer-urls', url(peer), '--initial-advertise-peer-urls', url(peer)],
      ...['--initial-cluster', initialCluster, '--initial-cluster-token', token],
      ...['--heartbeat-interval', '100', '--election-timeout', '1000'],
      // Tessera commits an import in one transaction; etcd's default allows 128 operations.
      ...['--max-txn-ops', '100000', '--max-request-bytes', '67108864'],
      ...['--log-level', 'warn', '--logger', 'zap'],
    ]);
  });

  const cleanup = (): void => {
    for (const m of members) m.signal();
    rmSync(dir, { recursive: true, force: true });
  };
  const cancelCleanup = cleanUpOnExit(cleanup);
  const stop = async (): Promise<void> => {
    cancelCleanup();
    await Promise.all(members.map((member) => member.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  const member = (index: number): Member => {
    const found = members[index];
    if (!found) throw new RangeError(`no etcd member ${index} (cluster of ${members.length})`);
    return found;
  };

  try {
    for (const m of members) m.start('new');
    await waitHealthy(members, members);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    members,
    url: `etcd://${ports.map(({ client }) => `127.0.0.1:${client}`).join(',')}`,
    async kill(index) {
      await member(index).kill();
    },
    async restart(index) {
      const m = member(index);
      if (m.running) throw new Error(`etcd member ${m.name} is still running`);
      m.start('existing');
      await waitHealthy([m], members);
    },
    stop,
  };
}
