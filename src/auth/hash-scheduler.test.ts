import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailure } from '../errors.js';
import { HashScheduler } from './hash-scheduler.js';

const limits = {
  slots: 1,
  maxQueued: 6,
  maxQueuedPerSource: 4,
  maxWaitMs: 2_000,
  halfLifeMs: 60_000,
};

/** A job that finishes when told to, recording the order jobs started in. */
function gate(order: string[], name: string): { work: () => Promise<string>; open: () => void } {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    work: async () => {
      order.push(name);
      await opened;
      return name;
    },
    open: () => {
      open();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('hash scheduler', () => {
  it('serves a new source before the queue of a busy one', async () => {
    const scheduler = new HashScheduler(limits);
    const order: string[] = [];
    const jobs = ['a1', 'a2', 'a3', 'a4'].map((name) => gate(order, name));
    const running = jobs.map((job) => scheduler.run('flood', job.work));
    const fresh = gate(order, 'b1');
    const freshRun = scheduler.run('fresh', fresh.work);
    fresh.open();
    for (const job of jobs) {
      job.open();
      await tick();
    }
    await Promise.all([...running, freshRun]);
    assert.deepEqual(order.slice(0, 2), ['a1', 'b1']);
  });

  it('refuses beyond the per-source bound', async () => {
    const scheduler = new HashScheduler(limits);
    const order: string[] = [];
    const blocker = gate(order, 'x');
    const first = scheduler.run('x', blocker.work);
    const floods = Array.from({ length: 4 }, (_, i) => gate(order, `f${String(i)}`));
    const flooding = floods.map((g) => scheduler.run('flood', g.work));
    await assert.rejects(
      scheduler.run('flood', () => Promise.resolve('late')),
      (err) => {
        assert.ok(err instanceof AuthFailure);
        assert.equal(err.code, 'login_overloaded');
        return true;
      },
    );
    blocker.open();
    for (const g of floods) g.open();
    await Promise.all([first, ...flooding]);
  });

  it('when full, gives a newcomer the newest place of a heavier source', async () => {
    const scheduler = new HashScheduler({ ...limits, maxQueued: 3, maxQueuedPerSource: 3 });
    const order: string[] = [];
    await scheduler.run('heavy', () => Promise.resolve('h0'));
    const blocker = gate(order, 'b');
    const first = scheduler.run('other', blocker.work);
    const heavy = ['h1', 'h2', 'h3'].map((name) => gate(order, name));
    const heavyRuns = heavy.map((g) => scheduler.run('heavy', g.work).catch((e: unknown) => e));
    const newcomer = gate(order, 'n');
    const newRun = scheduler.run('newcomer', newcomer.work);
    const evicted = await heavyRuns[2];
    assert.ok(evicted instanceof AuthFailure && evicted.code === 'login_overloaded');
    // The heavy source cannot push anyone out: it is the heaviest.
    await assert.rejects(
      scheduler.run('heavy', () => Promise.resolve('h4')),
      /overloaded/,
    );
    for (const g of [blocker, newcomer, ...heavy]) g.open();
    await Promise.all([first, newRun, ...heavyRuns]);
    assert.deepEqual(order, ['b', 'n', 'h1', 'h2']);
  });

  it('refuses a job that waited too long', async () => {
    const scheduler = new HashScheduler({ ...limits, maxWaitMs: 50 });
    // The scheduler's own timers do not keep a process alive.
    const alive = setTimeout(() => undefined, 5_000);
    const order: string[] = [];
    const blocker = gate(order, 'x');
    const first = scheduler.run('x', blocker.work);
    await assert.rejects(
      scheduler.run('y', () => Promise.resolve('y')),
      /waited 50 ms/,
    );
    blocker.open();
    await first;
    clearTimeout(alive);
  });
});
