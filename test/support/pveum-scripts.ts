import type { PoolCluster } from './pveum-local.js';

/**
 * The pveum conformance test's scripts (test/conformance/pveum-cli.test.ts): command lines an
 * administrator types, in order, each building on the state the ones before it left.
 */

export interface Script {
  readonly name: string;
  /** The directory's files at the start (besides an empty priv/). */
  readonly start: Readonly<Record<string, string>>;
  readonly commands: readonly (readonly string[])[];
  /** pveum's pool commands exist on a Proxmox VE node only: the cluster they see. */
  readonly pools?: PoolCluster;
}

/** A command line as a shell splits it: words, with '...' and "..." quoting. */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"([^"]*)"|(\S+)/g;
  let current: string | undefined;
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const piece = m[1] ?? m[2] ?? m[3] ?? '';
    // Pieces with no space between them are one word (--comment='a b').
    if (current !== undefined && m.index === last) current += piece;
    else {
      if (current !== undefined) out.push(current);
      current = piece;
    }
    last = re.lastIndex;
  }
  if (current !== undefined) out.push(current);
  return out;
}

const lines = (text: string): string[][] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map(words);

const SEEDED_USER_CFG = [
  'user:root@pam:1:0:::root@example.com:::',
  'user:dave@pve:1:0:Dave:Smith:d@example.com:Operator:::',
  'user:x@pve:0:1700000000:::::::',
  'user:ann@corp:1:0:Ann:Lee:ann@example.com::::',
  'group:admins:root@pam,dave@pve:Admins:',
  'group:empty:::',
  'role:Custom:VM.Audit,Sys.Audit:',
  'acl:1:/:@admins:Administrator:',
  'acl:0:/vms/100:dave@pve:PVEVMUser,Custom:',
  'token:dave@pve!ci:0:1:CI token:',
  '',
].join('\n');

const SEEDED_DOMAINS_CFG = [
  'pam: pam',
  '\tcomment Linux PAM standard authentication',
  '',
  'pve: pve',
  '\tcomment Proxmox VE authentication server',
  '\tdefault 1',
  '',
  'ldap: corp',
  '\tcomment Corporate LDAP',
  '\tbase_dn dc=example,dc=com',
  '\tserver1 ldap.example.com',
  '\tuser_attr uid',
  '',
  '',
].join('\n');

const SEEDED = { 'user.cfg': SEEDED_USER_CFG, 'domains.cfg': SEEDED_DOMAINS_CFG };

