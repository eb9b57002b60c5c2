/**
 * The server's Prometheus metrics (docs/monitoring.md lists them; a test pins the names).
 * Every label takes its values from a closed set, whatever a client sends: a cause code
 * Tessera does not know, a method or a path it does not serve, counts as `other` or
 * `unmatched`, so no request can add a series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AUTH_CAUSES } from '../errors.js';
import type { AuthFailureEvent, AuthSuccessEvent } from '../services/login/events.js';
import type { LiveAccess } from '../store/live.js';
import type { Readiness } from './readiness.js';

/** What the gauges read when scraped: state the server keeps anyway, no store call. */
export interface MetricSources {
  readonly live: LiveAccess;
  readonly readiness: Readiness;
  /** Password checks waiting for a hashing slot. */
  readonly hashQueue: () => number;
  /** Milliseconds since the epoch; injected by tests. */
  readonly now?: () => number;
}

/** Every metric name the server exports (the Grafana dashboard's test checks against it). */
export const METRIC_NAMES = [
  'tessera_logins_total',
  'tessera_second_factors_total',
  'tessera_request_authentication_failures_total',
  'tessera_throttled_logins_total',
  'tessera_lockout_refusals_total',
  'tessera_http_request_duration_seconds',
  'tessera_store_revision',
  'tessera_snapshot_age_seconds',
  'tessera_store_writable',
  'tessera_ready',
  'tessera_password_hash_queue_length',
] as const;

const CAUSES: ReadonlySet<string> = new Set(AUTH_CAUSES);
const FACTORS: ReadonlySet<string> = new Set(['totp', 'webauthn', 'recovery', 'yubico']);
const METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']);

/** The route label of a request that matched none (a 404): one series for every such path. */
export const UNMATCHED_ROUTE = 'unmatched';

function cause(code: string): string {
  return CAUSES.has(code) ? code : 'other';
}

export class ServerMetrics {
  /** Private, not prom-client's global one: two servers in one process count apart. */
  readonly registry = new Registry();
  private readonly logins: Counter<'result' | 'cause'>;
  private readonly secondFactors: Counter<'type' | 'result'>;
  private readonly requestFailures: Counter<'cause'>;
  private readonly throttled: Counter;
  private readonly lockouts: Counter<'lock'>;
  private readonly latency: Histogram<'method' | 'route' | 'status'>;
  private swappedAt: number;
  private readonly unsubscribe: () => void;

  constructor(sources: MetricSources) {
    const now = sources.now ?? Date.now;
    const registers = [this.registry];
    this.swappedAt = now();
    this.unsubscribe = sources.live.onChange(() => {
      this.swappedAt = now();
    });
    collectDefaultMetrics({ register: this.registry });
    this.logins = new Counter({
      name: 'tessera_logins_total',
      help: 'Logins (password, second factor, renewal, OpenID) by result and cause code.',
      labelNames: ['result', 'cause'],
      registers,
    });
    this.secondFactors = new Counter({
      name: 'tessera_second_factors_total',
      help: 'Second-factor answers by type and result.',
      labelNames: ['type', 'result'],
      registers,
    });
    this.requestFailures = new Counter({
      name: 'tessera_request_authentication_failures_total',
      help: 'Requests refused for their ticket or API token, by cause code (no credentials: not counted).',
      labelNames: ['cause'],
      registers,
    });
    this.throttled = new Counter({
      name: 'tessera_throttled_logins_total',
      help: 'Logins refused by the login throttle before the password was looked at.',
      registers,
    });
    this.lockouts = new Counter({
      name: 'tessera_lockout_refusals_total',
      help: 'Second-factor answers refused because the user is locked (tfa: all factors, totp: TOTP).',
      labelNames: ['lock'],
      registers,
    });
    this.latency = new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route pattern and status class.',
      labelNames: ['method', 'route', 'status'],
      // Reads answer in well under a millisecond; a failed login waits out its 3 s delay.
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    new Gauge({
      name: 'tessera_store_revision',
      help: 'The store revision of the live snapshot this node answers from.',
      registers,
      collect() {
        this.set(sources.live.snapshot.revision);
      },
    });
    const swapped = (): number => this.swappedAt;
    new Gauge({
      name: 'tessera_snapshot_age_seconds',
      help: 'Seconds since the store last reported a change to this node (the live snapshot was swapped).',
      registers,
      collect() {
        this.set(Math.max(0, (now() - swapped()) / 1000));
      },
    });
    new Gauge({
      name: 'tessera_store_writable',
      help: 'Whether the store took writes at the last check: 1 yes, 0 no (etcd: quorum).',
      registers,
      collect() {
        const state = sources.readiness.state;
        this.set(
          state.ready ||
            (state.reason !== 'store read-only' && state.reason !== 'store unreachable')
            ? 1
            : 0,
        );
      },
    });
    new Gauge({
      name: 'tessera_ready',
      help: 'What GET /health/ready answers: 1 ready, 0 not ready.',
      registers,
      collect() {
        this.set(sources.readiness.state.ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'tessera_password_hash_queue_length',
      help: 'Password checks waiting for a hashing slot.',
      registers,
      collect() {
        this.set(sources.hashQueue());
      },
    });
  }

  /** A login that ended with a ticket (or a privilege check that passed). */
  loginSucceeded(event: AuthSuccessEvent): void {
    this.logins.inc({ result: 'success', cause: 'none' });
    if (event.secondFactor !== undefined && FACTORS.has(event.secondFactor))
      this.secondFactors.inc({ type: event.secondFactor, result: 'success' });
  }

  /** A failed login, or a request refused for its credentials. */
  authFailed(event: AuthFailureEvent): void {
    const code = cause(event.cause);
    if (event.kind === 'request') {
      this.requestFailures.inc({ cause: code });
      return;
    }
    this.logins.inc({ result: 'failure', cause: code });
    if (event.cause === 'throttled') this.throttled.inc();
    if (event.cause === 'tfa_locked') this.lockouts.inc({ lock: 'tfa' });
    if (event.cause === 'totp_locked') this.lockouts.inc({ lock: 'totp' });
    if (event.secondFactor !== undefined && FACTORS.has(event.secondFactor))
      this.secondFactors.inc({ type: event.secondFactor, result: 'failure' });
  }

  /**
   * One answered request. `route` is the pattern the router matched (`/api2/json/access/users/:userid`),
   * or undefined for none: never the raw URL.
   */
  requestAnswered(
    method: string,
    route: string | undefined,
    status: number,
    seconds: number,
  ): void {
    this.latency.observe(
      {
        method: METHODS.has(method) ? method : 'other',
        route: route ?? UNMATCHED_ROUTE,
        status: status >= 100 && status < 600 ? `${String(Math.floor(status / 100))}xx` : 'other',
      },
      seconds,
    );
  }

  /** The text format, for a scrape. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  stop(): void {
    this.unsubscribe();
  }
}
