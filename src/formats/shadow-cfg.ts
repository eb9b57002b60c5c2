/**
 * `priv/shadow.cfg`: password hashes of the `pve` realm, one `<name>:<crypt hash>:` line per
 * user, keyed by the user name without `@pve`.
 */
import { cryptCostProblem } from '../model/crypt-hash.js';
import { asUserId, listSeparatorError } from '../model/ids.js';
import { DiagnosticSink, type Parsed } from './diagnostics.js';
import { assertWritable } from './guard.js';

/** User name (without `@pve`) -> crypt(3) hash. */
export type ShadowConfig = ReadonlyMap<string, string>;

// Upstream's line rule: two non-blank fields, each followed by `:`.
const LINE = /^\S+:\S+:$/;

export function parseShadowCfg(text: string, file = 'priv/shadow.cfg'): Parsed<ShadowConfig> {
  const sink = new DiagnosticSink(file);
  const shadow = new Map<string, string>();
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    if (!LINE.test(line)) {
      sink.error(index + 1, 'ignore invalid line');
      return;
    }
    const [name = '', hash = ''] = line.split(':');
    if (asUserId(`${name}@pve`) === undefined) {
      const separator = listSeparatorError(`${name}@pve`);
      sink.error(
        index + 1,
        `ignore invalid user name '${name}'${separator === undefined ? '' : ` - ${separator}`}`,
      );
      return;
    }
    // Why: a login would spend up to hours of CPU verifying such a hash (see model/crypt-hash.ts).
    const costly = cryptCostProblem(hash);
    if (costly !== undefined) {
      sink.error(index + 1, `ignore password of user '${name}@pve': ${costly}`);
      return;
    }
    if (shadow.has(name))
      sink.warning(index + 1, `duplicate entry for '${name}': the later line wins`);
    shadow.set(name, hash);
  });
  return { value: shadow, diagnostics: sink.diagnostics };
}

/**
 * Writes shadow.cfg in the order of the map. Proxmox writes Perl hash order, which is random;
 * Tessera keeps the order it read and appends new users, so an imported file is exported
 * unchanged and the same content always gives the same file.
 */
export function serializeShadowCfg(shadow: ShadowConfig): string {
  let out = '';
  for (const [name, hash] of shadow) {
    const safe = { colon: false, space: false };
    out += `${assertWritable(name, 'userid', safe)}:${assertWritable(hash, 'password', safe)}:\n`;
  }
  return out;
}
