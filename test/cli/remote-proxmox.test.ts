/**
 * Remote mode against Proxmox VE's own API methods: a stand-in for pveproxy
 * (test/support/pveproxy-oracle.ts) runs each request through the reference oracle, the
 * real pve-access-control code, on files it keeps from request to request. The same pveum
 * commands run with `--remote` against it and with the real pveum on a copy of the same
 * directory must print the same bytes (lists pveum prints in Perl's hash order compared as
 * sorted lines), refusals included, and leave the same user.cfg.
 */
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureCertificate } from '../../src/api/tls.js';
import { runCli, type CliResult } from '../support/cli.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';
import { startPveproxy, type PveproxyStandIn } from '../support/pveproxy-oracle.js';
import { runPveumLocally, type PveumOutcome } from '../support/pveum-local.js';

const ROOT_SECRET = '11111111-2222-4333-8444-555555555555';
const AUDITOR_SECRET = '66666666-2222-4333-8444-555555555555';

const SEED: Readonly<Record<string, string>> = {
  'user.cfg':
    'user:root@pam:1:0:::root@example.com:::\n' +
    'user:alice@pve:1:0:Al%C3%ADce:M%C3%BCller:alice@example.com:Caf%C3%A9 %E2%98%95 admin::\n' +
    'user:bob@pve:0:1900000000:Bob:::::\n' +
    'user:auditor@pve:1:0::::read only::\n' +
    'token:root@pam!cli:0:0::\n' +
    'token:alice@pve!ci:0:1:CI %C3%BC:\n' +
    'token:auditor@pve!ro:0:1::\n' +
    'group:admins:alice@pve,root@pam:Administrat%C3%B6rs:\n' +
    'group:ops:bob@pve::\n' +
    'role:Watcher:Sys.Audit,VM.Audit:\n' +
    'acl:1:/:@admins:Watcher:\n' +
    'acl:1:/vms:alice@pve!ci:PVEAuditor:\n' +
    'acl:0:/storage/local:bob@pve:PVEDatastoreUser:\n' +
    'acl:1:/access:auditor@pve:PVEAuditor:\n',
  'domains.cfg':
    'pve: pve\n\tcomment Proxmox VE authentication server\n\n' +
    'pam: pam\n\tcomment Linux PAM standard authentication\n\n' +
    'ldap: corp\n\tbase_dn dc=example,dc=com\n\tserver1 ldap.example.com\n\tuser_attr uid\n' +
    '\tcomment Corporate directory\n\n',
  'priv/token.cfg':
    `root@pam!cli ${ROOT_SECRET}\n` +
    'alice@pve!ci 77777777-2222-4333-8444-555555555555\n' +
    `auditor@pve!ro ${AUDITOR_SECRET}\n`,
};

const READS: readonly (readonly string[])[] = [
  ['user', 'list'],
  ['group', 'list'],
  ['role', 'list'],
  ['acl', 'list'],
  ['realm', 'list'],
  ['user', 'token', 'list', 'alice@pve'],
  ['user', 'permissions', 'alice@pve'],
  ['user', 'token', 'permissions', 'alice@pve', 'ci'],
].flatMap((c) => [c, [...c, '--output-format', 'json'], [...c, '--output-format', 'yaml']]);

const REFUSALS: readonly (readonly string[])[] = [
  ['user', 'modify', 'nosuch@pve', '--comment', 'x'],
  ['user', 'modify', 'alice@pve', '--email', 'not-an-email', '--expire', 'soon'],
  ['user', 'token', 'list', 'nosuch@pve'],
];

