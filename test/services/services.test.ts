/**
 * Service invariants beyond Proxmox's recorded flows: cascades on delete, secrets kept apart
 * from public entries, concurrent writers that must not lose each other's changes, and bad
 * input that names its field and changes nothing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyTokenSecret } from '../../src/auth/token-secret.js';
import { isTesseraError } from '../../src/errors.js';
import { parseAclPath } from '../../src/model/acl-path.js';
import {
  parseGroupId,
  parsePoolId,
  parseRealmId,
  parseRoleId,
  parseTokenId,
  parseTokenName,
  parseUserId,
} from '../../src/model/ids.js';
import { modifyAcl } from '../../src/services/acl.js';
import { liveContext, type ServiceContext } from '../../src/services/context.js';
import { createGroup } from '../../src/services/groups.js';
import { createPool, deletePool, updatePool } from '../../src/services/pools.js';
import { createRealm, deleteRealm, updateRealm } from '../../src/services/realms.js';
import { createToken } from '../../src/services/tokens.js';
import { createUser, deleteUser, setPasswordHash } from '../../src/services/users.js';
import { LiveAccess } from '../../src/store/live.js';
import { MemoryStore } from '../../src/store/memory.js';

const alice = parseUserId('alice@pve');
const ops = parseGroupId('ops');
const vmUser = parseRoleId('PVEVMUser');

async function fresh(): Promise<{ live: LiveAccess; ctx: ServiceContext; store: MemoryStore }> {
  const store = new MemoryStore();
  const live = await LiveAccess.open(store);
  return { live, ctx: liveContext(live), store };
}

describe('services', () => {
  it('deleting a user removes its tokens, secrets, password, memberships and ACL entries', async () => {
    const { live, ctx, store } = await fresh();
    await createGroup(ctx, ops);
    await createUser(ctx, { userid: alice, groups: [ops] });
    await setPasswordHash(ctx, alice, '$5$salt$hash');
    const { tokenid } = await createToken(ctx, alice, parseTokenName('ci'));
    await modifyAcl(ctx, { path: parseAclPath('/vms'), roles: [vmUser], users: [alice] });
    await modifyAcl(ctx, { path: parseAclPath('/vms/100'), roles: [vmUser], tokens: [tokenid] });
    await modifyAcl(ctx, { path: parseAclPath('/vms/100'), roles: [vmUser], groups: [ops] });

    await deleteUser(ctx, alice);
    // Change events (events/...) are the audit trail, not configuration; the revocation of
    // alice's sessions stays, so that a new alice@pve does not inherit her tickets.
    const keys = [...(await store.snapshot()).entries.keys()]
      .filter((k) => !k.startsWith('events/'))
      .sort();
    assert.deepEqual(keys, ['acl//vms/100', 'groups/ops', 'sessions/alice@pve']);
    const snapshot = live.snapshot;
    assert.equal(snapshot.users.groups.get(ops)?.members.size, 0);
    assert.deepEqual(
      [...(snapshot.users.acl.get(parseAclPath('/vms/100'))?.groups.keys() ?? [])],
      [ops],
    );
    await live.close();
  });

  it('keeps token secrets apart from tokens, hashed, and shows the secret once', async () => {
    const { live, ctx, store } = await fresh();
    await createUser(ctx, { userid: alice });
    const created = await createToken(ctx, alice, parseTokenName('ci'), { comment: 'CI' });
    const entries = (await store.snapshot()).entries;
    const token = entries.get('tokens/alice@pve!ci')?.value ?? '';
    assert.ok(!token.includes(created.value));
    assert.deepEqual(JSON.parse(token), { expire: 0, privsep: true, comment: 'CI' });
    const stored = live.snapshot.tokenSecrets.get(parseTokenId('alice@pve!ci')) ?? '';
    assert.ok(verifyTokenSecret(stored, created.value));
    assert.ok(!JSON.stringify([...entries]).includes(created.value));
    await live.close();
  });

  it('loses no change when many writers change the same ACL node at once', async () => {
    const { live, ctx } = await fresh();
    const users = Array.from({ length: 12 }, (_, i) => parseUserId(`u${String(i)}@pve`));
    for (const userid of users) await createUser(ctx, { userid });
    await Promise.all(
      users.map((userid) =>
        modifyAcl(ctx, { path: parseAclPath('/vms/100'), roles: [vmUser], users: [userid] }),
      ),
    );
    const node = live.snapshot.users.acl.get(parseAclPath('/vms/100'));
    assert.equal(node?.users.size, users.length);
    await live.close();
  });

  it('keeps a VM in one pool, refuses to delete a pool with members, and removes its ACL', async () => {
    const { live, ctx } = await fresh();
    const [a, b] = [parsePoolId('a'), parsePoolId('b')];
    await createPool(ctx, a);
    await createPool(ctx, b);
    await updatePool(ctx, a, { vms: ['100'] });
    await assert.rejects(
      updatePool(ctx, b, { vms: ['100'] }),
      /VM 100 belongs already to pool 'a' and 'allow-move' is not set/,
    );
    await updatePool(ctx, b, { vms: ['100'], allowMove: true });
    assert.deepEqual([...(live.snapshot.users.pools.get(a)?.vms ?? [])], []);
    await updatePool(ctx, a, { vms: ['100'], allowMove: true });
    await assert.rejects(deletePool(ctx, a), /pool 'a' is not empty/);
    await createUser(ctx, { userid: alice });
    await modifyAcl(ctx, { path: parseAclPath('/pool/b'), roles: [vmUser], users: [alice] });
    await deletePool(ctx, b);
    assert.equal(live.snapshot.users.acl.size, 0);
    await live.close();
  });

  it('keeps a realm bind password as a secret, moves the default, and removes both on delete', async () => {
    const { live, ctx, store } = await fresh();
    const options = { server1: 'ldap.example', base_dn: 'dc=example', user_attr: 'uid' };
    const corp = parseRealmId('corp');
    await createRealm(ctx, corp, 'ldap', { ...options, default: 1 }, 'bind-secret');
    await createRealm(ctx, parseRealmId('corp2'), 'ldap', { ...options, default: '1' });
    assert.equal(live.snapshot.domains.realms.get(corp)?.options.get('default'), undefined);
    assert.equal(live.snapshot.realmSecrets.get(corp), 'bind-secret');
    assert.ok(!(await store.snapshot()).entries.get('realms/corp')?.value.includes('bind-secret'));
    await updateRealm(ctx, corp, { delete: ['password'] });
    assert.equal(live.snapshot.realmSecrets.has(corp), false);
    await updateRealm(ctx, corp, { password: 'again' });
    await deleteRealm(ctx, corp);
    const keys = [...(await store.snapshot()).entries.keys()].filter(
      (k) => !k.startsWith('events/'),
    );
    assert.deepEqual(keys, ['realms/corp2']);
    await live.close();
  });

  it('names the field of bad input and changes nothing', async () => {
    const { live, ctx, store } = await fresh();
    const before = (await store.snapshot()).revision;
    const options = { server1: 'ldap.example', base_dn: 'dc=example', user_attr: 'uid' };
    const cases: [() => Promise<unknown>, string][] = [
      [() => createUser(ctx, { userid: alice, email: 'not an address' }), 'email'],
      [() => createUser(ctx, { userid: alice, comment: 'bell\u0007' }), 'comment'],
      [() => createUser(ctx, { userid: alice, keys: 'a:b' }), 'keys'],
      [() => createUser(ctx, { userid: alice, expire: -1 }), 'expire'],
      [
        () => modifyAcl(ctx, { path: parseAclPath('/nowhere'), roles: [vmUser], users: [alice] }),
        'path',
      ],
      [
        () =>
          createRealm(ctx, parseRealmId('xy'), 'ldap', {
            ...options,
            port: 'x',
          }),
        'port',
      ],
      [
        () =>
          createRealm(ctx, parseRealmId('xy'), 'ldap', {
            ...options,
            bogus: '1',
          }),
        'bogus',
      ],
    ];
    for (const [attempt, field] of cases) {
      await assert.rejects(
        attempt,
        (err) => isTesseraError(err, 'invalid_value') && err.field === field,
      );
    }
    assert.equal((await store.snapshot()).revision, before);
    await live.close();
  });
});
