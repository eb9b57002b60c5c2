/**
 * The real `pveum` (../shared/reference/oracle/pveum) lists users, groups, roles, ACLs,
 * realms and tokens of a Proxmox directory in every output form; Tessera's formatter, fed
 * the same data (pveum's own JSON) and the method's returns schema from Proxmox's API dump,
 * must print the very same bytes. Standard output is a pipe, so pveum cuts no lines; its
 * borders follow the locale (LC_ALL), as Tessera's do (queryTerminal).
 */
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatApiResult } from '../../src/cli/format/api-result.js';
import { queryTerminal } from '../../src/cli/format/terminal.js';
import type { ApiValue, OutputOptions, ReturnsSchema } from '../../src/cli/format/types.js';
import { proxmoxApiSchema, referenceRoot } from '../support/api-schema.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';

const USER_CFG = [
  'user:root@pam:1:0:::root@example.com:::',
  'user:dave@pve:1:0:Dävid:Ünïcode:d@x:Cömment with ü and 漢字 and a long text here:::',
  'user:x@pve:0:1700000000:::::::',
  'user:ann@corp:1:0:Ann:Lee:ann@example.com::::',
  'group:admins:root@pam,dave@pve:Admins ü:',
  'group:empty:::',
  'role:Custom:VM.Audit,Sys.Audit:',
  'acl:1:/:@admins:Administrator:',
  'acl:0:/vms/100:dave@pve:PVEVMUser,Custom:',
  'acl:1:/pool/p1:x@pve:NoAccess:',
  'pool:p1:Pool ü::',
  'token:dave@pve!ci:0:1:CI tokén:',
  'token:dave@pve!long:1900000000:0::',
  '',
].join('\n');

const DOMAINS_CFG = [
  'pam: pam',
  '\tcomment Linux PAM standard authentication',
  '',
  'pve: pve',
  '\tcomment Proxmox VE authentication server',
  '\tdefault 1',
  '',
  'ldap: corp',
  '\tbase_dn dc=example,dc=com',
  '\tserver1 ldap.example.com',
  '\tuser_attr uid',
  '\tcomment Corporate LDAP ü',
  '',
].join('\n');

/** pveum command -> the API method it lists. */
const LISTS: readonly { readonly args: readonly string[]; readonly path: string }[] = [
  { args: ['user', 'list'], path: '/access/users' },
  { args: ['group', 'list'], path: '/access/groups' },
  { args: ['role', 'list'], path: '/access/roles' },
  { args: ['acl', 'list'], path: '/access/acl' },
  { args: ['realm', 'list'], path: '/access/domains' },
  { args: ['user', 'token', 'list', 'dave@pve'], path: '/access/users/{userid}/token' },
];

const VARIANTS: readonly { readonly args: readonly string[]; readonly options: OutputOptions }[] = [
  { args: [], options: {} },
  {
    args: ['--output-format', 'text', '--noborder'],
    options: { outputFormat: 'text', noborder: true },
  },
  { args: ['--noheader'], options: { noheader: true } },
  { args: ['--noheader', '1', '--noborder', '1'], options: { noheader: true, noborder: true } },
  { args: ['--human-readable', '0'], options: { humanReadable: false } },
  { args: ['--output-format', 'json'], options: { outputFormat: 'json' } },
  { args: ['--output-format', 'json-pretty'], options: { outputFormat: 'json-pretty' } },
  { args: ['--output-format', 'yaml'], options: { outputFormat: 'yaml' } },
  { args: ['--quiet'], options: { quiet: true } },
];

const LOCALES = ['C.UTF-8', 'C'] as const;

describe('output of list commands against the real pveum', () => {
  let dir: PveDir;
  let schemas: Map<string, ReturnsSchema>;

  before(() => {
    dir = makePveDir({ 'user.cfg': USER_CFG, 'domains.cfg': DOMAINS_CFG });
    schemas = new Map(
      proxmoxApiSchema()
        .filter((m) => m.method === 'GET')
        .map((m) => [m.path, m.returns as ReturnsSchema]),
    );
  });
  after(() => {
    dir.remove();
  });

  const pveum = (args: readonly string[], locale: string): Buffer =>
    execFileSync(join(referenceRoot, 'oracle', 'pveum'), args, {
      // A fixed hash order, so that lists pveum leaves unsorted come out alike in every run.
      env: {
        ...process.env,
        PVE_CFS_DIR: dir.path,
        LC_ALL: locale,
        LANG: locale,
        PERL_HASH_SEED: '0',
        PERL_PERTURB_KEYS: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  for (const list of LISTS) {
    it(`pveum ${list.args.join(' ')}: the same bytes in every output form and locale`, () => {
      const schema = schemas.get(list.path);
      assert.ok(schema, `no returns schema for ${list.path}`);
      const data = JSON.parse(
        pveum([...list.args, '--output-format', 'json'], 'C.UTF-8').toString('utf8'),
      ) as ApiValue;
      assert.ok(Array.isArray(data) && data.length > 0, 'pveum listed nothing');
      for (const locale of LOCALES) {
        const terminal = queryTerminal({ isTTY: false }, { LC_ALL: locale });
        for (const variant of VARIANTS) {
          const expected = pveum([...list.args, ...variant.args], locale);
          const actual: Buffer = Buffer.from(
            formatApiResult(data, schema, variant.options, terminal),
            'utf8',
          );
          assert.equal(
            actual.toString('latin1'),
            expected.toString('latin1'),
            `pveum ${[...list.args, ...variant.args].join(' ')} with LC_ALL=${locale}`,
          );
        }
      }
    });
  }
});
