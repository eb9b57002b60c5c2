/**
 * What `serve` tells the administrator at start about the ways in: the bootstrap
 * administrator's password (printed once, then where its file is while it still works),
 * PAM logins that cannot work on this node, and a configuration nobody can log in to.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { breakGlass } from '../diagnostics/doctor/access.js';
import type { PamSupport } from '../realms/pam.js';
import { BOOTSTRAP_ADMIN, isBootstrapPassword } from '../services/bootstrap.js';
import type { ServiceContext } from '../services/context.js';
import type { Io } from './io.js';

const ADMIN_PASSWORD_FILE = 'admin-password';

/** Where the first start's password is kept in `dataDir`. */
export function bootstrapPasswordFile(dataDir: string): string {
  return join(dataDir, ADMIN_PASSWORD_FILE);
}

/** The first start's password, shown once and kept in an owner-only file. */
export async function announceBootstrapPassword(
  io: Io,
  dataDir: string,
  password: string,
): Promise<void> {
  const file = bootstrapPasswordFile(dataDir);
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  io.out(
    `Bootstrap administrator ${BOOTSTRAP_ADMIN}, password: ${password}\n` +
      `(shown once, also written to ${file}; change the password and delete the file)\n`,
  );
}

/** On later starts: where the password is, while the file still holds the right one. */
export async function remindBootstrapPassword(
  io: Io,
  services: ServiceContext,
  dataDir: string,
): Promise<void> {
  const file = bootstrapPasswordFile(dataDir);
  let password: string;
  try {
    password = (await readFile(file, 'utf8')).trim();
  } catch {
    return;
  }
  if (await isBootstrapPassword(services, password))
    io.out(
      `Bootstrap administrator ${BOOTSTRAP_ADMIN}: its password is in ${file} ` +
        `(change the password, then delete the file)\n`,
    );
  else
    io.err(
      `tessera: ${file} no longer holds the password of ${BOOTSTRAP_ADMIN}: delete the file\n`,
    );
}

/** PAM logins that cannot work, and a configuration that no one could log in to. */
export async function warnAboutWaysIn(
  io: Io,
  services: ServiceContext,
  pam: PamSupport,
): Promise<void> {
  if (!pam.available)
    io.err(
      `tessera: warning: ${pam.reason}. The realm pam (root@pam too) refuses logins; ` +
        `everything else works. For PAM logins: ${pam.fix}\n`,
    );
  for (const finding of breakGlass(await services.read(), Date.now(), pam))
    if (finding.status === 'fail')
      io.err(`tessera: warning: ${finding.text}\n  fix: ${finding.fix ?? ''}\n`);
}
