/**
 * Proxmox's own password check (PVE::Auth::PVE, through api-schema/pve-authenticate.pl) on a
 * directory laid out like /etc/pve: what a Proxmox node answers to these logins.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { referenceRoot } from './api-schema.js';
import { repoRoot } from './conformance.js';

/** `ok`, or Proxmox's error (`invalid credentials`, `no password set`), for each login. */
export function proxmoxPasswordCheck(
  dir: string,
  logins: readonly { readonly user: string; readonly password: string }[],
): string[] {
  const perl5lib = [
    join(referenceRoot, 'oracle', 'stubs'),
    join(referenceRoot, 'src', 'pve-access-control', 'src'),
    join(referenceRoot, 'src', 'pve-common', 'src'),
  ].join(':');
  const out = execFileSync(
    'perl',
    [join(repoRoot, 'test', 'support', 'api-schema', 'pve-authenticate.pl')],
    {
      input: JSON.stringify(logins.map((l) => ({ ...l, user: l.user.replace(/@pve$/, '') }))),
      env: { ...process.env, PVE_CFS_DIR: dir, PERL5LIB: perl5lib, LC_ALL: 'C.UTF-8' },
    },
  ).toString('utf8');
  return JSON.parse(out) as string[];
}