const WRITES: readonly (readonly string[])[] = [
  ['user', 'add', 'carol@pve', '--comment', 'Çarol ü ☕', '--groups', 'ops,admins'],
  [
    'user',
    'modify',
    'carol@pve',
    '--enable',
    '0',
    '--firstname',
    'Cärol',
    '--expire',
    '4102444800',
  ],
  [
    'user',
    'token',
    'add',
    'carol@pve',
    't1',
    '--privsep',
    '0',
    '--expire',
    '1900000000',
    '--comment',
    'CI ü',
    '--output-format',
    'json',
  ],
  ['user', 'token', 'add', 'carol@pve', 't2'],
  [
    'acl',
    'modify',
    '/vms/100',
    '--roles',
    'Watcher,PVEAuditor',
    '--users',
    'carol@pve',
    '--propagate',
    '0',
  ],
  ['acl', 'modify', '/', '--roles', 'Watcher', '--tokens', 'carol@pve!t1'],
  ['user', 'modify', 'alice@pve', '--comment', ''],
  ['group', 'modify', 'admins', '--comment', ''],
  ['user', 'delete', 'bob@pve'],
];

/**
 * Where pveproxy answers otherwise than pveum, which runs as root@pam: the API checks a
 * method's permissions before running it, also for root@pam's own tokens, and the check
 * refuses a missing user first (docs/cli.md, remote mode). What the remote command prints.
 */
const HTTP_LAYER: ReadonlyMap<string, string> = new Map([
  // The check (userid-group) says the user does not exist, before the method's lock and prefix.
  ['user modify nosuch@pve --comment x', "no such user ('nosuch@pve')\n"],
  // The check (the user themself, or User.Modify on a group of theirs) fails on a missing user.
  ['user token list nosuch@pve', '403 Permission check failed\n'],
]);

/** Lists pveum prints in Perl's hash order: compared as sets of lines. */
const UNORDERED = ['group list', 'role list', 'acl list', 'realm list', 'user token list'];

function anyOrder(text: string): string {
  if (text.startsWith('[') && text.trimEnd().split('\n').length === 1) {
    const items = (JSON.parse(text) as unknown[]).map((item) => JSON.stringify(item));
    return items.sort().join('\n');
  }
  return text.split('\n').sort().join('\n');
}

/** pveum lists refused parameters in Perl's hash order; Tessera sorts them. */
function sortedErr(text: string): string {
  return text.startsWith('400 Parameter verification failed.\n')
    ? text.split('\n').sort().join('\n')
    : text;
}

function masked(text: string): string {
  return text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
}

/** The differences between pveum's output and the remote one, none if alike. */
function compare(line: string, want: PveumOutcome, got: CliResult): string[] {
  const unordered = UNORDERED.some((c) => line.startsWith(c));
  const out = (t: string): string => (unordered ? anyOrder(masked(t)) : masked(t));
  const problems: string[] = [];
  if ((want.status === 0) !== (got.status === 0))
    problems.push(`exit status: pveum ${String(want.status)}, remote ${String(got.status)}`);
  if (out(got.stdout) !== out(want.stdout))
    problems.push(`stdout:\n--- pveum\n${want.stdout}--- remote\n${got.stdout}`);
  const wantErr = sortedErr(masked(want.stderr.replaceAll('pveum ', 'tessera ')));
  if (sortedErr(masked(got.stderr)) !== wantErr)
    problems.push(`stderr:\n--- pveum\n${wantErr}--- remote\n${got.stderr}`);
  return problems.length === 0 ? [] : [`${line}\n${problems.join('\n')}`];
}

