/**
 * `tessera audit` on a directory laid out like /etc/pve: the findings as text and JSON, the
 * certificate from --cert or from the data directory, and the exit status.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/diagnostics/audit.js';
import { runCli } from '../support/cli.js';
import { useTemporaryDataDir, type TemporaryDataDir } from '../support/data-dir.js';
import { makePveDir, type PveDir } from '../support/pve-dir.js';

const USER_CFG = [
  'user:root@pam:1:0::::::',
  'user:admin@pve:1:0::::::',
  'user:joe@pve:1:0::::::',
  'token:admin@pve!ci:0:0::',
  'acl:1:/:admin@pve:Administrator:',
  'acl:1:/vms:@ghosts:PVEVMUser:',
  '',
].join('\n');

// root@pam has a TOTP key and recovery keys left, so root_without_tfa stays out.
const TFA_CFG =
  '{"users":{"root@pam":{' +
  '"totp":[{"id":"t1","description":"phone","created":1699990000,"entry":"otpauth://totp/Proxmox:root%40pam?secret=JBSWY3DPEHPK3PXP&digits=6&algorithm=SHA1&period=30"}],' +
  '"recovery":{"secret":"0123456789abcdef","entries":["fd37d359ffbd1fce921035c09a386ae02e67c6e39ea3b8f608777daed41756c4"],"created":1699990200}}}}';

function makeCertificate(dir: string, name: string, days: number): string {
  const file = join(dir, name);
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
      ...['-keyout', join(dir, `${name}.key`), '-out', file, '-days', String(days)],
      ...['-subj', '/CN=pve1.example'],
    ],
    { stdio: 'pipe' },
  );
  return file;
}

describe('tessera audit', () => {
  let dir: PveDir;
  let store: string;
  let data: TemporaryDataDir;
  let dataDir: string;
  before(() => {
    dir = makePveDir({
      'user.cfg': USER_CFG,
      'priv/shadow.cfg': 'joe:$5$abcdefgh$0123456789012345678901234567890123456789012:\n',
      'priv/tfa.cfg': TFA_CFG,
    });
    store = `pve-dir:${dir.path}`;
    // An empty data directory: no certificate unless a test puts one there.
    data = useTemporaryDataDir();
    dataDir = data.path;
  });
  after(() => {
    dir.remove();
    data.remove();
  });

  it('prints the findings as a list, most severe first, and exits 1', async () => {
    const result = await runCli('--store', store, 'audit');
    assert.equal(result.stderr, '');
    assert.equal(result.status, 1);
    assert.equal(
      result.stdout,
      [
        '[high]   admin_without_tfa: Administrators without a second factor',
        '         objects: admin@pve',
        '         These users can change permissions, users, realms or the system on / and log in with a password alone: admin@pve (Permissions.Modify, User.Modify, Sys.Modify, Realm.Allocate).',
        "         fix: Have each user add TOTP or WebAuthn (web interface: My account, or POST /access/tfa/{userid}), or set 'tfa type=oath' on their realm so that none can log in without one.",
        '',
        '[medium] token_privsep_off: API tokens without privilege separation',
        '         objects: admin@pve!ci',
        "         These tokens act with every privilege of their owner, so a leaked secret is as good as the owner's password and second factor: admin@pve!ci.",
        '         fix: Turn privilege separation on (PUT /access/users/{userid}/token/{tokenid} privsep=1) and grant each token only the ACL entries it needs.',
        '',
        '[medium] acl_missing_principal: ACL entries for users, groups or tokens that do not exist',
        '         objects: @ghosts',
        '         Whoever is created later under one of these names receives the access at once: @ghosts on /vms.',
        '         fix: Delete the entries (PUT /access/acl with delete=1, or the ACL page of the web interface), or create the principal on purpose.',
        '',
        '[low]    token_no_expiry: API tokens that never expire',
        '         objects: admin@pve!ci',
        '         These tokens stay valid until someone deletes them: admin@pve!ci.',
        '         fix: Set an expiry (expire=<Unix time>) and rotate each token before it is reached.',
        '',
        '[low]    legacy_password_hash: Passwords stored as crypt hashes',
        '         objects: joe@pve',
        `         These pve users have a crypt(3) hash: joe@pve. Live on ${dir.path}, every pve password is a crypt hash, as Proxmox keeps them in priv/shadow.cfg.`,
        '         fix: Keep priv/shadow.cfg readable by root only and pve passwords long, or move these users to a directory realm; argon2id needs a store of its own (docs/deployment.md).',
        '',
        '[info]   realm_without_tfa: Local realms that do not require a second factor',
        '         objects: pam, pve',
        '         Second factors are optional for users of: pam, pve.',
        "         fix: Set 'tfa type=oath' (or type=yubico) on the realm if every user of it should need a second factor; users can still add their own factors without it.",
        '',
        '6 finding(s): 1 high, 2 medium, 2 low, 1 info',
        '',
      ].join('\n'),
    );
  });

  it('prints the same findings as JSON, compact or pretty', async () => {
    const compact = await runCli('--store', store, '--output-format', 'json', 'audit');
    assert.equal(compact.status, 1);
    assert.equal(compact.stdout.split('\n').length, 2);
    const findings = JSON.parse(compact.stdout) as Finding[];
    assert.deepEqual(
      findings.map((f) => [f.id, f.severity, f.objects]),
      [
        ['admin_without_tfa', 'high', ['admin@pve']],
        ['token_privsep_off', 'medium', ['admin@pve!ci']],
        ['acl_missing_principal', 'medium', ['@ghosts']],
        ['token_no_expiry', 'low', ['admin@pve!ci']],
        ['legacy_password_hash', 'low', ['joe@pve']],
        ['realm_without_tfa', 'info', ['pam', 'pve']],
      ],
    );
    assert.deepEqual(Object.keys(findings[0] ?? {}), [
      'id',
      'severity',
      'title',
      'detail',
      'objects',
      'fix',
    ]);
    const pretty = await runCli('--store', store, '--output-format', 'json-pretty', 'audit');
    assert.equal(pretty.status, 1);
    assert.match(pretty.stdout, /^\[\n {2}\{\n {4}"id": "admin_without_tfa",/);
    assert.deepEqual(JSON.parse(pretty.stdout), findings);
  });

  it('checks the certificate given with --cert, and the one serve made in the data directory', async () => {
    const certs = mkdtempSync(join(tmpdir(), 'tessera-certs-'));
    try {
      const soon = makeCertificate(certs, 'soon.crt', 10);
      const ids = async (...extra: string[]) => {
        const result = await runCli('--store', store, '--output-format', 'json', 'audit', ...extra);
        assert.equal(result.status, 1, result.stderr);
        return (JSON.parse(result.stdout) as Finding[]).map((f) => `${f.severity} ${f.id}`);
      };
      assert.ok(!(await ids()).some((id) => id.endsWith('certificate_expiring')));
      const withCert = await ids('--cert', soon);
      assert.ok(withCert.includes('medium certificate_expiring'), withCert.join());
      // No WebAuthn keys in this configuration: self-signed alone is not flagged.
      assert.ok(!withCert.some((id) => id.endsWith('self_signed_with_webauthn')));
      makeCertificate(dataDir, 'tessera.crt', 10);
      assert.ok((await ids()).includes('medium certificate_expiring'));
      rmSync(join(dataDir, 'tessera.crt'));
    } finally {
      rmSync(certs, { recursive: true, force: true });
    }
  });

  it('refuses a --cert that is missing or not a certificate', async () => {
    const missing = await runCli('--store', store, 'audit', '--cert', join(dataDir, 'none.pem'));
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^tessera: cert: cannot read '.*none\.pem'/);
    const notCert = await runCli('--store', store, 'audit', '--cert', join(dir.path, 'user.cfg'));
    assert.equal(notCert.status, 2);
    assert.match(
      notCert.stderr,
      /^tessera: cert: '.*user\.cfg': expected a PEM or DER certificate/,
    );
  });

  it('exits 0 when nothing is medium or worse', async () => {
    const clean = makePveDir({
      'user.cfg': 'user:root@pam:1:0::::::\n',
      'domains.cfg': 'pam: pam\n\ttfa type=oath\n\npve: pve\n',
      'priv/tfa.cfg': TFA_CFG,
    });
    try {
      const result = await runCli('--store', `pve-dir:${clean.path}`, 'audit');
      assert.equal(result.status, 0, result.stdout);
      assert.match(result.stdout, /^\[info\] {3}realm_without_tfa: /);
      assert.match(result.stdout, /\n1 finding\(s\): 0 high, 0 medium, 0 low, 1 info\n$/);
      const empty = makePveDir({
        'domains.cfg': 'pam: pam\n\ttfa type=oath\n\npve: pve\n\ttfa type=oath\n',
      });
      try {
        const none = await runCli('--store', `pve-dir:${empty.path}`, 'audit');
        assert.deepEqual([none.status, none.stdout], [0, 'no findings\n']);
      } finally {
        empty.remove();
      }
    } finally {
      clean.remove();
    }
  });

  it('takes no arguments and documents the exit status in the help', async () => {
    const extra = await runCli('--store', store, 'audit', 'now');
    assert.equal(extra.status, 2);
    assert.match(extra.stderr, /unexpected argument 'now'/);
    const help = await runCli('audit', '--help');
    assert.match(
      help.stdout,
      /^Usage: tessera audit \[<options>\]\n\nHardening findings; exit 1 if any is medium or worse\.\n/,
    );
    assert.match(help.stdout, /\n {2}--cert <file> +The HTTPS certificate/);
  });
});
