/**
 * The hardening checklist on small configurations built through the services: each finding
 * appears when it should, names exactly the objects concerned, and goes away when fixed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAclPath } from '../model/acl-path.js';
import {
  parseGroupId,
  parseRealmId,
  parseRoleId,
  parseTokenId,
  parseTokenName,
  parseUserId,
  type UserId,
} from '../model/ids.js';
import type { TfaUser } from '../model/tfa.js';
import { modifyAcl } from '../services/acl.js';
import { bootstrap } from '../services/bootstrap.js';
import { liveContext, type ServiceContext } from '../services/context.js';
import { createGroup } from '../services/groups.js';
import { createRealm, updateRealm } from '../services/realms.js';
import { createRole } from '../services/roles.js';
import { setPasswordHashKind } from '../services/settings.js';
import { addRecoveryKeys, addTfaEntry, updateTfaEntry } from '../services/tfa-entries.js';
import { createToken, updateToken } from '../services/tokens.js';
import { createUser, setPasswordHash, updateUser } from '../services/users.js';
import { encodeAclNode, encodeTfaUser, KEYS } from '../store/codec.js';
import { LiveAccess } from '../store/live.js';
import { MemoryStore } from '../store/memory.js';
import {
  auditConfiguration,
  FINDING_IDS,
  hasSeriousFindings,
  inspectCertificate,
  type AuditContext,
  type Finding,
} from './audit.js';

const NOW = Math.floor(Date.now() / 1000);
const DAY = 86_400;

const user = (id: string): UserId => parseUserId(id);
const role = parseRoleId;
const root = parseAclPath('/');
const vms = parseAclPath('/vms');

interface Fixture {
  readonly live: LiveAccess;
  readonly ctx: ServiceContext;
  readonly store: MemoryStore;
  audit(context?: Partial<AuditContext>): Finding[];
  /** Writes store entries the services would refuse (a hand-edited or damaged configuration). */
  raw(key: string, value: string): Promise<void>;
}

/** An empty store, or one set up as `tessera serve` does on first start. */
async function fixture(options: { bootstrap?: boolean } = {}): Promise<Fixture> {
  const store = new MemoryStore();
  const live = await LiveAccess.open(store);
  const ctx = liveContext(live);
  if (options.bootstrap === true) await bootstrap(ctx);
  return {
    live,
    ctx,
    store,
    audit: (context = {}) => auditConfiguration(live.snapshot, { now: NOW, ...context }),
    raw: async (key, value) => {
      const revision = await store.transact([], [{ op: 'put', key, value }]);
      await live.waitForRevision(revision);
    },
  };
}

/** Findings of one id (a check may report two severities). */
function only(findings: readonly Finding[], id: string): Finding[] {
  return findings.filter((f) => f.id === id);
}

/** The one finding of `id`. */
function one(findings: readonly Finding[], id: string): Finding {
  const found = only(findings, id);
  assert.equal(found.length, 1, `one '${id}' finding`);
  const [first] = found;
  assert.ok(first);
  return first;
}

function objectsOf(findings: readonly Finding[], id: string): string[] | undefined {
  return only(findings, id).length === 0 ? undefined : [...one(findings, id).objects];
}

const totp = {
  type: 'totp' as const,
  description: 'phone',
  totp: {
    secret: new Uint8Array(20).fill(7),
    algorithm: 'SHA1' as const,
    digits: 6,
    period: 30,
    account: 'x',
  },
  step: 0,
};

const EMPTY_TFA: TfaUser = { totp: [], u2f: [], webauthn: [], yubico: [], totpLocked: false };

const WEBAUTHN_KEY = {
  info: { id: 'w1', description: 'key', created: NOW, enable: true },
  credential: {
    cred_id: 'AAEC',
    cred: { type_: 'ES256', key: { EC_EC2: { curve: 'SECP256R1', x: 'AQ', y: 'Ag' } } },
    counter: 0,
  },
};

const LDAP = { server1: 'ldap.example', base_dn: 'dc=example', user_attr: 'uid' };

