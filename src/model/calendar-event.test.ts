/**
 * Calendar events against the test vectors of Proxmox's proxmox-time crate (test.rs) and of
 * pve-common's calendar_event_test.pl, all computed in UTC as they are there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CalendarEventError, nextEvent, parseCalendarEvent } from './calendar-event.js';

const MIN = 60;
const HOUR = 3600;
const DAY = 86_400;
const THU = 0; // 1970-01-01 was a Thursday
const THU_15 = 15 * HOUR;
const JUL_31_2020 = 1_596_153_600; // a Friday
const DEC_31_2020 = 1_609_372_800; // a Thursday

const next = (spec: string, last: number): number | undefined =>
  nextEvent(parseCalendarEvent(`${spec} UTC`), last);

describe('calendar events (proxmox-time vectors)', () => {
  const vectors: [string, number, number][] = [
    ['0', THU, THU + HOUR],
    ['*', THU, THU + MIN],
    ['*:0', THU, THU + HOUR],
    ['*:*', THU, THU + MIN],
    ['*:*:*', THU, THU + 1],
    ['*:3:5', THU, THU + 3 * MIN + 5],
    ['mon *:*', THU, THU + 4 * DAY],
    ['mon 2:*', THU, THU + 4 * DAY + 2 * HOUR],
    ['mon 2:50', THU, THU + 4 * DAY + 2 * HOUR + 50 * MIN],
    ['tue', THU, THU + 5 * DAY],
    ['wed', THU, THU + 6 * DAY],
    ['thu', THU, THU + 7 * DAY],
    ['fri', THU, THU + DAY],
    ['sat', THU, THU + 2 * DAY],
    ['sun', THU, THU + 3 * DAY],
    ['4..10/2:0', THU, THU + 4 * HOUR],
    ['4..10/2:0', THU + 5 * HOUR, THU + 6 * HOUR],
    ['4..10/2:0', THU + 11 * HOUR, THU + DAY + 4 * HOUR],
    ['5,10:4,8', THU, THU + 5 * HOUR + 4 * MIN],
    ['10,5:8,4', THU, THU + 5 * HOUR + 4 * MIN],
    ['6,4..10:23,5/5', THU, THU + 4 * HOUR + 5 * MIN],
    ['4..10,6:5/5,23', THU, THU + 4 * HOUR + 5 * MIN],
    ['sat', JUL_31_2020, JUL_31_2020 + DAY],
    ['sun', JUL_31_2020, JUL_31_2020 + 2 * DAY],
    ['mon', JUL_31_2020, JUL_31_2020 + 3 * DAY],
    ['thu', JUL_31_2020, JUL_31_2020 + 6 * DAY],
    ['fri', JUL_31_2020, JUL_31_2020 + 7 * DAY],
    ['fri', DEC_31_2020, DEC_31_2020 + DAY],
    ['mon', DEC_31_2020, DEC_31_2020 + 4 * DAY],
    ['thu', DEC_31_2020, DEC_31_2020 + 7 * DAY],
    ['daily', THU, THU + DAY],
    ['daily', THU + 1, THU + DAY],
    ['2020-07-31', 0, JUL_31_2020],
    ['02-28', 0, (31 + 27) * DAY],
    ['02-29', 0, 2 * 365 * DAY + (31 + 28) * DAY],
    ['1965/5-01-01', -1, THU],
    ['2020-7..9-2/2', JUL_31_2020, JUL_31_2020 + 2 * DAY],
    ['2020,2021-12-31', JUL_31_2020, DEC_31_2020],
    ['minutely', THU, THU + MIN],
    ['hourly', THU, THU + HOUR],
    ['weekly', THU, THU + 4 * DAY],
    ['monthly', 0, 31 * DAY],
    ['quarterly', 0, (31 + 28 + 31) * DAY],
    ['semiannually', 0, (31 + 28 + 31 + 30 + 31 + 30) * DAY],
    ['semi-annually', 0, (31 + 28 + 31 + 30 + 31 + 30) * DAY],
    ['yearly', 0, 365 * DAY],
    ['annually', 0, 365 * DAY],
  ];
  for (const [spec, last, expected] of vectors)
    it(`'${spec}' after ${String(last)} is ${String(expected)}`, () => {
      assert.equal(next(spec, last), expected);
    });

  it('walks repetitions and lists one event after another', () => {
    let n = THU;
    for (const hour of [5, 7, 9, 11]) assert.equal((n = next('5/2:0', n) ?? NaN), hour * HOUR);
    n = THU;
    for (let i = 1; i < 100; i++) assert.equal((n = next('*:*', n) ?? NaN), i * MIN);
    n = THU;
    for (let i = 1; i < 100; i++) assert.equal((n = next('*:0', n) ?? NaN), i * HOUR);
    n = THU_15;
    for (let i = 1; i < 100; i++) assert.equal((n = next('1:0', n) ?? NaN), i * DAY + HOUR);
  });

  it('finds no time for a date that never comes', () => {
    assert.equal(next('2021-02-29', 0), undefined);
    assert.equal(next('02-30', 0), undefined);
  });

  it('reads weekday names and ranges, wrapping over the week end', () => {
    for (const spec of [
      'mon,wed..fri',
      'fri..mon',
      'MON',
      'monDay',
      'Tuesday',
      'wednesday',
      'thursday',
      'friday',
      'saturday',
      'sunday',
      'mon..fri',
      'mon,tue,fri',
      'mon,tue..wednesday,fri..sat',
    ])
      assert.doesNotThrow(() => parseCalendarEvent(spec), spec);
    assert.equal(parseCalendarEvent('fri..mon').days, 0b1110001);
  });
});

describe('calendar events (pve-common vectors)', () => {
  const vectors: [string, [number, number][]][] = [
    [
      '*',
      [
        [0, 60],
        [30, 60],
        [59, 60],
        [60, 120],
      ],
    ],
    [
      '*/10',
      [
        [0, 600],
        [599, 600],
        [600, 1200],
        [50 * 60, 60 * 60],
      ],
    ],
    [
      '*/12:0',
      [
        [10, 43200],
        [13 * 3600, 24 * 3600],
      ],
    ],
    [
      '1/12:0/15',
      [
        [0, 3600],
        [3600, 3600 + 15 * 60],
        [3600 + 16 * 60, 3600 + 30 * 60],
        [3600 + 45 * 60, 3600 + 12 * 3600],
        [13 * 3600 + 1, 13 * 3600 + 15 * 60],
        [13 * 3600 + 45 * 60, 25 * 3600],
      ],
    ],
    [
      '1,4,6',
      [
        [0, 60],
        [60, 4 * 60],
        [4 * 60 + 60, 6 * 60],
        [6 * 60, 3600 + 60],
      ],
    ],
    [
      'Mon',
      [
        [0, 4 * DAY],
        [4 * DAY, 11 * DAY],
        [11 * DAY, 18 * DAY],
      ],
    ],
    [
      'sat..sun',
      [
        [0, 2 * DAY],
        [2 * DAY, 3 * DAY],
        [3 * DAY, 9 * DAY],
      ],
    ],
    [
      '22/1:0',
      [
        [0, 22 * 3600],
        [22 * 3600, 23 * 3600],
        [22 * 3600 + 59 * 60, 23 * 3600],
      ],
    ],
    [
      '*/2:*',
      [
        [0, 60],
        [3600, 2 * 3600],
        [2 * 3600, 2 * 3600 + 60],
      ],
    ],
    [
      '20..22:*/30',
      [
        [0, 20 * 3600],
        [20 * 3600, 20 * 3600 + 30 * 60],
        [22 * 3600 + 30 * 60, 44 * 3600],
      ],
    ],
    [
      'mon */15',
      [
        [0, 4 * DAY],
        [4 * DAY, 4 * DAY + 15 * 60],
      ],
    ],
    [
      'wed,mon..tue,fri',
      [
        [0, DAY],
        [DAY, 4 * DAY],
      ],
    ],
  ];
  for (const [spec, pairs] of vectors)
    it(`'${spec}'`, () => {
      for (const [last, expected] of pairs)
        assert.equal(next(spec, last), expected, `after ${String(last)}`);
    });

  it('refuses values out of range, reversed ranges and nonsense, saying where', () => {
    for (const bad of ['61', '*/61', '0..80', '5..3', 'mon..xyz', 'daily 2:00', '', '2:60', 'UTC'])
      assert.throws(() => parseCalendarEvent(bad), CalendarEventError, bad);
    assert.throws(() => parseCalendarEvent('0..80'), /at '80' - value 80 out of range/);
  });

  it('reads a minute and a second where no hour can be (as proxmox-time: 25:00)', () => {
    assert.equal(next('25:00', 0), 25 * 60);
  });

  it('takes the local time zone unless the event ends in UTC', () => {
    assert.equal(parseCalendarEvent('daily').utc, false);
    assert.equal(parseCalendarEvent('mon..fri 02:30 UTC').utc, true);
  });
});
