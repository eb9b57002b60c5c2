/**
 * Property: whatever the directory's layout, an `ldap` realm finds each user by searching the
 * subtree of base_dn for `(<user_attr>=<name>)` and binds as the entry found, as Proxmox does.
 * Each run generates a tree of OUs of any depth under its own base, whose names and user RDNs
 * hold the characters DNs must escape (`,+="<>;\#`), users of two object classes
 * (inetOrgPerson under a `cn` or `uid` RDN, account+simpleSecurityObject under `uid`), with
 * names made of filter metacharacters (`*()\`), searched anonymously or as the bind DN, against
 * a real slapd. Every user logs in with its password and no other; a name the directory lacks,
 * or a wildcard that would match a user, finds nobody.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isAuthFailure } from '../../src/errors.js';
import { asRealmId } from '../../src/model/ids.js';
import type { OptionValue, RealmConfig, RealmOptionName } from '../../src/model/realm.js';
import { escapeDnValue } from '../../src/realms/directory.js';
import { directoryLogin } from '../../src/realms/directory-login.js';
import { ldapSettings } from '../../src/realms/ldap-settings.js';
import { ssha, startSlapd, type Slapd } from '../support/slapd.js';

const RUNS = { numRuns: 20 };

const SPECIAL = [',', '+', '=', '"', '<', '>', ';', '\\', '#', ' ', '*', '(', ')', 'é'];
const PLAIN = ['a', 'b', 'Z', '0', '7', '.', '-', '_'];

/** Text with DN and filter metacharacters, never starting or ending with a space. */
const text = (chars: string[]) =>
  fc
    .array(fc.constantFrom(...chars), { minLength: 1, maxLength: 8 })
    .map((list) => list.join('').trim())
    .filter((value) => value !== '');

interface GeneratedUser {
  readonly uid: string;
  readonly password: string;
  readonly rdn: 'uid' | 'cn';
  readonly account: boolean;
  readonly cn: string;
  /** Index into the OUs, or -1 for the base itself. */
  readonly ou: number;
}

const layout = fc.record({
  // Each OU hangs below an earlier one (or the base): any depth, any branching.
  ous: fc.array(fc.record({ parent: fc.nat(), name: text([...PLAIN, ...SPECIAL]) }), {
    maxLength: 6,
  }),
  users: fc.uniqueArray(
    fc.record({
      // uid is matched case-insensitively, spaces collapsed: none in names here.
      uid: text([...PLAIN, ...SPECIAL.filter((c) => c !== ' ')]),
      password: fc.string({ minLength: 1, maxLength: 12 }),
      rdn: fc.constantFrom<'uid' | 'cn'>('uid', 'cn'),
      account: fc.boolean(),
      cn: text([...PLAIN, ...SPECIAL]),
      ou: fc.integer({ min: -1, max: 5 }),
    }),
    { minLength: 1, maxLength: 5, selector: (user) => user.uid.toLowerCase() },
  ),
  bindDn: fc.boolean(),
});

describe('LDAP logins in generated directory layouts', { timeout: 120_000 }, () => {
  let slapd: Slapd;
  let run = 0;

  before(async () => {
    slapd = await startSlapd({ anonymousRead: true });
  });

  after(async () => {
    await slapd.destroy();
  });

  const outcome = async (
    settings: Awaited<ReturnType<typeof ldapSettings>>,
    name: string,
    password: string,
  ): Promise<string> => {
    try {
      await directoryLogin(settings, name, password);
      return 'ok';
    } catch (err) {
      if (isAuthFailure(err)) return err.code;
      throw err;
    }
  };

  it('finds and binds every user, and only with its own password', async () => {
    await fc.assert(
      fc.asyncProperty(layout, async ({ ous, users, bindDn }) => {
        run += 1;
        const base = `ou=run${String(run)},${slapd.baseDn}`;
        await slapd.addEntry(base, { objectClass: 'organizationalUnit', ou: `run${String(run)}` });
        const ouDns: string[] = [];
        for (const [i, ou] of ous.entries()) {
          // The index keeps siblings apart, whatever the generated names.
          const name = `${ou.name} ${String(i)}`;
          const parent = i === 0 ? base : (ouDns[ou.parent % (i + 1)] ?? base);
          const dn = `ou=${escapeDnValue(name)},${parent}`;
          await slapd.addEntry(dn, { objectClass: 'organizationalUnit', ou: name });
          ouDns.push(dn);
        }
        for (const [i, user] of users.entries()) {
          const parent = ouDns[user.ou] ?? base;
          const cn = `${user.cn} ${String(i)}`;
          const rdn: GeneratedUser['rdn'] = user.account ? 'uid' : user.rdn;
          const dn = `${rdn}=${escapeDnValue(rdn === 'uid' ? user.uid : cn)},${parent}`;
          await slapd.addEntry(
            dn,
            user.account
              ? {
                  objectClass: ['top', 'account', 'simpleSecurityObject'],
                  uid: user.uid,
                  userPassword: ssha(user.password),
                }
              : {
                  objectClass: ['top', 'person', 'organizationalPerson', 'inetOrgPerson'],
                  uid: user.uid,
                  cn,
                  sn: cn,
                  userPassword: ssha(user.password),
                },
          );
        }
        const options = new Map<RealmOptionName, OptionValue>([
          ['server1', '127.0.0.1'],
          ['port', slapd.port],
          ['base_dn', base],
          ['user_attr', 'uid'],
        ]);
        if (bindDn) options.set('bind_dn', slapd.serviceDn);
        const realm = asRealmId('gen');
        assert.ok(realm);
        const config: RealmConfig = { realm, type: 'ldap', options };
        const settings = await ldapSettings(config, bindDn ? slapd.servicePassword : undefined);
        const taken = new Set(users.map((user) => user.uid.toLowerCase()));
        const absent = (name: string) => !taken.has(name.toLowerCase());
        for (const [i, user] of users.entries()) {
          const other = users[(i + 1) % users.length]?.password ?? '';
          assert.equal(await outcome(settings, user.uid, user.password), 'ok', user.uid);
          if (other !== user.password)
            assert.equal(await outcome(settings, user.uid, other), 'wrong_password', user.uid);
          // A wildcard is a literal character: it would match this user if it were one.
          if (absent(`${user.uid}*`))
            assert.equal(
              await outcome(settings, `${user.uid}*`, user.password),
              'ldap_user_not_found',
              user.uid,
            );
        }
        if (absent('*')) assert.equal(await outcome(settings, '*', 'x'), 'ldap_user_not_found');
        assert.equal(await outcome(settings, 'nobody-here', 'x'), 'ldap_user_not_found');
      }),
      RUNS,
    );
  });
});
