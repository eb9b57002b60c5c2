/**
 * The metric names are a contract (docs/monitoring.md): the server registers exactly the
 * listed ones, the document describes each, and the Grafana dashboard in contrib/ is valid
 * dashboard JSON whose every expression names only metrics the server exports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { METRIC_NAMES, ServerMetrics } from '../../src/diagnostics/metrics.js';
import { Readiness } from '../../src/diagnostics/readiness.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';
import { repoRoot } from '../support/conformance.js';

interface Panel {
  readonly type: string;
  readonly title: string;
  readonly gridPos: {
    readonly x: number;
    readonly y: number;
    readonly w: number;
    readonly h: number;
  };
  readonly datasource: { readonly type: string };
  readonly targets: readonly { readonly refId: string; readonly expr: string }[];
}

const dashboard = JSON.parse(
  readFileSync(join(repoRoot, 'contrib', 'grafana', 'tessera-dashboard.json'), 'utf8'),
) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string }[] };
};

describe('metric names', () => {
  it('are the ones the server registers', async () => {
    const live = await LiveAccess.open(new MemoryStore());
    const metrics = new ServerMetrics({
      live,
      readiness: new Readiness(live.store),
      hashQueue: () => 0,
    });
    const registered = (await metrics.registry.getMetricsAsJSON())
      .map((metric) => metric.name)
      .filter((name) => name.startsWith('tessera_'))
      .sort();
    metrics.stop();
    await live.close();
    assert.deepEqual(registered, [...METRIC_NAMES].sort());
  });

  it('are each described in docs/monitoring.md', () => {
    const doc = readFileSync(join(repoRoot, 'docs', 'monitoring.md'), 'utf8');
    assert.deepEqual(
      METRIC_NAMES.filter((name) => !doc.includes(`\`${name}\``)),
      [],
    );
  });
});

describe('the Grafana dashboard', () => {
  it('is a dashboard: uid, title, schema version, panels on the 24-column grid', () => {
    assert.equal(dashboard.uid, 'tessera-overview');
    assert.equal(typeof dashboard.title, 'string');
    assert.ok(Number.isInteger(dashboard.schemaVersion) && dashboard.schemaVersion >= 36);
    assert.deepEqual(
      dashboard.templating.list.map((variable) => variable.name),
      ['datasource', 'instance'],
    );
    assert.ok(dashboard.panels.length > 0);
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 24, panel.title);
      assert.ok(['timeseries', 'stat'].includes(panel.type), panel.title);
      assert.equal(panel.datasource.type, 'prometheus');
      assert.ok(panel.targets.length > 0, panel.title);
      const refIds = panel.targets.map((target) => target.refId);
      assert.equal(new Set(refIds).size, refIds.length, panel.title);
    }
  });

  it('names only metrics the server exports, and shows every one of them', () => {
    const exported = new Set<string>(METRIC_NAMES);
    const used = new Set<string>();
    for (const panel of dashboard.panels)
      for (const { expr } of panel.targets) {
        const names = expr.match(/\b[a-z_]+(?=\{|\[|\))/g) ?? [];
        const metrics = names.filter((name) => name.startsWith('tessera_'));
        assert.ok(metrics.length > 0, `${panel.title}: ${expr} names no tessera metric`);
        for (const name of metrics) {
          const base = name.replace(/_(bucket|sum|count)$/, '');
          assert.ok(exported.has(base), `${panel.title}: ${name} is not exported`);
          used.add(base);
        }
      }
    assert.deepEqual(
      METRIC_NAMES.filter((name) => !used.has(name)),
      [],
    );
  });
});
