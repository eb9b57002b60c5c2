/**
 * `etcd://host:port[,host:port...]`: the cluster store. Entities are keys under a prefix
 * (`/tessera/` by default); a transaction is one etcd txn whose comparisons are the
 * conditions, and the etcd revision is the store revision.
 *
 * The etcd3 client neither fails over between members nor gives up quickly when the cluster
 * has lost quorum, so this adapter keeps one client per member and does both itself:
 * every call has a deadline, a refused connection moves on to the next member, and a write
 * that no member could commit within {@link EtcdOptions.writeTimeoutMs} fails with
 * `store_read_only`. Reads fall back to serializable reads, which a member answers from its
 * own copy without quorum, so snapshots and watches go on while writes are refused.
 */
import { Etcd3, type IKeyValue, type IWatchResponse, type Watcher } from 'etcd3';
import { noop } from 'cockatiel';
import { TesseraError } from '../errors.js';
import type {
  Change,
  ChangeBatch,
  Condition,
  ConfigStore,
  Operation,
  StoreEntry,
  StoreSnapshot,
  WatchListener,
} from './config-store.js';
import { lastOperationPerKey } from './config-store.js';
import { isSecretKey } from './codec.js';
import { conflictError } from './memory.js';

export interface EtcdOptions {
  /** Keys live below this prefix. */
  readonly prefix?: string;
  /** The longest a write may take before it fails with `store_read_only`. */
  readonly writeTimeoutMs?: number;
  /** The deadline of a single call to one member. */
  readonly callTimeoutMs?: number;
}

const PAGE = 5_000;

interface Member {
  readonly host: string;
  readonly client: Etcd3;
}

/** Parses `host:port,host:port` into a list of hosts. */
export function parseEtcdHosts(spec: string): string[] {
  const hosts = spec.split(',').map((h) => h.trim());
  for (const host of hosts) {
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$/.test(host))
      throw new TesseraError(
        'invalid_value',
        `etcd member '${host}' is not host:port (as in etcd://10.0.0.1:2379,10.0.0.2:2379)`,
        { field: 'store' },
      );
  }
  return hosts;
}

// What etcd answers when it cannot commit: no leader, a lost election, its own proposal
// timeout (sent as UNKNOWN "context deadline exceeded").
const NO_QUORUM =
  /context deadline exceeded|request timed out|no leader|leader changed|timed out waiting for read index|not capable/i;

