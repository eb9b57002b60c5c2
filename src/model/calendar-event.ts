/**
 * Proxmox's calendar events (the `schedule` of jobs), a subset of systemd's:
 * `[WEEKDAYS] [[YEARS-]MONTHS-DAYS] [HOURS:]MINUTES[:SECONDS] [UTC]`, or one of the words
 * `minutely`, `hourly`, `daily`, `weekly`, `monthly`, `yearly`/`annually`, `quarterly`,
 * `semiannually`/`semi-annually`. Each field is `*` or a list of values, ranges (`a..b`) and
 * repetitions (`a/n`, `a..b/n`, `*\/n`); weekday ranges may wrap (`fri..mon`). Without a
 * time the event is at midnight; without seconds at second 0; without hours every hour.
 * Times are local unless the event ends in `UTC`.
 *
 * Written after the grammar and test vectors of Proxmox's Rust crate proxmox-time, which
 * Proxmox VE uses for job schedules; the next-event search walks the fields from the year
 * down, as it does, and gives up after 1000 steps.
 */

type Field =
  | { readonly kind: 'single'; readonly value: number }
  | { readonly kind: 'range'; readonly start: number; readonly end: number }
  | {
      readonly kind: 'repeat';
      readonly start: number;
      readonly step: number;
      readonly end?: number;
    };

export interface CalendarEvent {
  readonly utc: boolean;
  /** Bit 0 Monday ... bit 6 Sunday; 0 means every day. */
  readonly days: number;
  readonly second: readonly Field[];
  readonly minute: readonly Field[];
  readonly hour: readonly Field[];
  readonly day: readonly Field[];
  readonly month: readonly Field[];
  readonly year: readonly Field[];
}

export class CalendarEventError extends Error {}

const ALL_DAYS = 0x7f;
const MIDNIGHT = {
  hour: [{ kind: 'single', value: 0 }],
  minute: [{ kind: 'single', value: 0 }],
  second: [{ kind: 'single', value: 0 }],
} as const;
const one = (value: number): Field => ({ kind: 'single', value });

const SHORTCUTS: Readonly<Record<string, Omit<CalendarEvent, 'utc'>>> = {
  minutely: { days: 0, second: [one(0)], minute: [], hour: [], day: [], month: [], year: [] },
  hourly: { days: 0, second: [one(0)], minute: [one(0)], hour: [], day: [], month: [], year: [] },
  daily: { days: 0, ...MIDNIGHT, day: [], month: [], year: [] },
  weekly: { days: 1, ...MIDNIGHT, day: [], month: [], year: [] },
  monthly: { days: 0, ...MIDNIGHT, day: [one(1)], month: [], year: [] },
  yearly: { days: 0, ...MIDNIGHT, day: [one(1)], month: [one(1)], year: [] },
  annually: { days: 0, ...MIDNIGHT, day: [one(1)], month: [one(1)], year: [] },
  quarterly: {
    days: 0,
    ...MIDNIGHT,
    day: [one(1)],
    month: [one(1), one(4), one(7), one(10)],
    year: [],
  },
  semiannually: { days: 0, ...MIDNIGHT, day: [one(1)], month: [one(1), one(7)], year: [] },
  'semi-annually': { days: 0, ...MIDNIGHT, day: [one(1)], month: [one(1), one(7)], year: [] },
};

const WEEKDAYS: Readonly<Record<string, number>> = {
  mon: 0,
  monday: 0,
  tue: 1,
  tuesday: 1,
  wed: 2,
  wednesday: 2,
  thu: 3,
  thursday: 3,
  fri: 4,
  friday: 4,
  sat: 5,
  saturday: 5,
  sun: 6,
  sunday: 6,
};

/** A failed alternative: where, and why (the furthest one is reported). */
interface Failure {
  readonly at: number;
  readonly why: string;
}

class Parser {
  pos = 0;
  failure: Failure | undefined;

  constructor(readonly text: string) {}

  fail(why: string, at = this.pos): undefined {
    if (!this.failure || at >= this.failure.at) this.failure = { at, why };
    return undefined;
  }

  /** An attempt that leaves the position where it was when it fails. */
  attempt<T>(parse: () => T | undefined): T | undefined {
    const start = this.pos;
    const result = parse();
    if (result === undefined) this.pos = start;
    return result;
  }

  eat(literal: string): boolean {
    if (!this.text.startsWith(literal, this.pos)) return false;
    this.pos += literal.length;
    return true;
  }

  number(max: number): number | undefined {
    const match = /^\d+/.exec(this.text.slice(this.pos));
    if (!match) {
      this.fail('expected a number');
      return;
    }
    const value = Number(match[0]);
    if (value >= max) {
      this.fail(`value ${match[0]} out of range (at most ${String(max - 1)})`);
      return;
    }
    this.pos += match[0].length;
    return value;
  }

