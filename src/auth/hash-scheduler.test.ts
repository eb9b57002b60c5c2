import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthFailure } from '../errors.js';
import { HashScheduler } from './hash-scheduler.js';

const limits = {
  slots: 1,
  quietSlots: 0,
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

  describe('slots kept for quiet sources', () => {
    const quietLimits = { ...limits, quietSlots: 1 };

    it('start a quiet source at once, while the busy source runs and waits', async () => {
      const scheduler = new HashScheduler(quietLimits);
      const order: string[] = [];
      const flood = ['a1', 'a2'].map((name) => gate(order, name));
      const flooding = flood.map((job) => scheduler.run('flood', job.work));
      const fresh = gate(order, 'b1');
      const freshRun = scheduler.run('fresh', fresh.work);
      await tick();
      assert.deepEqual(order, ['a1', 'b1'], 'b1 started before a1 finished');
      fresh.open();
      for (const job of flood) {
        job.open();
        await tick();
      }
      await Promise.all([...flooding, freshRun]);
    });

    it('are not for a source that failed a check lately', async () => {
      let now = 0;
      const scheduler = new HashScheduler(quietLimits, () => now);
      const order: string[] = [];
      await scheduler.run('failing', () => Promise.resolve('failed'));
      const blocker = gate(order, 'x');
      const first = scheduler.run('x', blocker.work);
      const failing = gate(order, 'f1');
      const failingRun = scheduler.run('failing', failing.work);
      await tick();
      assert.deepEqual(order, ['x'], 'f1 waits for the shared slot');
      // A minute and a half later its failure is mostly forgotten: quiet again.
      now = 90_000;
      const later = gate(order, 'f2');
      const laterRun = scheduler.run('failing', later.work);
      await tick();
      assert.deepEqual(order, ['x', 'f2']);
      for (const job of [blocker, failing, later]) job.open();
      await Promise.all([first, failingRun, laterRun]);
      assert.deepEqual(order, ['x', 'f2', 'f1']);
    });
  });
});
