// The whole test suite: installs what it needs, builds, and runs every test file with
// Node's test runner. The last line of the output is `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureAllBuilt,
  ensureDependencies,
  ensurePamBinding,
  ensureSystemPackages,
  root,
} from './lib.mjs';

await ensureSystemPackages([
  { command: 'etcd', package: 'etcd-server' },
  { command: 'etcdctl', package: 'etcd-client' },
  { command: 'fail2ban-regex', package: 'fail2ban' },
  // An ACME server that validates HTTP-01 for real (test/support/pebble.ts).
  { command: 'pebble', package: 'pebble' },
  { command: 'openssl', package: 'openssl' },
  // contrib/systemd and contrib/logrotate (test/operations/): systemd-analyze verify, the
  // systemd-notify tool serve sends READY=1 with, and logrotate (in /usr/sbin).
  { command: 'systemd-analyze', package: 'systemd' },
  { test: 'test -x /usr/sbin/logrotate', package: 'logrotate' },
  { test: '/usr/bin/python3 -c "import proxmoxer, requests"', package: 'python3-proxmoxer' },
  { test: '/usr/bin/python3 -c "import requests"', package: 'python3-requests' },
  // Ansible 7 with community.general's Proxmox modules (test/api/ansible.test.ts).
  { command: 'ansible', package: 'ansible' },
  // Before npm ci: node-linux-pam compiles against it.
  { test: 'test -f /usr/include/security/pam_appl.h', package: 'libpam0g-dev' },
  { command: 'useradd', package: 'passwd' },
  // WebAuthn in a real browser (playwright-core drives it; it brings no browser of its own).
  { test: 'test -x /usr/bin/chromium', package: 'chromium' },
  // A private OpenLDAP server for the ldap and ad realm tests (test/support/slapd.ts). slapd is
  // in /usr/sbin, which a non-root PATH may lack.
  { test: 'test -x /usr/sbin/slapd', package: 'slapd' },
  { command: 'ldapsearch', package: 'ldap-utils' },
  // A Samba AD domain controller for the ad realm test (test/support/samba-ad.ts); the DC,
  // its provisioning data and LDB modules come in separate packages.
  ...[
    'samba',
    'samba-ad-dc',
    'samba-ad-provision',
    'samba-dsdb-modules',
    'samba-vfs-modules',
    'winbind',
    'krb5-user',
  ].map((name) => ({ test: 'test -x /usr/sbin/samba && command -v samba-tool', package: name })),
  // Perl modules of Proxmox's reference code (../shared/reference/oracle/setup-debian.sh):
  // the API schema walk and the pool oracle (test/support/api-schema/) load it.
  ...[
    'libauthen-pam-perl',
    'libcrypt-openssl-rsa-perl',
    'libcrypt-openssl-random-perl',
    'libnet-ldap-perl',
    'libtest-mockmodule-perl',
    'libuuid-perl',
    'libmime-base32-perl',
    'libanyevent-perl',
    'libclone-perl',
    'libfilesys-df-perl',
    'liblinux-inotify2-perl',
    'libnet-dbus-perl',
    'libnetaddr-ip-perl',
    'libstring-shellquote-perl',
    'libyaml-libyaml-perl',
    'libio-stringy-perl',
    'libdevel-cycle-perl',
    'libhttp-message-perl',
    'libnet-ip-perl',
    'libjson-perl',
    'libjson-xs-perl',
    'libnet-ssleay-perl',
    'libio-socket-ssl-perl',
    'liburi-perl',
    'libwww-perl',
    'libtimedate-perl',
    'libhttp-daemon-perl',
  ].map((name) => ({
    test: 'perl -MDate::Format -MCrypt::OpenSSL::RSA -MUUID -MNet::LDAP -MClone -MAuthen::PAM -MMIME::Base32 -MNet::SSLeay -MJSON -e 1',
    package: name,
  })),
]);
await ensureDependencies();
await ensurePamBinding();
await ensureAllBuilt();

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = [...testFiles(join(root, 'dist', 'src')), ...testFiles(join(root, 'dist', 'test'))]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();

const result = spawnSync(
  process.execPath,
  ['--test', `--test-reporter=${join(root, 'scripts', 'reporter.mjs')}`, ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TESSERA_ROOT: root } },
);
process.exit(result.status ?? 1);
