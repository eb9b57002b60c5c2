/**
 * Property tests of the Proxmox file formats:
 * - a generated configuration survives write -> parse -> write unchanged, with no diagnostic;
 * - garbage lines mixed into a valid file each get a diagnostic and take no valid entry with
 *   them;
 * - arbitrary text never makes a parser throw.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDomainsCfg, serializeDomainsCfg } from '../../src/formats/domains-cfg.js';
import { parseShadowCfg, serializeShadowCfg } from '../../src/formats/shadow-cfg.js';
import { parseTfaCfg, serializeTfaCfg } from '../../src/formats/tfa-cfg.js';
import { parseTokenCfg, serializeTokenCfg } from '../../src/formats/token-cfg.js';
import { parseUserCfg, serializeUserCfg } from '../../src/formats/user-cfg.js';
import type { AclPath } from '../../src/model/acl-path.js';
import {
  asGroupId,
  type GroupId,
  type PoolId,
  type RealmId,
  type RoleId,
  type TokenId,
  type UserId,
} from '../../src/model/ids.js';
import { PRIVILEGES, type Privilege } from '../../src/model/privileges.js';
import type {
  DomainsConfig,
  OptionValue,
  RealmConfig,
  RealmOptionName,
} from '../../src/model/realm.js';
import { BUILTIN_ROLES } from '../../src/model/roles.js';
import type {
  AclNode,
  Group,
  Pool,
  Role,
  Token,
  User,
  UserConfig,
} from '../../src/model/user-config.js';
import { toPerlModel } from '../support/perl-model.js';

const RUNS = { numRuns: 300 };

// Free text as users type it: any character but C0/C1 controls other than tab and newline.
const text = fc
  .string({ unit: 'binary', maxLength: 20 })
  .map((s) => s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')) // eslint-disable-line no-control-regex
  .map((s) => s.trim())
  .filter((s) => s !== '' && s !== '0');
const ident = fc.stringMatching(/^[A-Za-z0-9._-]{1,10}$/);
const userName = fc.oneof(
  fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/),
  fc.constantFrom('jürgen', 'o@k', 'ad!min', 'x.y'),
);
const realm = fc.constantFrom('pve', 'pam', 'corp-ad', 'ldap1');
// Built once: arbitraries made inside `chain` would be rebuilt for every run.
const email = fc.stringMatching(/^[a-z0-9.+-]{1,8}@[a-z0-9-]{1,8}\.[a-z]{2,3}$/);
const keys = fc.stringMatching(/^[0-9a-zA-Z!=]{1,12}$/).filter((k) => k !== '0');
const tokenName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{1,8}$/);
const vmids = fc.uniqueArray(fc.integer({ min: 100, max: 99999 }).map(String), { maxLength: 4 });
const storageIds = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,6}[a-z0-9]$/), {
  maxLength: 3,
});
const optionalText = fc.option(text, { nil: undefined });

const configArb: fc.Arbitrary<UserConfig> = fc
  .record({
    names: fc.uniqueArray(
      fc.tuple(userName, realm).map(([n, r]) => `${n}@${r}` as UserId),
      { minLength: 1, maxLength: 8 },
    ),
    groupIds: fc.uniqueArray(
      ident.filter((g) => asGroupId(g) !== undefined),
      { maxLength: 5 },
    ),
    roleIds: fc.uniqueArray(
      ident.filter((r) => !BUILTIN_ROLES.has(r as RoleId)),
      { maxLength: 4 },
    ),
    poolIds: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,4}(\/[a-z]{1,4}){0,2}$/), { maxLength: 5 }),
    seed: fc.integer(),
  })
  .chain(({ names, groupIds, roleIds, poolIds }) => {
    const users = names.filter((n) => n !== 'root@pam');
    return fc
      .record({
        users: fc.tuple(
          ...users.map((userid) =>
            fc.record(
              {
                userid: fc.constant(userid),
                enable: fc.boolean(),
                expire: fc.nat(),
                firstname: text,
                lastname: text,
                email,
                comment: text,
                keys,
              },
              { requiredKeys: ['userid', 'enable', 'expire'] },
            ),
          ),
        ),
        tokens: fc.uniqueArray(
          fc.record({
            owner: fc.constantFrom(...users, 'root@pam' as UserId),
            name: tokenName,
            expire: fc.nat(),
            privsep: fc.boolean(),
            comment: optionalText,
          }),
          { maxLength: 5, selector: (t) => `${t.owner}!${t.name}` },
        ),
        groups: fc.tuple(
          ...groupIds.map((groupid) =>
            fc.record({
              groupid: fc.constant(groupid),
              members: fc.subarray(users),
              comment: optionalText,
            }),
          ),
        ),
        roles: fc.tuple(
          ...roleIds.map((roleid) =>
            fc.record({ roleid: fc.constant(roleid), privileges: fc.subarray([...PRIVILEGES]) }),
          ),
        ),
        pools: fc.tuple(
          ...poolIds.map((poolid) =>
            fc.record({
              poolid: fc.constant(poolid),
              comment: optionalText,
              vms: vmids,
              storage: storageIds,
            }),
          ),
        ),
        acl: fc.array(
          fc.record({
            path: fc.constantFrom(
              '/',
              '/vms',
              '/vms/100',
              '/storage/local',
              '/pool/a',
              '/nodes/n1',
              '/access/groups',
              '/sdn/zones/z1',
            ),
            kind: fc.constantFrom('users', 'groups', 'tokens'),
            member: fc.nat(),
            role: fc.constantFrom(
              ...(['NoAccess', 'PVEAuditor', 'Administrator', 'PVEVMUser'] as RoleId[]),
              ...(roleIds as RoleId[]),
            ),
            propagate: fc.boolean(),
          }),
          { maxLength: 12 },
        ),
      })
      .map((parts) => buildConfig(parts, users));
  });

interface Parts {
  users: (Omit<User, 'userid'> & { userid: UserId })[];
  tokens: {
    owner: UserId;
    name: string;
    expire: number;
    privsep: boolean;
    comment: string | undefined;
  }[];
  groups: { groupid: string; members: UserId[]; comment: string | undefined }[];
  roles: { roleid: string; privileges: Privilege[] }[];
  pools: { poolid: string; comment: string | undefined; vms: string[]; storage: string[] }[];
  acl: {
    path: string;
    kind: 'users' | 'groups' | 'tokens';
    member: number;
    role: RoleId;
    propagate: boolean;
  }[];
}

function buildConfig(parts: Parts, users: UserId[]): UserConfig {
  const userMap = new Map<UserId, User>(parts.users.map((u) => [u.userid, u]));
  userMap.set('root@pam' as UserId, { userid: 'root@pam' as UserId, enable: true, expire: 0 });
  const tokens = new Map<TokenId, Token>(
    parts.tokens.map((t) => {
      const tokenid = `${t.owner}!${t.name}` as TokenId;
      return [
        tokenid,
        {
          tokenid,
          expire: t.expire,
          privsep: t.privsep,
          ...(t.comment !== undefined ? { comment: t.comment } : {}),
        },
      ];
    }),
  );
  const groups = new Map<GroupId, Group>(
    parts.groups.map((g) => [
      g.groupid as GroupId,
      {
        groupid: g.groupid as GroupId,
        members: new Set(g.members),
        ...(g.comment !== undefined ? { comment: g.comment } : {}),
      },
    ]),
  );
  const roles = new Map<RoleId, Role>(
    parts.roles.map((r) => [
      r.roleid as RoleId,
      { roleid: r.roleid as RoleId, privileges: new Set(r.privileges) },
    ]),
  );
  // Nested pools bring their parents; a VM belongs to one pool only.
  const pools = new Map<PoolId, Pool>();
  const seenVms = new Set<string>();
  for (const p of parts.pools) {
    const segments = p.poolid.split('/');
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join('/') as PoolId;
      if (!pools.has(parent))
        pools.set(parent, { poolid: parent, vms: new Set(), storage: new Set() });
    }
    const vms = p.vms.filter((v) => !seenVms.has(v));
    vms.forEach((v) => seenVms.add(v));
    pools.set(p.poolid as PoolId, {
      poolid: p.poolid as PoolId,
      vms: new Set(vms),
      storage: new Set(p.storage),
      ...(p.comment !== undefined ? { comment: p.comment } : {}),
    });
  }
  const acl = new Map<
    AclPath,
    {
      users: Map<string, Map<RoleId, boolean>>;
      groups: Map<string, Map<RoleId, boolean>>;
      tokens: Map<string, Map<RoleId, boolean>>;
    }
  >();
  const candidates = { users, groups: [...groups.keys()], tokens: [...tokens.keys()] };
  for (const entry of parts.acl) {
    const pool: readonly string[] = candidates[entry.kind];
    const member = pool[entry.member % Math.max(pool.length, 1)];
    if (member === undefined) continue;
    let node = acl.get(entry.path as AclPath);
    if (!node)
      acl.set(
        entry.path as AclPath,
        (node = { users: new Map(), groups: new Map(), tokens: new Map() }),
      );
    const members = node[entry.kind];
    let assignments = members.get(member);
    if (!assignments) members.set(member, (assignments = new Map<RoleId, boolean>()));
    assignments.set(entry.role, entry.propagate);
  }
  return {
    users: userMap,
    tokens,
    groups,
    roles,
    pools,
    acl: acl as unknown as Map<AclPath, AclNode>,
  };
}

// Lines that are never valid entries: unknown types, invalid ids, bare garbage.
const garbageLine = fc.oneof(
  fc
    .string({ maxLength: 30 })
    .map((s) =>
      `x${s.replace(/[\r\n]/g, '')}`.replace(/^x(user|token|group|role|acl|pool)(?=:|$)/, 'xx$1'),
    ),
  fc.constantFrom(
    'user:nobody:1:0',
    'token:a@pve!t:0:1',
    'group:bad name:',
    'role:bad role:VM.Audit',
    'acl:1:/vms/1:2:a@pve:PVEAuditor',
    'pool:p!::x:',
    '#comment',
  ),
);

describe('user.cfg properties', () => {
  it('write -> parse -> write is stable and loses nothing', () => {
    fc.assert(
      fc.property(configArb, (config) => {
        const written = serializeUserCfg(config);
        const parsed = parseUserCfg(written);
        assert.deepEqual(parsed.diagnostics, []);
        assert.equal(serializeUserCfg(parsed.value), written);
        assert.deepEqual(toPerlModel(parsed.value), toPerlModel(config));
      }),
      RUNS,
    );
  });

  it('garbage lines each get a diagnostic and take no valid entry with them', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.array(fc.tuple(fc.nat(), garbageLine), { minLength: 1, maxLength: 6 }),
        (config, garbage) => {
          const lines = serializeUserCfg(config).split('\n');
          const inserted: string[] = [];
          for (const [position, line] of garbage) {
            lines.splice(position % (lines.length + 1), 0, line);
            inserted.push(line);
          }
          const parsed = parseUserCfg(lines.join('\n'));
          for (const line of inserted) {
            if (line.trim() === '') continue;
            const numbers = lines.flatMap((l, i) => (l === line ? [i + 1] : []));
            assert.ok(
              parsed.diagnostics.some((d) => numbers.includes(d.line)),
              `no diagnostic for ${JSON.stringify(line)}`,
            );
          }
          assert.deepEqual(toPerlModel(parsed.value), toPerlModel(config));
        },
      ),
      RUNS,
    );
  });
});

const realmArb: fc.Arbitrary<RealmConfig> = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z][A-Za-z0-9._-]{1,12}$/).filter((r) => r !== 'pve' && r !== 'pam'),
    fc.constantFrom('ldap', 'ad', 'openid'),
    optionalText,
    fc.boolean(),
    fc.integer({ min: 1, max: 65535 }),
    fc.constantFrom('ldap', 'ldaps', 'ldap+starttls'),
  )
  .map(([id, type, comment, flag, port, mode]) => {
    const options = new Map<RealmOptionName, OptionValue>();
    if (comment !== undefined) options.set('comment', comment);
    if (type === 'openid') {
      options.set('issuer-url', 'https://id.example.com/realms/x');
      options.set('client-id', `c${port}`);
      options.set('autocreate', flag);
      options.set('scopes', 'openid email profile');
    } else {
      options.set('server1', 'ldap1.example.com');
      options.set('port', port);
      options.set('mode', mode);
      options.set('verify', flag);
      options.set('case-sensitive', !flag);
      options.set('sync-defaults-options', `scope=both,enable-new=${flag ? 1 : 0}`);
      if (type === 'ldap') {
        options.set('base_dn', 'dc=example,dc=com');
        options.set('user_attr', 'uid');
      } else {
        options.set('domain', 'example.com');
      }
      options.set('tfa', `type=oath,digits=${6 + (port % 3)}`);
    }
    return { realm: id as RealmId, type, options };
  });

describe('domains.cfg properties', () => {
  it('write -> parse -> write is stable', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(realmArb, { selector: (r) => r.realm.toLowerCase(), maxLength: 6 }),
        (realms) => {
          const config: DomainsConfig = { realms: new Map(realms.map((r) => [r.realm, r])) };
          const written = serializeDomainsCfg(config);
          const parsed = parseDomainsCfg(written);
          assert.deepEqual(parsed.diagnostics, []);
          const rewritten = serializeDomainsCfg(parsed.value);
          // Parsing adds the built-in realms at the end; everything before is unchanged.
          assert.ok(rewritten.startsWith(written), rewritten);
          assert.equal(serializeDomainsCfg(parseDomainsCfg(rewritten).value), rewritten);
        },
      ),
      RUNS,
    );
  });
});

describe('every parser survives arbitrary input', () => {
  const inputs = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 400 }),
    fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b).toString('latin1')),
    fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          garbageLine,
          fc.constantFrom('ldap: x1', '\tserver1 a', '', 'user:a@pve:1', '{"users":{'),
        ),
        { maxLength: 20 },
      )
      .map((l) => l.join('\n')),
  );
  it('parses to a value and diagnostics, never throwing, and writes what it parsed', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        const user = parseUserCfg(input);
        assert.equal(
          serializeUserCfg(parseUserCfg(serializeUserCfg(user.value)).value),
          serializeUserCfg(user.value),
        );
        const domains = parseDomainsCfg(input);
        assert.equal(
          serializeDomainsCfg(parseDomainsCfg(serializeDomainsCfg(domains.value)).value),
          serializeDomainsCfg(domains.value),
        );
        serializeShadowCfg(parseShadowCfg(input).value);
        serializeTokenCfg(parseTokenCfg(input).value);
        serializeTfaCfg(parseTfaCfg(input, { now: 0 }).value);
        // Every non-blank user.cfg line that is not an entry type is reported.
        input.split('\n').forEach((line, i) => {
          const kind = line.trim().split(':')[0]?.trim() ?? '';
          if (
            line.trim() !== '' &&
            !['user', 'token', 'group', 'role', 'acl', 'pool'].includes(kind)
          ) {
            assert.ok(
              user.diagnostics.some((d) => d.line === i + 1),
              `line ${i + 1} ${JSON.stringify(line)} not reported`,
            );
          }
        });
      }),
      { numRuns: 500 },
    );
  });
});