  /** `v`, `a..b`, `v/n`, `a..b/n`. */
  component(max: number): Field | undefined {
    const value = this.number(max);
    if (value === undefined) return undefined;
    let end: number | undefined;
    if (this.eat('..')) {
      end = this.number(max);
      if (end === undefined) return undefined;
      if (value > end) {
        this.fail('range start is bigger than end');
        return;
      }
    }
    if (this.eat('/')) {
      const step = this.number(max);
      if (step === undefined) return undefined;
      return end === undefined
        ? { kind: 'repeat', start: value, step }
        : { kind: 'repeat', start: value, step, end };
    }
    return end === undefined ? one(value) : { kind: 'range', start: value, end };
  }

  /** `*`, `*\/n`, or components joined by commas; `[]` means any value. */
  list(first: number, max: number): Field[] | undefined {
    if (this.eat('*')) {
      const at = this.pos;
      if (this.eat('/')) {
        const step = this.number(max);
        if (step !== undefined && step > 0) return [{ kind: 'repeat', start: first, step }];
        this.pos = at;
      }
      return [];
    }
    const fields: Field[] = [];
    for (;;) {
      const field = this.component(max);
      if (field === undefined) return undefined;
      fields.push(field);
      const at = this.pos;
      if (!this.eat(',')) return fields;
      if (!/^\d/.test(this.text.slice(this.pos))) {
        this.pos = at;
        return fields;
      }
    }
  }

  weekday(): number | undefined {
    const match = /^[A-Za-z]+/.exec(this.text.slice(this.pos));
    const day = match ? WEEKDAYS[match[0].toLowerCase()] : undefined;
    if (!match || day === undefined) {
      this.fail('expected a weekday');
      return;
    }
    this.pos += match[0].length;
    return day;
  }

  /** `mon`, `mon..fri`, `fri..mon` (wrapping over the week's end), as a day mask. */
  weekdays(): number | undefined {
    let mask = 0;
    for (;;) {
      const start = this.weekday();
      if (start === undefined) return undefined;
      let end = start;
      if (this.eat('..')) {
        const to = this.weekday();
        if (to === undefined) return undefined;
        end = to;
      }
      for (let d = start; ; d = (d + 1) % 7) {
        mask |= 1 << d;
        if (d === end) break;
      }
      if (!this.eat(',')) return mask;
    }
  }