function grpcCode(err: unknown): 'unavailable' | 'deadline' | 'other' {
  const name = err instanceof Error ? err.constructor.name : '';
  if (name === 'GRPCUnavailableError' || name === 'ClientClosedError') return 'unavailable';
  if (name === 'GRPCDeadlineExceededError') return 'deadline';
  if (err instanceof Error && NO_QUORUM.test(err.message)) return 'deadline';
  return 'other';
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class EtcdStore implements ConfigStore {
  readonly url: string;
  readonly writable = true;
  private readonly members: Member[];
  private readonly prefix: string;
  private readonly writeTimeoutMs: number;
  private readonly callTimeoutMs: number;
  /** The member that last answered; calls start there. */
  private preferred = 0;
  private closed = false;
  private readonly watches = new Set<() => void>();
  /** The compaction that drops replaced secrets, awaited on close. */
  private compacting: Promise<void> = Promise.resolve();

  constructor(hosts: readonly string[], options: EtcdOptions = {}) {
    this.url = `etcd://${hosts.join(',')}`;
    this.prefix = options.prefix ?? '/tessera/';
    this.writeTimeoutMs = options.writeTimeoutMs ?? 4_000;
    this.callTimeoutMs = options.callTimeoutMs ?? 1_500;
    this.members = hosts.map((host) => ({
      host,
      client: new Etcd3({
        hosts: `http://${host}`,
        dialTimeout: 1_000,
        // No circuit breaker: once open it would refuse even the serializable reads that
        // keep a node without quorum serving.
        faultHandling: { host: () => noop, global: noop },
        defaultCallOptions: (context) =>
          context.isStream ? {} : { deadline: Date.now() + this.callTimeoutMs },
      }),
    }));
  }

  private key(key: string): Buffer {
    return Buffer.from(this.prefix + key, 'utf8');
  }

  private rangeEnd(): Buffer {
    const end = Buffer.from(this.prefix, 'utf8');
    end[end.length - 1] = (end[end.length - 1] ?? 0) + 1;
    return end;
  }

  /** Runs `call` on one member after another, starting with the preferred one. */
  private async onSomeMember<T>(
    what: string,
    call: (member: Member, options: { deadline: number }) => Promise<T>,
    budgetMs: number,
  ): Promise<T> {
    const started = Date.now();
    const failures: string[] = [];
    let sawDeadline = false;
    for (let attempt = 0; Date.now() - started < budgetMs; attempt++) {
      if (this.closed) throw new TesseraError('store_unavailable', 'the etcd store is closed');
      const index = (this.preferred + attempt) % this.members.length;
      const member = this.members[index];
      if (!member) break;
      try {
        // No attempt may outlive the budget, so the caller hears back in time.
        const deadline = Math.min(Date.now() + this.callTimeoutMs, started + budgetMs);
        const result = await call(member, { deadline });
        this.preferred = index;
        return result;
      } catch (err) {
        if (err instanceof TesseraError) throw err;
        const code = grpcCode(err);
        if (code === 'other') {
          throw new TesseraError(
            'store_unavailable',
            `etcd ${what} on ${member.host}: ${describe(err)}`,
            {
              cause: err,
            },
          );
        }
        if (code === 'deadline') sawDeadline = true;
        failures.push(`${member.host}: ${describe(err)}`);
        // Every member refused the connection: wait a little before going round again.
        if (code === 'unavailable' && (attempt + 1) % this.members.length === 0)
          await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const reason = sawDeadline
      ? 'cluster has no quorum'
      : `no etcd member is reachable (${this.members.map((m) => m.host).join(', ')})`;
    throw new EtcdUnavailable(reason, failures);
  }

  async snapshot(): Promise<StoreSnapshot> {
    try {
      return await this.readAll(false, this.callTimeoutMs);
    } catch (err) {
      if (!(err instanceof EtcdUnavailable)) throw err;
      // Without quorum a member still answers from its own copy, which is what a node
      // needs to keep serving logins.
      try {
        return await this.readAll(true, this.writeTimeoutMs);
      } catch (again) {
        if (again instanceof EtcdUnavailable)
          throw new TesseraError(
            'store_unavailable',
            `etcd store ${this.url}: ${again.message} (${again.failures.join('; ')})`,
          );
        throw again;
      }
    }
  }

  private async readAll(serializable: boolean, budgetMs: number): Promise<StoreSnapshot> {
    return this.onSomeMember(
      'read',
      async ({ client }, options) => {
        const entries = new Map<string, StoreEntry>();
        let from = this.key('');
        let revision: string | undefined;
        for (;;) {
          const response = await client.kv.range(
            {
              key: from,
              range_end: this.rangeEnd(),
              limit: PAGE,
              serializable,
              ...(revision !== undefined ? { revision } : {}),
            },
            options,
          );
          revision ??= response.header.revision;
          for (const kv of response.kvs) {
            entries.set(this.stripPrefix(kv), {
              value: kv.value.toString('utf8'),
              revision: Number(kv.mod_revision),
            });
          }
          const last = response.kvs[response.kvs.length - 1];
          if (!response.more || !last) break;
          from = Buffer.concat([last.key, Buffer.from([0])]);
        }
        return { revision: Number(revision), entries, diagnostics: [] };
      },
      budgetMs,
    );
  }

  private stripPrefix(kv: IKeyValue): string {
    return kv.key.toString('utf8').slice(this.prefix.length);
  }

  async transact(
    conditions: readonly Condition[],
    operations: readonly Operation[],
  ): Promise<number> {
    const request = {
      compare: conditions.map((c) => ({
        key: this.key(c.key),
        target: 'Mod' as const,
        result: 'Equal' as const,
        mod_revision: String(c.revision),
      })),
      success: lastOperationPerKey(operations).map((o) =>
        o.op === 'put'
          ? { request_put: { key: this.key(o.key), value: Buffer.from(o.value, 'utf8') } }
          : { request_delete_range: { key: this.key(o.key) } },
      ),
    };
    let response;
    try {
      response = await this.onSomeMember(
        'write',
        ({ client }, options) => client.kv.txn(request, options),
        this.writeTimeoutMs,
      );
    } catch (err) {
      throw readOnlyWhenUnavailable(err);
    }
    if (!response.succeeded) {
      const failed = await this.firstFailedCondition(conditions);
      throw conflictError(failed ?? conditions[0]?.key ?? '');
    }
    const revision = Number(response.header.revision);
    if (operations.some((o) => isSecretKey(o.key))) this.forgetOldSecrets(revision);
    return revision;
  }

  /**
   * etcd keeps every old value until its history is compacted: after a secret changed, the
   * history before this revision goes, so no replaced or deleted secret stays in it. Watches
   * already streaming are not affected; one that must replay older revisions resets and
   * reads afresh. Compaction is for the whole etcd keyspace, not only Tessera's prefix.
   */
  private forgetOldSecrets(revision: number): void {
    this.compacting = this.compacting
      .then(() =>
        this.onSomeMember(
          'compact',
          ({ client }, options) => client.kv.compact({ revision: String(revision) }, options),
          this.callTimeoutMs,
        ),
      )
      .then(
        () => undefined,
        // Compacted further already, or no quorum: the next secret change compacts again.
        () => undefined,
      );
  }

  /** A linearizable read needs a quorum as a write does, and changes nothing. */
  async canWrite(): Promise<void> {
    try {
      await this.onSomeMember(
        'quorum check',
        ({ client }, options) =>
          client.kv.range(
            { key: this.key(''), range_end: this.rangeEnd(), count_only: true },
            options,
          ),
        this.writeTimeoutMs,
      );
    } catch (err) {
      throw readOnlyWhenUnavailable(err);
    }
  }

  private async firstFailedCondition(
    conditions: readonly Condition[],
  ): Promise<string | undefined> {
    try {
      const current = await this.snapshot();
      return conditions.find((c) => (current.entries.get(c.key)?.revision ?? 0) !== c.revision)
        ?.key;
    } catch {
      return undefined;
    }
  }

  watch(fromRevision: number, listener: WatchListener): () => void {
    let next = fromRevision + 1;
    let stopped = false;
    let current: Watcher | undefined;
    let memberIndex = this.preferred;
    let retry: NodeJS.Timeout | undefined;

    // The etcd3 watcher retries its own member forever; instead, a watcher that loses its
    // member is cancelled (which ends its retries) and the watch moves to the next member,
    // resuming after the last revision delivered.
    const attach = (): void => {
      if (stopped || this.closed) return;
      const member = this.members[memberIndex % this.members.length];
      if (!member) return;
      // `watcher()` attaches at once, like `create()`, but does not wait for the member,
      // so a dead member cannot hold the watch.
      const watcher = member.client
        .watch()
        .prefix(this.prefix)
        .startRevision(String(next))
        .watcher();
      current = watcher;
      watcher.on('data', (response: IWatchResponse) => {
        for (const batch of this.batches(response)) {
          if (batch.revision < next) continue;
          next = batch.revision + 1;
          listener.onChanges(batch);
        }
      });
      watcher.on('disconnected', () => {
        moveOn(watcher);
      });
      watcher.on('error', (err: Error) => {
        listener.onReset(`etcd watch ended: ${err.message}`);
        moveOn(watcher);
      });
    };
    const moveOn = (watcher: Watcher): void => {
      if (current !== watcher) return;
      current = undefined;
      void watcher.cancel().catch(() => undefined);
      memberIndex++;
      retry = setTimeout(attach, 200);
    };
    attach();
    const stop = (): void => {
      stopped = true;
      clearTimeout(retry);
      this.watches.delete(stop);
      void current?.cancel().catch(() => undefined);
      current = undefined;
    };
    this.watches.add(stop);
    return stop;
  }

  private batches(response: IWatchResponse): ChangeBatch[] {
    const batches: { revision: number; changes: Change[] }[] = [];
    for (const event of response.events) {
      const revision = Number(event.kv.mod_revision);
      let last = batches[batches.length - 1];
      if (last?.revision !== revision) {
        last = { revision, changes: [] };
        batches.push(last);
      }
      last.changes.push({
        key: this.stripPrefix(event.kv),
        value: event.type === 'Delete' ? undefined : event.kv.value.toString('utf8'),
      });
    }
    return batches;
  }

  async close(): Promise<void> {
    // A command that changed a password ends right after: its compaction gets a moment.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.compacting,
      new Promise((resolve) => (timer = setTimeout(resolve, 500))),
    ]);
    clearTimeout(timer);
    this.closed = true;
    for (const stop of [...this.watches]) stop();
    for (const member of this.members) member.client.close();
    return Promise.resolve();
  }
}

/** No member could serve a call; `message` says why in a few words. */
class EtcdUnavailable extends Error {
  constructor(
    message: string,
    readonly failures: readonly string[],
  ) {
    super(message);
  }
}

/** No member could commit: the configuration is read-only until a quorum is back. */
function readOnlyWhenUnavailable(err: unknown): unknown {
  if (!(err instanceof EtcdUnavailable)) return err;
  const message = `${err.message}: configuration is read-only`;
  return new TesseraError('store_read_only', message, { cause: err, publicMessage: message });
}