describe('auditConfiguration', () => {
  it('reports the first-start configuration: admin@pve and root@pam without factors', async () => {
    const f = await fixture({ bootstrap: true });
    const findings = f.audit();
    assert.deepEqual(
      findings.map((x) => [x.id, x.severity, x.objects]),
      [
        ['admin_without_tfa', 'high', ['admin@pve']],
        ['root_without_tfa', 'high', ['root@pam']],
        ['realm_without_tfa', 'info', ['pam', 'pve']],
      ],
    );
    const admin = findings[0];
    assert.equal(
      admin?.detail,
      'These users can change permissions, users, realms or the system on / and log in with ' +
        'a password alone: admin@pve (Permissions.Modify, User.Modify, Sys.Modify, Realm.Allocate).',
    );
    assert.ok(hasSeriousFindings(findings));
    await f.live.close();
  });

  it('an empty configuration has no findings', async () => {
    const f = await fixture();
    assert.deepEqual(f.audit(), []);
    assert.equal(hasSeriousFindings([]), false);
    await f.live.close();
  });

  it('admin_without_tfa: direct, through a group, by a custom role; not for narrower roles', async () => {
    const f = await fixture({ bootstrap: true });
    const { ctx } = f;
    const admins = parseGroupId('admins');
    await createGroup(ctx, admins);
    for (const id of ['bob@pve', 'carol@pve', 'dave@pve', 'erin@pve'])
      await createUser(ctx, {
        userid: user(id),
        ...(id === 'bob@pve' ? { groups: [admins] } : {}),
      });
    await modifyAcl(ctx, { path: root, roles: [role('PVEAdmin')], groups: [admins] });
    await createRole(ctx, role('Keymaster'), ['Permissions.Modify']);
    // Not propagated: still a privilege on / itself.
    await modifyAcl(ctx, {
      path: root,
      roles: [role('Keymaster')],
      users: [user('carol@pve')],
      propagate: false,
    });
    await modifyAcl(ctx, { path: root, roles: [role('PVEVMAdmin')], users: [user('dave@pve')] });
    // Administrator below / is not administrator of the whole cluster.
    await modifyAcl(ctx, { path: vms, roles: [role('Administrator')], users: [user('erin@pve')] });
    assert.deepEqual(objectsOf(f.audit(), 'admin_without_tfa'), [
      'admin@pve',
      'bob@pve',
      'carol@pve',
    ]);
    assert.match(
      one(f.audit(), 'admin_without_tfa').detail,
      /bob@pve \(User\.Modify\); carol@pve \(Permissions\.Modify\)/,
    );
    await f.live.close();
  });

  it('admin_without_tfa: goes with an enabled factor or a TFA realm, not with recovery keys alone', async () => {
    const f = await fixture({ bootstrap: true });
    const { ctx } = f;
    const admin = user('admin@pve');
    await addRecoveryKeys(ctx, admin, NOW);
    assert.deepEqual(objectsOf(f.audit(), 'admin_without_tfa'), ['admin@pve']);
    const id = await addTfaEntry(ctx, admin, totp, NOW);
    assert.equal(objectsOf(f.audit(), 'admin_without_tfa'), undefined);
    await updateTfaEntry(ctx, admin, id, { enable: false });
    assert.deepEqual(objectsOf(f.audit(), 'admin_without_tfa'), ['admin@pve']);
    await updateRealm(ctx, parseRealmId('pve'), { options: { tfa: 'type=oath' } });
    assert.equal(objectsOf(f.audit(), 'admin_without_tfa'), undefined);
    await f.live.close();
  });

  it('admin_without_tfa: skips accounts that cannot log in', async () => {
    const f = await fixture({ bootstrap: true });
    await updateUser(f.ctx, user('admin@pve'), { enable: false });
    assert.equal(objectsOf(f.audit(), 'admin_without_tfa'), undefined);
    await updateUser(f.ctx, user('admin@pve'), { enable: true, expire: NOW - DAY });
    assert.equal(objectsOf(f.audit(), 'admin_without_tfa'), undefined);
    await updateUser(f.ctx, user('admin@pve'), { expire: NOW + DAY });
    assert.deepEqual(objectsOf(f.audit(), 'admin_without_tfa'), ['admin@pve']);
    await f.live.close();
  });

  it('root_without_tfa: goes with a factor for root@pam or a TFA pam realm', async () => {
    const f = await fixture({ bootstrap: true });
    const rootUser = user('root@pam');
    assert.deepEqual(objectsOf(f.audit(), 'root_without_tfa'), ['root@pam']);
    assert.equal(one(f.audit(), 'root_without_tfa').severity, 'high');
    // root@pam is its own finding, not one of the administrators.
    assert.deepEqual(objectsOf(f.audit(), 'admin_without_tfa'), ['admin@pve']);
    await updateRealm(f.ctx, parseRealmId('pam'), { options: { tfa: 'type=oath' } });
    assert.equal(objectsOf(f.audit(), 'root_without_tfa'), undefined);
    await updateRealm(f.ctx, parseRealmId('pam'), { delete: ['tfa'] });
    await addTfaEntry(f.ctx, rootUser, totp, NOW);
    assert.equal(objectsOf(f.audit(), 'root_without_tfa'), undefined);
    await f.live.close();
  });

  it('tfa_without_recovery: factors without keys, or with every key used', async () => {
    const f = await fixture({ bootstrap: true });
    const admin = user('admin@pve');
    assert.equal(objectsOf(f.audit(), 'tfa_without_recovery'), undefined);
    await addTfaEntry(f.ctx, admin, totp, NOW);
    assert.deepEqual(objectsOf(f.audit(), 'tfa_without_recovery'), ['admin@pve']);
    assert.equal(one(f.audit(), 'tfa_without_recovery').severity, 'medium');
    await addRecoveryKeys(f.ctx, admin, NOW);
    assert.equal(objectsOf(f.audit(), 'tfa_without_recovery'), undefined);
    const stored = f.live.snapshot.tfa.users.get(admin) ?? EMPTY_TFA;
    const recovery = stored.recovery;
    assert.ok(recovery);
    await f.raw(
      KEYS.tfa(admin),
      encodeTfaUser({ ...stored, recovery: { ...recovery, entries: [null, null] } }, 1),
    );
    assert.deepEqual(objectsOf(f.audit(), 'tfa_without_recovery'), ['admin@pve']);
    await f.live.close();
  });

  it('token_privsep_off and token_no_expiry', async () => {
    const f = await fixture();
    const alice = user('alice@pve');
    await createUser(f.ctx, { userid: alice });
    const { tokenid } = await createToken(f.ctx, alice, parseTokenName('ci'), { privsep: false });
    await createToken(f.ctx, alice, parseTokenName('backup'), { expire: NOW + 90 * DAY });
    let findings = f.audit();
    assert.deepEqual(objectsOf(findings, 'token_privsep_off'), ['alice@pve!ci']);
    assert.equal(one(findings, 'token_privsep_off').severity, 'medium');
    assert.deepEqual(objectsOf(findings, 'token_no_expiry'), ['alice@pve!ci']);
    assert.equal(one(findings, 'token_no_expiry').severity, 'low');
    await updateToken(f.ctx, tokenid, { privsep: true });
    findings = f.audit();
    assert.equal(objectsOf(findings, 'token_privsep_off'), undefined);
    assert.deepEqual(objectsOf(findings, 'token_no_expiry'), ['alice@pve!ci']);
    await updateToken(f.ctx, tokenid, { expire: NOW + 30 * DAY });
    assert.equal(objectsOf(f.audit(), 'token_no_expiry'), undefined);
    await f.live.close();
  });

  it('powerful_role_on_root: more than N principals with Administrator, PVEAdmin or Permissions.Modify', async () => {
    const f = await fixture({ bootstrap: true });
    const { ctx } = f;
    const ops = parseGroupId('ops');
    await createGroup(ctx, ops);
    await createUser(ctx, { userid: user('bob@pve') });
    const { tokenid } = await createToken(ctx, user('bob@pve'), parseTokenName('ci'));
    await createRole(ctx, role('AclEditor'), ['Permissions.Modify', 'Sys.Audit']);
    await modifyAcl(ctx, { path: root, roles: [role('PVEAdmin')], groups: [ops] });
    await modifyAcl(ctx, { path: root, roles: [role('AclEditor')], tokens: [tokenid] });
    // Three holders (admin@pve, @ops, the token): at the limit, not above it.
    assert.equal(objectsOf(f.audit(), 'powerful_role_on_root'), undefined);
    // Narrower roles on / do not count.
    await modifyAcl(ctx, { path: root, roles: [role('PVEAuditor')], users: [user('bob@pve')] });
    assert.equal(objectsOf(f.audit(), 'powerful_role_on_root'), undefined);
    await modifyAcl(ctx, { path: root, roles: [role('Administrator')], users: [user('bob@pve')] });
    const found = one(f.audit(), 'powerful_role_on_root');
    assert.deepEqual(found.objects, ['@ops', 'admin@pve', 'bob@pve', 'bob@pve!ci']);
    assert.equal(found.severity, 'medium');
    assert.match(found.detail, /^4 principals \(more than 3\)/);
    assert.match(found.detail, /bob@pve \(Administrator\)/);
    assert.deepEqual(
      objectsOf(f.audit({ powerfulPrincipals: 4 }), 'powerful_role_on_root'),
      undefined,
    );
    await modifyAcl(ctx, {
      path: root,
      roles: [role('Administrator')],
      users: [user('bob@pve')],
      delete: true,
    });
    assert.equal(objectsOf(f.audit(), 'powerful_role_on_root'), undefined);
    await f.live.close();
  });

  it('acl_missing_principal: users, groups and tokens that do not exist, with their paths', async () => {
    const f = await fixture();
    await createUser(f.ctx, { userid: user('alice@pve') });
    const assignments = new Map([[role('PVEVMUser'), true]]);
    await f.raw(
      KEYS.acl(vms),
      encodeAclNode({
        users: new Map([
          [user('alice@pve'), assignments],
          [user('ghost@pve'), assignments],
        ]),
        groups: new Map([[parseGroupId('ghosts'), assignments]]),
        tokens: new Map([[parseTokenId('alice@pve!gone'), assignments]]),
      }),
    );
    await f.raw(
      KEYS.acl(root),
      encodeAclNode({
        users: new Map([[user('ghost@pve'), new Map([[role('PVEAuditor'), false]])]]),
        groups: new Map(),
        tokens: new Map(),
      }),
    );
    const found = one(f.audit(), 'acl_missing_principal');
    assert.deepEqual(found.objects, ['@ghosts', 'alice@pve!gone', 'ghost@pve']);
    assert.equal(found.severity, 'medium');
    assert.equal(
      found.detail,
      'Whoever is created later under one of these names receives the access at once: ' +
        '@ghosts on /vms; alice@pve!gone on /vms; ghost@pve on /, /vms.',
    );
    await createGroup(f.ctx, parseGroupId('ghosts'));
    await createToken(f.ctx, user('alice@pve'), parseTokenName('gone'));
    assert.deepEqual(objectsOf(f.audit(), 'acl_missing_principal'), ['ghost@pve']);
    for (const path of [root, vms])
      await modifyAcl(f.ctx, {
        path,
        roles: [role('PVEVMUser'), role('PVEAuditor')],
        users: [user('ghost@pve')],
        delete: true,
      });
    assert.equal(objectsOf(f.audit(), 'acl_missing_principal'), undefined);
    await f.live.close();
  });

  it('disabled_user_with_acl and expired_user_with_acl: direct entries only', async () => {
    const f = await fixture();
    const { ctx } = f;
    const bob = user('bob@pve');
    const staff = parseGroupId('staff');
    await createGroup(ctx, staff);
    await createUser(ctx, { userid: bob, groups: [staff] });
    await modifyAcl(ctx, { path: root, roles: [role('PVEAuditor')], groups: [staff] });
    await updateUser(ctx, bob, { enable: false });
    // Group entries are the group's: not reported against the user.
    assert.equal(objectsOf(f.audit(), 'disabled_user_with_acl'), undefined);
    await modifyAcl(ctx, { path: vms, roles: [role('PVEVMUser')], users: [bob] });
    let findings = f.audit();
    assert.deepEqual(objectsOf(findings, 'disabled_user_with_acl'), ['bob@pve']);
    assert.equal(one(findings, 'disabled_user_with_acl').severity, 'low');
    assert.match(one(findings, 'disabled_user_with_acl').detail, /bob@pve on \/vms\./);
    // Disabled and expired: reported once, as disabled.
    await updateUser(ctx, bob, { expire: NOW - DAY });
    findings = f.audit();
    assert.deepEqual(objectsOf(findings, 'disabled_user_with_acl'), ['bob@pve']);
    assert.equal(objectsOf(findings, 'expired_user_with_acl'), undefined);
    await updateUser(ctx, bob, { enable: true });
    findings = f.audit();
    assert.equal(objectsOf(findings, 'disabled_user_with_acl'), undefined);
    assert.deepEqual(objectsOf(findings, 'expired_user_with_acl'), ['bob@pve']);
    assert.equal(one(findings, 'expired_user_with_acl').severity, 'low');
    await updateUser(ctx, bob, { expire: NOW + DAY });
    assert.equal(objectsOf(f.audit(), 'expired_user_with_acl'), undefined);
    await updateUser(ctx, bob, { expire: NOW - DAY });
    await modifyAcl(ctx, { path: vms, roles: [role('PVEVMUser')], users: [bob], delete: true });
    assert.equal(objectsOf(f.audit(), 'expired_user_with_acl'), undefined);
    await f.live.close();
  });

  it('realm_without_tfa: low for directories, info for pam and pve, never for OpenID', async () => {
    const f = await fixture({ bootstrap: true });
    const { ctx } = f;
    await createRealm(ctx, parseRealmId('corp'), 'ldap', { ...LDAP, mode: 'ldaps', verify: 1 });
    await createRealm(ctx, parseRealmId('win'), 'ad', {
      server1: 'dc.example',
      domain: 'example.com',
      mode: 'ldaps',
      verify: 1,
    });
    await createRealm(ctx, parseRealmId('sso'), 'openid', {
      'issuer-url': 'https://id.example',
      'client-id': 'pve',
    });
    let found = only(f.audit(), 'realm_without_tfa');
    assert.deepEqual(
      found.map((x) => [x.severity, x.objects]),
      [
        ['low', ['corp', 'win']],
        ['info', ['pam', 'pve']],
      ],
    );
    await updateRealm(ctx, parseRealmId('corp'), { options: { tfa: 'type=oath' } });
    await updateRealm(ctx, parseRealmId('pve'), { options: { tfa: 'type=oath,digits=8' } });
    found = only(f.audit(), 'realm_without_tfa');
    assert.deepEqual(
      found.map((x) => [x.severity, x.objects]),
      [
        ['low', ['win']],
        ['info', ['pam']],
      ],
    );
    await f.live.close();
  });

  it('legacy_password_hash: crypt $1$, $5$ and $6$, not argon2id', async () => {
    const f = await fixture();
    for (const name of ['md5', 'sha256', 'sha512', 'modern'])
      await createUser(f.ctx, { userid: user(`${name}@pve`) });
    await setPasswordHash(f.ctx, user('md5@pve'), '$1$salt$abcdefghijklmnopqrstuv');
    await setPasswordHash(f.ctx, user('sha256@pve'), '$5$salt$abcdefghijklmnopqrstuvwxyz');
    await setPasswordHash(f.ctx, user('sha512@pve'), '$6$salt$abcdefghijklmnopqrstuvwxyz');
    await setPasswordHash(
      f.ctx,
      user('modern@pve'),
      '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    );
    const found = one(f.audit(), 'legacy_password_hash');
    assert.deepEqual(found.objects, ['md5@pve', 'sha256@pve', 'sha512@pve']);
    assert.equal(found.severity, 'low');
    for (const name of ['md5', 'sha256', 'sha512'])
      await setPasswordHash(
        f.ctx,
        user(`${name}@pve`),
        '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
      );
    assert.equal(objectsOf(f.audit(), 'legacy_password_hash'), undefined);
    await f.live.close();
  });

  it('legacy_password_hash under sha512-crypt: the setting is the way back', async () => {
    const f = await fixture();
    await createUser(f.ctx, { userid: user('six@pve') });
    await setPasswordHash(f.ctx, user('six@pve'), '$6$salt$abcdefghijklmnopqrstuvwxyz');
    assert.match(one(f.audit(), 'legacy_password_hash').fix, /next successful login/);
    await setPasswordHashKind(f.ctx, 'sha512-crypt');
    const found = one(f.audit(), 'legacy_password_hash');
    assert.deepEqual(found.objects, ['six@pve']);
    assert.match(found.detail, /password-hash setting is sha512-crypt/);
    assert.equal(
      found.fix,
      'If this deployment no longer exports to Proxmox: tessera config set password-hash ' +
        "argon2id; Tessera then replaces each hash with argon2id at its user's next login.",
    );
    await f.live.close();
  });

  it('ldap_without_verify and ldap_plain', async () => {
    const f = await fixture();
    const { ctx } = f;
    const realm = (name: string) => parseRealmId(name);
    await createRealm(ctx, realm('tls'), 'ldap', { ...LDAP, mode: 'ldaps' });
    await createRealm(ctx, realm('start'), 'ad', {
      server1: 'dc.example',
      domain: 'example.com',
      mode: 'ldap+starttls',
    });
    // The deprecated `secure 1` means LDAPS.
    await createRealm(ctx, realm('legacy'), 'ldap', { ...LDAP, secure: 1 });
    await createRealm(ctx, realm('plain'), 'ldap', { ...LDAP, bind_dn: 'cn=sync,dc=example' });
    await createRealm(ctx, realm('anon'), 'ldap', { ...LDAP, mode: 'ldap' });
    await createRealm(ctx, realm('good'), 'ldap', { ...LDAP, mode: 'ldaps', verify: 1 });
    let findings = f.audit();
    assert.deepEqual(objectsOf(findings, 'ldap_without_verify'), ['legacy', 'start', 'tls']);
    assert.equal(one(findings, 'ldap_without_verify').severity, 'medium');
    assert.deepEqual(objectsOf(findings, 'ldap_plain'), ['anon', 'plain']);
    assert.equal(one(findings, 'ldap_plain').severity, 'medium');
    assert.match(one(findings, 'ldap_plain').detail, /anon; plain \(and its bind password\)/);
    for (const name of ['tls', 'start', 'legacy'])
      await updateRealm(ctx, realm(name), { options: { verify: 1 } });
    for (const name of ['plain', 'anon'])
      await updateRealm(ctx, realm(name), { options: { mode: 'ldap+starttls', verify: 1 } });
    findings = f.audit();
    assert.equal(objectsOf(findings, 'ldap_without_verify'), undefined);
    assert.equal(objectsOf(findings, 'ldap_plain'), undefined);
    await f.live.close();
  });

  it('self_signed_with_webauthn: a self-signed certificate while WebAuthn is in use', async () => {
    const f = await fixture();
    const alice = user('alice@pve');
    await createUser(f.ctx, { userid: alice });
    const selfSigned = { selfSigned: true, subject: 'CN=pve1', notAfter: NOW + 365 * DAY };
    assert.deepEqual(f.audit({ certificate: selfSigned }), []);
    const offered = one(
      f.audit({ certificate: selfSigned, webauthnEnabled: true }),
      'self_signed_with_webauthn',
    );
    assert.deepEqual(offered.objects, ['CN=pve1']);
    assert.equal(offered.severity, 'medium');
    await f.raw(KEYS.tfa(alice), encodeTfaUser({ ...EMPTY_TFA, webauthn: [WEBAUTHN_KEY] }, 1));
    const used = one(f.audit({ certificate: selfSigned }), 'self_signed_with_webauthn');
    assert.match(used.detail, /these users have WebAuthn keys: alice@pve\.$/);
    assert.deepEqual(
      only(
        f.audit({ certificate: { ...selfSigned, selfSigned: false }, webauthnEnabled: true }),
        'self_signed_with_webauthn',
      ),
      [],
    );
    // Without a certificate there is nothing to judge.
    assert.deepEqual(only(f.audit({ webauthnEnabled: true }), 'self_signed_with_webauthn'), []);
    await f.live.close();
  });

  it('certificate_expiring: medium within 30 days, high once expired', async () => {
    const f = await fixture();
    const cert = (notAfter: number) => ({ selfSigned: false, subject: 'CN=pve1', notAfter });
    assert.deepEqual(f.audit({ certificate: cert(NOW + 31 * DAY) }), []);
    const soon = only(f.audit({ certificate: cert(NOW + 10 * DAY) }), 'certificate_expiring');
    assert.deepEqual(
      soon.map((x) => [x.severity, x.title, x.objects]),
      [['medium', 'Certificate expires within 30 days', ['CN=pve1']]],
    );
    const expired = only(f.audit({ certificate: cert(NOW - 1) }), 'certificate_expiring');
    assert.deepEqual(
      expired.map((x) => [x.severity, x.title]),
      [['high', 'Certificate expired']],
    );
    await f.live.close();
  });

  it('orders findings by severity, then by checklist order, and every id is documented', async () => {
    const f = await fixture({ bootstrap: true });
    await createRealm(f.ctx, parseRealmId('corp'), 'ldap', LDAP);
    const { tokenid } = await createToken(f.ctx, user('admin@pve'), parseTokenName('ci'), {
      privsep: false,
    });
    assert.ok(tokenid);
    const findings = f.audit({
      certificate: { selfSigned: true, subject: 'CN=pve1', notAfter: NOW - 1 },
      webauthnEnabled: true,
    });
    assert.deepEqual(
      findings.map((x) => `${x.severity} ${x.id}`),
      [
        'high admin_without_tfa',
        'high root_without_tfa',
        'high certificate_expiring',
        'medium token_privsep_off',
        'medium ldap_plain',
        'medium self_signed_with_webauthn',
        'low token_no_expiry',
        'low realm_without_tfa',
        'info realm_without_tfa',
      ],
    );
    for (const x of findings) assert.ok((FINDING_IDS as readonly string[]).includes(x.id));
    await f.live.close();
  });
});

describe('inspectCertificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-audit-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const path = (name: string) => join(dir, name);

  it('recognises a self-signed certificate and reads its subject and end', () => {
    openssl(
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', path('self.key'), '-out', path('self.crt'), '-days', '10'],
      ...['-subj', '/CN=pve1.example'],
    );
    const facts = inspectCertificate(readFileSync(path('self.crt')));
    assert.equal(facts.selfSigned, true);
    assert.equal(facts.subject, 'CN=pve1.example');
    assert.ok(Math.abs(facts.notAfter - (NOW + 10 * DAY)) < 120, String(facts.notAfter));
  });

  it('a certificate signed by a CA is not self-signed', () => {
    openssl(
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', path('ca.key'), '-out', path('ca.crt'), '-days', '30', '-subj', '/CN=Test CA'],
    );
    openssl(
      ...['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', path('leaf.key'), '-out', path('leaf.csr'), '-subj', '/CN=pve1.example'],
    );
    openssl(
      ...['x509', '-req', '-in', path('leaf.csr'), '-CA', path('ca.crt'), '-CAkey', path('ca.key')],
      ...['-CAcreateserial', '-out', path('leaf.crt'), '-days', '20'],
    );
    const facts = inspectCertificate(readFileSync(path('leaf.crt'), 'utf8'));
    assert.equal(facts.selfSigned, false);
    assert.equal(facts.subject, 'CN=pve1.example');
    rmSync(dir, { recursive: true, force: true });
  });
});