  spaces(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  date(): { year: Field[]; month: Field[]; day: Field[] } | undefined {
    const full = this.attempt(() => {
      const year = this.list(0, 2200);
      if (year === undefined || !this.eat('-')) return undefined;
      const month = this.list(1, 13);
      if (month === undefined || !this.eat('-')) return undefined;
      const day = this.list(1, 32);
      return day === undefined ? undefined : { year, month, day };
    });
    if (full) return full;
    return this.attempt(() => {
      const month = this.list(1, 13);
      if (month === undefined || !this.eat('-')) return undefined;
      const day = this.list(1, 32);
      return day === undefined ? undefined : { year: [], month, day };
    });
  }

  time(): { hour: Field[]; minute: Field[]; second: Field[] } | undefined {
    return this.attempt(() => {
      const hour =
        this.attempt(() => {
          const h = this.list(0, 24);
          return h !== undefined && this.eat(':') ? h : undefined;
        }) ?? [];
      const minute = this.list(0, 60);
      if (minute === undefined) return undefined;
      const second = this.attempt(() => (this.eat(':') ? this.list(0, 60) : undefined)) ?? [one(0)];
      return { hour, minute, second };
    });
  }
}

/** Parses a calendar event; throws {@link CalendarEventError} saying where and why. */
export function parseCalendarEvent(input: string): CalendarEvent {
  let text = input.trim();
  if (text === '') throw new CalendarEventError('unable to parse calendar event - event is empty');
  let utc = false;
  if (text.endsWith('UTC')) {
    utc = true;
    text = text.slice(0, -3).replace(/ +$/, '');
  }
  const shortcut = SHORTCUTS[text];
  if (shortcut) return { utc, ...shortcut };
  const p = new Parser(text);
  let days = 0;
  let any = false;
  if (/^[A-Za-z]/.test(text)) {
    const mask = p.weekdays();
    if (mask === undefined) throw failed(p);
    days = mask;
    any = true;
    p.spaces();
  }
  const date = p.date();
  if (date) {
    any = true;
    p.spaces();
  }
  const time = p.time();
  if (time) any = true;
  if (!any) p.fail('expected a date or time specification');
  if (!any || p.pos < text.length) {
    if (any) p.fail('unexpected text', p.pos);
    throw failed(p);
  }
  return {
    utc,
    days,
    year: date?.year ?? [],
    month: date?.month ?? [],
    day: date?.day ?? [],
    ...(time ?? MIDNIGHT),
  };
}

function failed(p: Parser): CalendarEventError {
  const at = p.failure?.at ?? p.pos;
  return new CalendarEventError(
    `unable to parse calendar event at '${p.text.slice(at)}' - ${p.failure?.why ?? 'invalid'}`,
  );
}

function contains(fields: readonly Field[], value: number): boolean {
  return fields.some((f) => {
    switch (f.kind) {
      case 'single':
        return f.value === value;
      case 'range':
        return value >= f.start && value <= f.end;
      case 'repeat':
        if (value < f.start) return false;
        if (f.step === 0) return value === f.start;
        return (value - f.start) % f.step === 0 && (f.end === undefined || value <= f.end);
    }
  });
}

/** The smallest value of `fields` above `value`, if any. */
function nextAbove(fields: readonly Field[], value: number): number | undefined {
  let best: number | undefined;
  const offer = (v: number): void => {
    if (best === undefined || v < best) best = v;
  };
  for (const f of fields) {
    if (f.kind === 'single') {
      if (f.value > value) offer(f.value);
    } else if (f.kind === 'range') {
      if (value < f.start) offer(f.start);
      else if (value + 1 <= f.end) offer(value + 1);
    } else if (value < f.start) offer(f.start);
    else if (f.step > 0) {
      const n = f.start + Math.floor((value - f.start + f.step) / f.step) * f.step;
      if (f.end === undefined || n <= f.end) offer(n);
    }
  }
  return best;
}

/** Broken-down time that normalises through the calendar (UTC or local), as mktime does. */
class Clock {
  private date: Date;
  constructor(
    seconds: number,
    private readonly utc: boolean,
  ) {
    this.date = new Date(seconds * 1000);
  }
  private get parts(): [number, number, number, number, number, number] {
    const d = this.date;
    return this.utc
      ? [
          d.getUTCFullYear(),
          d.getUTCMonth(),
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
          d.getUTCSeconds(),
        ]
      : [d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()];
  }
  private set(y: number, mo: number, d: number, h: number, mi: number, s: number): void {
    this.date = this.utc ? new Date(Date.UTC(y, mo, d, h, mi, s)) : new Date(y, mo, d, h, mi, s);
  }
  get year(): number {
    return this.parts[0];
  }
  get month(): number {
    return this.parts[1] + 1;
  }
  get day(): number {
    return this.parts[2];
  }
  get hour(): number {
    return this.parts[3];
  }
  get minute(): number {
    return this.parts[4];
  }
  get second(): number {
    return this.parts[5];
  }
  /** Monday 0 ... Sunday 6. */
  get weekday(): number {
    return ((this.utc ? this.date.getUTCDay() : this.date.getDay()) + 6) % 7;
  }
  addYears(n: number): void {
    this.set(this.year + n, 0, 1, 0, 0, 0);
  }
  addMonths(n: number): void {
    this.set(this.year, this.month - 1 + n, 1, 0, 0, 0);
  }
  addDays(n: number): void {
    this.set(this.year, this.month - 1, this.day + n, 0, 0, 0);
  }
  setTime(h: number, mi: number, s: number): void {
    this.set(this.year, this.month - 1, this.day, h, mi, s);
  }
  get epoch(): number {
    return Math.floor(this.date.getTime() / 1000);
  }
}

/** The first time of `event` after `last` (Unix seconds), or `undefined` if none is found. */
export function nextEvent(event: CalendarEvent, last: number): number | undefined {
  const t = new Clock(last + 1, event.utc);
  const allDays = event.days === 0 || event.days === ALL_DAYS;
  for (let count = 0; count <= 1000; count++) {
    if (Number.isNaN(t.epoch)) return undefined;
    if (event.year.length > 0 && !contains(event.year, t.year)) {
      const n = nextAbove(event.year, t.year);
      if (n === undefined) return undefined;
      t.addYears(n - t.year);
      continue;
    }
    if (event.month.length > 0 && !contains(event.month, t.month)) {
      const n = nextAbove(event.month, t.month);
      if (n === undefined) t.addYears(1);
      else t.addMonths(n - t.month);
      continue;
    }
    if (event.day.length > 0 && !contains(event.day, t.day)) {
      const n = nextAbove(event.day, t.day);
      if (n === undefined) t.addMonths(1);
      else t.addDays(n - t.day);
      continue;
    }
    if (!allDays && (event.days & (1 << t.weekday)) === 0) {
      let n = t.weekday + 1;
      while (n < 7 && (event.days & (1 << n)) === 0) n++;
      t.addDays(n - t.weekday);
      continue;
    }
    if (event.hour.length > 0 && !contains(event.hour, t.hour)) {
      const n = nextAbove(event.hour, t.hour);
      if (n === undefined) t.addDays(1);
      else t.setTime(n, 0, 0);
      continue;
    }
    if (event.minute.length > 0 && !contains(event.minute, t.minute)) {
      const n = nextAbove(event.minute, t.minute);
      if (n === undefined) t.setTime(t.hour + 1, 0, 0);
      else t.setTime(t.hour, n, 0);
      continue;
    }
    if (event.second.length > 0 && !contains(event.second, t.second)) {
      const n = nextAbove(event.second, t.second);
      if (n === undefined) t.setTime(t.hour, t.minute + 1, 0);
      else t.setTime(t.hour, t.minute, n);
      continue;
    }
    return t.epoch;
  }
  return undefined;
}
