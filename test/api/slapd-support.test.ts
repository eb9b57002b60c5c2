/**
 * Self-test of test/support/slapd.ts: the private OpenLDAP server that the ldap and ad realm
 * tests use. Binds over ldap://, ldaps:// and StartTLS, certificate checks, the ACLs (no
 * anonymous reads, the service account reads people with memberOf), stop/start, and edits.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, describe, it } from 'node:test';
import { Client, InvalidCredentialsError } from 'ldapts';
import { startSlapd, type Slapd } from '../support/slapd.js';

const alice = { uid: 'alice', password: 'alice-pw', givenName: 'Alice', mail: 'alice@example.com' };
const bob = { uid: 'bob', password: 'bob-pw', sAMAccountName: 'bsmith', disabled: true };

function values(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

describe('test support: slapd', { timeout: 30_000 }, () => {
  let slapd: Slapd;
  let ca: Buffer;
  const clients: Client[] = [];

  const client = (url: string, tlsOptions?: { ca: Buffer[] }): Client => {
    const c = new Client({
      url,
      timeout: 3000,
      connectTimeout: 2000,
      ...(tlsOptions ? { tlsOptions } : {}),
    });
    clients.push(c);
    return c;
  };
  const plain = (): Client => client(`ldap://127.0.0.1:${slapd.port}`);
  const asService = async (): Promise<Client> => {
    const c = plain();
    await c.bind(slapd.serviceDn, slapd.servicePassword);
    return c;
  };

  before(async () => {
    const started = Date.now();
    slapd = await startSlapd({
      users: [alice, bob],
      groups: [{ cn: 'admins', members: ['alice'] }],
    });
    console.log(`# slapd started with 2 users and a group in ${Date.now() - started} ms`);
    ca = readFileSync(slapd.caFile);
  });

  // Unbinding after each test matters: ldapts 8.2.0 does not notice when the server drops a
  // StartTLS-upgraded connection (as stop() does), and its next request, unbind included, then
  // waits for the full `timeout`.
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.unbind().catch(() => undefined)));
  });

  after(async () => {
    await slapd.destroy();
  });

  it('binds a user over plain ldap', async () => {
    await plain().bind(slapd.userDn('alice'), 'alice-pw');
  });

  it('binds over ldaps with the CA (IP SAN for 127.0.0.1)', async () => {
    await client(`ldaps://127.0.0.1:${slapd.ldapsPort}`, { ca: [ca] }).bind(
      slapd.userDn('alice'),
      'alice-pw',
    );
  });

  it('binds after StartTLS with the CA, without a servername', async () => {
    const c = plain();
    await c.startTLS({ ca: [ca] });
    await c.bind(slapd.userDn('alice'), 'alice-pw');
  });

  it('refuses ldaps with an unrelated CA', async () => {
    const other = readFileSync(slapd.otherCaFile);
    const c = client(`ldaps://127.0.0.1:${slapd.ldapsPort}`, { ca: [other] });
    await assert.rejects(c.bind(slapd.userDn('alice'), 'alice-pw'), (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      assert.match(String(code), /CERT|VERIFY|SIGNATURE/);
      return true;
    });
  });

  it('refuses a wrong password', async () => {
    await assert.rejects(plain().bind(slapd.userDn('alice'), 'wrong'), InvalidCredentialsError);
  });

  it('shows anonymous clients nothing', async () => {
    const { searchEntries } = await plain().search(slapd.peopleDn, { filter: '(objectClass=*)' });
    assert.deepEqual(searchEntries, []);
  });

  it('lets the service account read people with memberOf and AD attributes', async () => {
    const c = await asService();
    const { searchEntries } = await c.search(slapd.peopleDn, {
      scope: 'one',
      filter: '(objectClass=inetOrgPerson)',
    });
    const byUid = new Map(searchEntries.map((entry) => [String(entry['uid']), entry]));
    assert.deepEqual([...byUid.keys()].sort(), ['alice', 'bob']);
    const a = byUid.get('alice');
    assert.ok(a);
    assert.deepEqual(values(a['memberOf']), [slapd.groupDn('admins')]);
    assert.equal(a['mail'], 'alice@example.com');
    assert.equal(a['sAMAccountName'], 'alice');
    assert.equal(a['userAccountControl'], '512');
    assert.equal(a['userPassword'], undefined);
    assert.deepEqual(values(byUid.get('bob')?.['memberOf']), []);

    // The AD-style lookups: sAMAccountName equality and the bit-AND filter for disabled users.
    const sam = await c.search(slapd.peopleDn, { filter: '(sAMAccountName=BSmith)' });
    assert.deepEqual(
      sam.searchEntries.map((e) => e.dn),
      [slapd.userDn('bob')],
    );
    const disabled = await c.search(slapd.peopleDn, {
      filter: '(userAccountControl:1.2.840.113556.1.4.803:=2)',
    });
    assert.deepEqual(
      disabled.searchEntries.map((e) => e['userPrincipalName']),
      ['bsmith@example.com'],
    );
    const groups = await c.search(slapd.groupsDn, { scope: 'one', attributes: ['member'] });
    assert.deepEqual(values(groups.searchEntries[0]?.['member']), [slapd.userDn('alice')]);
  });

  it('stops (ECONNREFUSED) and starts again with its data', async () => {
    await slapd.stop();
    await assert.rejects(plain().bind(slapd.userDn('alice'), 'alice-pw'), { code: 'ECONNREFUSED' });
    const started = Date.now();
    await slapd.start();
    console.log(`# slapd restarted in ${Date.now() - started} ms`);
    await plain().bind(slapd.userDn('alice'), 'alice-pw');
  });

  it('changes passwords and group members, and removes users', async () => {
    await slapd.setPassword('bob', 'bob-pw-2');
    await assert.rejects(plain().bind(slapd.userDn('bob'), 'bob-pw'), InvalidCredentialsError);
    await plain().bind(slapd.userDn('bob'), 'bob-pw-2');

    await slapd.setGroupMembers('admins', ['alice', 'bob']);
    const c = await asService();
    const memberOf = async (uid: string): Promise<string[]> => {
      const { searchEntries } = await c.search(slapd.userDn(uid), {
        scope: 'base',
        attributes: ['memberOf'],
      });
      return values(searchEntries[0]?.['memberOf']);
    };
    assert.deepEqual(await memberOf('bob'), [slapd.groupDn('admins')]);

    await slapd.removeUser('alice');
    await assert.rejects(plain().bind(slapd.userDn('alice'), 'alice-pw'), InvalidCredentialsError);
    const members = async (): Promise<string[]> => {
      const { searchEntries } = await c.search(slapd.groupDn('admins'), {
        scope: 'base',
        attributes: ['member'],
      });
      return values(searchEntries[0]?.['member']);
    };
    assert.deepEqual(await members(), [slapd.userDn('bob')]);

    // An emptied group keeps the admin DN as a placeholder member.
    await slapd.setGroupMembers('admins', []);
    assert.deepEqual(await members(), [slapd.adminDn]);
    assert.deepEqual(await memberOf('bob'), []);

    await slapd.addGroup({ cn: 'empty', members: [] });
    await slapd.removeGroup('empty');
    await slapd.addUser({ uid: 'carol', password: 'carol-pw' });
    await plain().bind(slapd.userDn('carol'), 'carol-pw');
  });
});