export const SCRIPTS: readonly Script[] = [
  {
    name: 'users from an empty directory',
    start: {},
    commands: lines(`
      user list --human-readable 1
      user add joe@pve
      user add joe@pve
      user add ann@pve --comment 'Ann the admin' --email ann@example.com --firstname Ann --lastname Lee
      user add bob@pve --expire 1900000000 --enable 0
      user add carl@pve --enable 1 --keys 'x'
      user add dan@pve --enable yes
      user add dan@pve --enable maybe
      user add eve@pve --expire -1
      user add eve@pve --expire abc
      user add fred@pve --email not-an-email
      user add x
      user add @pve
      user add j@pve
      user add 'a b@pve'
      user add joe@nosuchrealm
      user add joe
      user add joe@pve extra
      user add
      user add gus@pve --nosuch 1
      user add gus@pve --e 1
      user add gus@pve --com 'abbreviated'
      user add hal@pve --COMMENT upper
      user add --comment before ivy@pve
      user add jim@pve -comment single
      user add kim@pve --comment=equals
      user add pw@pve --password secret
      user list
      user list --output-format json
      user list --output-format json-pretty
      user list --output-format yaml
      user list --output-format text --noborder
      user list --noheader
      user list --noborder 1 --noheader 1
      user list --quiet
      user list --human-readable 0
      user list --output-format nosuch
      user list --enabled 1
      user list --enabled 0
      user list --full 1
      user list extra
      useradd alias@pve --comment alias
      user add Zed@pve --comment 'upper case sorts first, as Perl sorts'
      user add _under@pve
      usermod alias@pve --comment changed
      user modify joe@pve --comment 'now set' --email joe@example.com
      user modify joe@pve --delete comment
      user modify joe@pve --delete email,firstname
      user modify joe@pve --comment 'now set' --email joe@example.com
      user modify joe@pve --enable 0
      user modify joe@pve --enable 1 --expire 0
      user modify nobody@pve --comment x
      user modify joe@pve --nosuch x
      user modify joe@pve
      user modify
      user modify joe@pve --keys 'yubi1'
      user list --output-format json
      userdel alias@pve
      user delete alias@pve
      user delete nobody@pve
      user delete bad
      user delete
      user delete joe@pve extra
      user list --output-format json
    `),
  },
  {
    name: 'users and groups',
    start: SEEDED,
    commands: lines(`
      group list
      group add ops
      group add ops
      group add ops2 --comment 'Operations two'
      group add 'bad group'
      group add a,b
      group add -x
      group add
      groupadd dev --comment developers
      group modify ops --comment 'ops team'
      groupmod dev --comment 'dev team'
      group modify nosuch --comment x
      group modify ops --delete 1
      group list
      group list --output-format json
      group list --output-format yaml
      group list --noborder
      user add u1@pve --groups ops
      user add u2@pve --groups ops,dev
      user add u3@pve --groups ops --groups dev
      user add u4@pve --groups nosuch
      user add u5@pve --groups 'bad group'
      user modify u1@pve --groups dev
      user modify u1@pve --groups ops --append 1
      user modify u1@pve --append 1
      user modify u2@pve --groups ''
      user modify u3@pve --groups empty --append
      user list --output-format json
      group list --output-format json
      group delete ops2
      groupdel dev
      group delete nosuch
      group delete
      group list --output-format json
      user list --full 1 --output-format json
      user permissions dave@pve
      user permissions dave@pve --path /vms/100
      user permissions dave@pve --path /
      user permissions x@pve --output-format json
      user permissions nosuch@pve
      user permissions dave@pve --path /vms/100 --output-format json
      user permissions
      user tfa unlock dave@pve
      user tfa unlock nosuch@pve
      user delete u1@pve
      user delete u2@pve
      user delete u3@pve
      group list --output-format json
    `),
  },
  {
    name: 'roles',
    start: SEEDED,
    commands: lines(`
      role list --output-format json
      role add Reader --privs VM.Audit
      role add Reader --privs VM.Audit
      role add Writer --privs VM.Audit,VM.Console --privs Sys.Audit
      role add Multi --privs 'VM.Audit VM.Console'
      role add Multi2 --privs 'VM.Audit;Sys.Audit'
      role add Empty
      role add Bad --privs Nope.Nothing
      role add 'bad role' --privs VM.Audit
      role add PVEAdmin --privs VM.Audit
      role add Administrator
      role add
      roleadd Aliased --privs Datastore.Audit
      role modify Reader --privs Sys.Audit
      role modify Reader --privs VM.Console --append 1
      role modify Reader --append 1
      role modify Reader --privs Bogus.Priv
      role modify Nosuch --privs VM.Audit
      role modify PVEAdmin --privs VM.Audit
      rolemod Aliased --privs VM.Audit --append
      role list
      role list --output-format json
      role list --noborder --noheader
      role delete Reader
      role delete Reader
      roledel Aliased
      role delete PVEAdmin
      role delete Nosuch
      role list --output-format yaml
    `),
  },
  {
    name: 'acls',
    start: SEEDED,
    commands: lines(`
      acl list
      acl list --output-format json
      acl modify / --users dave@pve --roles PVEAuditor
      acl modify /vms/100 --users dave@pve,ann@corp --roles PVEVMUser --propagate 0
      acl modify /pool/x --groups admins --roles PVEPoolAdmin
      acl modify /storage/local --groups admins,empty --roles PVEDatastoreUser,Custom
      acl modify /storage/local --tokens 'dave@pve!ci' --roles PVEDatastoreAdmin
      acl modify /access --users dave@pve --roles NoAccess
      acl modify /nodes/node1 --users dave@pve --roles PVEAuditor --propagate 1
      acl modify / --users dave@pve --roles NoSuchRole
      acl modify / --users nosuch@pve --roles PVEAuditor
      acl modify / --groups nosuch --roles PVEAuditor
      acl modify / --tokens 'dave@pve!nosuch' --roles PVEAuditor
      acl modify /bogus/path --users dave@pve --roles PVEAuditor
      acl modify vms --users dave@pve --roles PVEAuditor
      acl modify / --roles PVEAuditor
      acl modify / --users dave@pve
      acl modify --users dave@pve --roles PVEAuditor
      acl modify / --users dave@pve --roles PVEAuditor --propagate 2
      acl modify / --users dave@pve --roles PVEAuditor --propagate no
      aclmod /vms/200 --users dave@pve --roles PVEVMAdmin
      acl list
      acl list --output-format json
      acl list --noborder --noheader
      acl delete /vms/100 --users ann@corp --roles PVEVMUser
      acl delete / --users dave@pve --roles PVEAuditor
      acl delete /vms/999 --users dave@pve --roles PVEAuditor
      acl delete / --users dave@pve --roles NoSuchRole
      acldel /vms/200 --users dave@pve --roles PVEVMAdmin
      acl delete / --roles PVEAuditor
      acl list --output-format json
      user permissions dave@pve --output-format json
      user permissions dave@pve --path /storage/local
      acl delete /storage/local --tokens 'dave@pve!ci' --roles PVEDatastoreAdmin
      user delete dave@pve
      acl list --output-format json
      group delete admins
      acl list --output-format json
      acl delete /storage/local --groups empty --roles Custom
      role delete Custom
      acl list --output-format json
    `),
  },
  {
    name: 'tokens',
    start: SEEDED,
    commands: lines(`
      user token list dave@pve
      user token list dave@pve --output-format json
      user token add dave@pve t1
      user token add dave@pve t1
      user token add dave@pve t2 --privsep 0 --comment 'full rights' --expire 1900000000
      user token add dave@pve t3 --output-format json
      user token add dave@pve 'bad token'
      user token add dave@pve t4 --privsep maybe
      user token add nosuch@pve t5
      user token add dave@pve
      user token add dave@pve t6 --expire -5
      user token modify dave@pve t1 --comment changed
      user token modify dave@pve t1 --privsep 0 --output-format json
      user token modify dave@pve nosuch --comment x
      user token modify dave@pve t1 --delete comment
      user token list dave@pve
      user token list dave@pve --output-format json
      user token list dave@pve --noborder
      user token list nosuch@pve
      user token list
      user token delete dave@pve t3
      user token delete dave@pve t3
      user token remove dave@pve t2
      user token delete dave@pve
      user list --full 1 --output-format json
      user permissions 'dave@pve!ci'
      user permissions 'dave@pve!t1' --output-format json
      acl modify /vms --tokens 'dave@pve!t1' --roles PVEAuditor
      acl modify /storage --tokens 'dave@pve!ci' --roles PVEDatastoreUser --propagate 0
      user token permissions dave@pve t1
      user token permissions dave@pve ci
      user token permissions dave@pve ci --path /storage --output-format json
      user token permissions dave@pve ci --path /nowhere --noborder
      user token permissions dave@pve nosuch
      user token permissions dave@pve
      user token permissions dave@pve 'bad token'
      acl delete /vms --tokens 'dave@pve!t1' --roles PVEAuditor
      acl delete /storage --tokens 'dave@pve!ci' --roles PVEDatastoreUser
      user token list dave@pve --output-format json
      user delete dave@pve
      user token list dave@pve
    `),
  },
  {
    name: 'realms',
    start: SEEDED,
    commands: lines(`
      realm list
      realm list --output-format json
      realm add pve2 --type pve
      realm add pve3 --type pve --comment 'second pve'
      realm add ldap2 --type ldap --base_dn dc=example,dc=org --server1 ldap.example.org --user_attr uid
      realm add ldap3 --type ldap --base_dn dc=example,dc=org --server1 ldap.example.org --user_attr uid --mode ldaps --port 636 --comment 'ldaps one' --default 1
      realm add ldap4 --type ldap --server1 ldap.example.org --user_attr uid
      realm add ad1 --type ad --domain example.com --server1 dc1.example.com
      realm add ad2 --type ad --server1 dc1.example.com
      realm add oid1 --type openid --issuer-url https://login.example.com --client-id tessera
      realm add oid2 --type openid --issuer-url https://login.example.com --client-id tessera --client-key secret --username-claim email --autocreate 1
      realm add oid3 --type openid --client-id x
      realm add corp --type ldap --base_dn dc=x --server1 h --user_attr uid
      realm add pam2 --type pam
      realm add bad_realm! --type pve
      realm add r --type pve
      realm add nosuchtype --type krb
      realm add notype
      realm add ldap5 --type ldap --base_dn dc=x --server1 h --user_attr uid --nosuchoption 1
      realm add ldap6 --type ldap --base_dn dc=x --server1 h --user_attr uid --port 99999
      realm modify ldap2 --comment 'changed'
      realm modify ldap2 --delete comment
      realm modify ldap2 --port 389 --mode ldap
      realm modify pve --default 1
      realm modify pve2 --base_dn x
      realm modify nosuch --comment x
      realm modify pam --comment 'pam changed'
      realm list
      realm list --output-format json
      realm list --output-format yaml
      user add joe@ldap2
      user add joe@oid1
      user list --output-format json
      realm delete pve3
      realm delete pve3
      realm delete ldap2
      realm delete nosuch
      realm list --output-format json
      user list --output-format json
    `),
  },
  // Members are guests and storages the cluster has: Tessera knows none and counts every
  // listed one, where Proxmox skips those its cluster lacks (docs/compatibility.md).
  {
    name: 'pools',
    start: SEEDED,
    pools: { guests: { '100': 'qemu', '101': 'qemu', '200': 'lxc' }, storage: ['local', 'nfs'] },
    commands: lines(`
      pool list
      pool add p1 --comment 'First pool'
      pool add p1
      pool add p2
      pool add p2/child --comment nested
      pool add p2/child/deeper
      pool add p2/child/deeper/tooDeep
      pool add nosuch/child
      pool add 'bad id'
      pool add x
      pool add
      pool add p3 extra
      pool list
      pool list --output-format json
      pool list --output-format yaml
      pool list --noborder --noheader
      pool modify p1 --comment 'Changed ü'
      pool modify p1 --vms 100,200 --storage local
      pool modify p1 --vms 101 --allow-move 1
      pool modify nosuch --comment x
      pool modify p1 --vms 100 --delete 1
      pool delete p1
      pool delete p2
      pool delete p2/child/deeper
      pool delete p2/child
      pool delete nosuch
      acl modify /pool/p2 --users dave@pve --roles PVEPoolUser
      user permissions dave@pve --path /pool/p2
      pool list --output-format json
      pool modify p1 --vms 101,200 --storage local --delete 1
      pool delete p1
      pool list
    `),
  },
];