describe(
  'pveum commands with --remote against Proxmox VE API methods',
  { timeout: 120_000 },
  () => {
    const work = mkdtempSync(join(tmpdir(), 'tessera-remote-proxmox-'));
    let standIn: PveproxyStandIn | undefined;
    let fingerprint = '';
    let pveDir: PveDir | undefined;
    let expected: PveumOutcome[] = [];
    const saved = process.env['TESSERA_API_TOKEN'];

    const remoteAs = async (token: string, args: readonly string[]): Promise<CliResult> => {
      process.env['TESSERA_API_TOKEN'] = token;
      try {
        return await runCli('--remote', standIn?.url ?? '', '--fingerprint', fingerprint, ...args);
      } finally {
        Reflect.deleteProperty(process.env, 'TESSERA_API_TOKEN');
      }
    };
    const remote = (args: readonly string[]): Promise<CliResult> =>
      remoteAs(`root@pam!cli=${ROOT_SECRET}`, args);

    before(async () => {
      for (const name of ['TESSERA_API_TOKEN_FILE', 'TESSERA_REMOTE_FINGERPRINT'])
        Reflect.deleteProperty(process.env, name);
      const cert = await ensureCertificate(work);
      fingerprint = new X509Certificate(readFileSync(cert.cert)).fingerprint256;
      standIn = await startPveproxy(cert, SEED);
      pveDir = makePveDir(SEED);
      expected = runPveumLocally(pveDir.path, [...READS, ...REFUSALS, ...WRITES]);
    });
    after(async () => {
      if (saved === undefined) Reflect.deleteProperty(process.env, 'TESSERA_API_TOKEN');
      else process.env['TESSERA_API_TOKEN'] = saved;
      await standIn?.close();
      pveDir?.remove();
      rmSync(work, { recursive: true, force: true });
    });

    it('lists as pveum does, in text, JSON and YAML', async () => {
      const mismatches: string[] = [];
      for (const [i, args] of READS.entries()) {
        const want = expected[i];
        assert.ok(want);
        assert.equal(want.status, 0, `pveum ${args.join(' ')}: ${want.stderr}`);
        mismatches.push(...compare(args.join(' '), want, await remote(args)));
      }
      assert.deepEqual(mismatches, []);
      // Every request carried the token, and reached Proxmox's methods as it.
      assert.ok(standIn?.seen.every((line) => line.endsWith(' root@pam!cli')));
    });

    it("refuses in pveum's words: a missing user, bad parameters (but where the API checks permissions first)", async () => {
      const mismatches: string[] = [];
      for (const [i, args] of REFUSALS.entries()) {
        const want = expected[READS.length + i];
        assert.ok(want);
        assert.notEqual(want.status, 0, args.join(' '));
        const got = await remote(args);
        const http = HTTP_LAYER.get(args.join(' '));
        if (http === undefined) mismatches.push(...compare(args.join(' '), want, got));
        else {
          assert.deepEqual([got.status, got.stdout, got.stderr], [255, '', http]);
          assert.notEqual(want.stderr, http);
        }
      }
      assert.deepEqual(mismatches, []);
    });

    it("shows Proxmox's refusal of a token without the privilege, and of a wrong secret", async () => {
      // pveum runs as root@pam and is never refused: the text is PVE::Exception's, as pveum
      // prints any other refusal with a status.
      const denied = await remoteAs(`auditor@pve!ro=${AUDITOR_SECRET}`, ['group', 'add', 'x']);
      assert.deepEqual(
        [denied.status, denied.stdout, denied.stderr],
        [255, '', '403 Permission check failed (/access/groups, Group.Allocate)\n'],
      );
      const before = standIn?.files()['user.cfg'];
      const wrong = await remoteAs(`root@pam!cli=${AUDITOR_SECRET}`, ['user', 'delete', 'bob@pve']);
      assert.deepEqual(
        [wrong.status, wrong.stdout, wrong.stderr],
        [255, '', '401 Authentication failed!\n'],
      );
      assert.equal(standIn?.files()['user.cfg'], before);
    });

    it('changes users, tokens and ACLs as pveum does: the same output and user.cfg', async () => {
      const mismatches: string[] = [];
      for (const [i, args] of WRITES.entries()) {
        const want = expected[READS.length + REFUSALS.length + i];
        assert.ok(want);
        assert.equal(want.status, 0, `pveum ${args.join(' ')}: ${want.stderr}`);
        mismatches.push(...compare(args.join(' '), want, await remote(args)));
      }
      assert.deepEqual(mismatches, []);
      assert.equal(
        standIn?.files()['user.cfg'],
        readFileSync(join(pveDir?.path ?? '', 'user.cfg'), 'utf8'),
      );
    });
  },
);
