/**
 * The cost parameter of crypt(3) SHA-256/512 hashes (`$5$`/`$6$`, as Proxmox keeps them in
 * priv/shadow.cfg). glibc accepts up to 999,999,999 rounds, which would keep a login busy for
 * hours; Tessera accepts at most {@link MAX_CRYPT_ROUNDS}, twenty times glibc's default of
 * 5000 (Proxmox writes hashes without `rounds=`, that is 5000).
 */
export const MAX_CRYPT_ROUNDS = 100_000;

/** glibc's rounds when a hash names none. */
export const DEFAULT_CRYPT_ROUNDS = 5000;

const ROUNDS = /^\$[56]\$rounds=(\d{1,12})\$/;

/**
 * The rounds of a `$5$`/`$6$` hash (glibc's default when it names none), or `undefined` for
 * any other kind of hash.
 */
export function cryptRounds(hash: string): number | undefined {
  if (!hash.startsWith('$5$') && !hash.startsWith('$6$')) return undefined;
  const match = ROUNDS.exec(hash);
  if (!match)
    return hash.startsWith('$5$rounds=') || hash.startsWith('$6$rounds=')
      ? Infinity
      : DEFAULT_CRYPT_ROUNDS;
  return Number(match[1]);
}

/** Why a stored hash may not be used (too costly to verify), or `undefined`. */
export function cryptCostProblem(hash: string): string | undefined {
  const rounds = cryptRounds(hash);
  if (rounds === undefined || rounds <= MAX_CRYPT_ROUNDS) return undefined;
  return `password hash has rounds=${Number.isFinite(rounds) ? String(rounds) : '(unreadable)'}, above Tessera's limit of ${String(MAX_CRYPT_ROUNDS)}`;
}
