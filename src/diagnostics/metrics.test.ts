import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthCause } from '../errors.js';
import { LiveAccess } from '../store/live.js';
import { MemoryStore } from '../store/memory.js';
import { ServerMetrics } from './metrics.js';
import { Readiness } from './readiness.js';

async function series(metrics: ServerMetrics): Promise<string[]> {
  return (await metrics.text())
    .split('\n')
    .filter((line) => line.startsWith('tessera_') && !line.includes('_bucket'))
    .map((line) => line.slice(0, line.lastIndexOf(' ')));
}

describe('ServerMetrics labels', () => {
  it('count what a client chooses under a closed set of values', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const metrics = new ServerMetrics({
      live,
      readiness: new Readiness(live.store),
      hashQueue: () => 0,
    });
    // A code from outside the registry (a newer node's, say) counts as `other`.
    metrics.authFailed({
      kind: 'login',
      rhost: '192.0.2.1',
      user: 'x@pve',
      cause: 'made_up_cause' as AuthCause,
      reason: '',
    });
    metrics.authFailed({
      kind: 'request',
      rhost: '',
      user: '',
      cause: 'ticket_expired',
      reason: '',
    });
    metrics.requestAnswered('PROPFIND', undefined, 404, 0.001);
    metrics.requestAnswered('GET', '/api2/json/version', 999, 0.001);
    const names = await series(metrics);
    metrics.stop();
    await live.close();
    assert.ok(names.includes('tessera_logins_total{result="failure",cause="other"}'));
    assert.ok(
      names.includes('tessera_request_authentication_failures_total{cause="ticket_expired"}'),
    );
    assert.ok(
      names.includes(
        'tessera_http_request_duration_seconds_count{method="other",route="unmatched",status="4xx"}',
      ),
    );
    assert.ok(
      names.includes(
        'tessera_http_request_duration_seconds_count{method="GET",route="/api2/json/version",status="other"}',
      ),
    );
  });
});
