import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ticketCookieReader } from './ticket-cookie.js';

describe('ticketCookieReader', () => {
  const counting = () => {
    let parses = 0;
    const read = ticketCookieReader((header) => {
      parses++;
      const found = /(?:^|;\s*)PVEAuthCookie=([^;]*)/.exec(header)?.[1];
      return { PVEAuthCookie: found === undefined ? undefined : decodeURIComponent(found) };
    });
    return { read, parses: () => parses };
  };

  it('decodes a header once and answers the same after', () => {
    const { read, parses } = counting();
    const header = 'lang=en; PVEAuthCookie=PVE%3Abob%40pve%3A1';
    assert.equal(read(header), 'PVE:bob@pve:1');
    assert.equal(read(header), 'PVE:bob@pve:1');
    assert.equal(parses(), 1);
  });

  it('answers undefined for no header and for a header without the ticket, every time', () => {
    const { read, parses } = counting();
    assert.equal(read(undefined), undefined);
    assert.equal(read('lang=en'), undefined);
    assert.equal(read('lang=en'), undefined);
    assert.equal(parses(), 1);
  });

  it('keeps no long header', () => {
    const { read, parses } = counting();
    const header = `junk=${'x'.repeat(2000)}; PVEAuthCookie=PVE%3Aa%40pve%3A1`;
    assert.equal(read(header), 'PVE:a@pve:1');
    assert.equal(read(header), 'PVE:a@pve:1');
    assert.equal(parses(), 2);
  });

  it('stays bounded when many different headers come', () => {
    const { read, parses } = counting();
    for (let i = 0; i < 10_000; i++) read(`PVEAuthCookie=t${String(i)}`);
    const before = parses();
    read('PVEAuthCookie=t0');
    assert.equal(parses(), before + 1, 'the oldest headers were let go');
    assert.equal(read('PVEAuthCookie=t9999'), 't9999');
  });
});
