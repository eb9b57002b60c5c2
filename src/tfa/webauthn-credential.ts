/**
 * WebAuthn credentials in the two shapes Tessera meets: webauthn-rs's JSON, which Proxmox
 * writes to tfa.cfg (`{"cred_id", "cred": {"type_": "ES256", "key": {"EC_EC2": {...}}},
 * "counter", ...}`), and the COSE public key the WebAuthn verifier needs. Converting both
 * ways keeps tfa.cfg files from Proxmox usable and keeps ours readable by Proxmox.
 */
import { cose, isoCBOR } from '@simplewebauthn/server/helpers';
import type { TfaUser } from '../model/tfa.js';

type Json = Record<string, unknown>;

export interface CoseCredential {
  /** base64url without padding, as browsers send it. */
  readonly id: string;
  readonly publicKey: Uint8Array<ArrayBuffer>;
  readonly counter: number;
}

export class CredentialError extends Error {}

const ALGORITHMS: Readonly<Record<string, number>> = {
  ES256: cose.COSEALG.ES256,
  ES384: cose.COSEALG.ES384,
  ES512: cose.COSEALG.ES512,
  RS256: cose.COSEALG.RS256,
  RS384: cose.COSEALG.RS384,
  RS512: cose.COSEALG.RS512,
  PS256: cose.COSEALG.PS256,
  PS384: cose.COSEALG.PS384,
  PS512: cose.COSEALG.PS512,
  EDDSA: cose.COSEALG.EdDSA,
  INSECURE_RS1: cose.COSEALG.RS1,
};

const CURVES: Readonly<Record<string, number>> = {
  SECP256R1: cose.COSECRV.P256,
  SECP384R1: cose.COSECRV.P384,
  SECP521R1: cose.COSECRV.P521,
  ED25519: cose.COSECRV.ED25519,
};

function nameOf(table: Readonly<Record<string, number>>, value: number | undefined): string {
  const name = Object.entries(table).find(([, v]) => v === value)?.[0];
  if (name === undefined) throw new CredentialError(`unsupported COSE value ${String(value)}`);
  return name;
}

/** webauthn-rs writes base64url; older files hold byte arrays or other base64 alphabets. */
function bytes(value: unknown, what: string): Uint8Array<ArrayBuffer> {
  if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b <= 255))
    return Uint8Array.from(value as number[]);
  if (typeof value === 'string' && /^[A-Za-z0-9+/_=-]*$/.test(value))
    return new Uint8Array(
      Buffer.from(value.replaceAll('+', '-').replaceAll('/', '_'), 'base64url'),
    );
  throw new CredentialError(`'${what}' is not base64 or a byte array`);
}

function b64url(data: Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CredentialError(`'${what}' is not an object`);
  return value as Json;
}

/** The verifier's view of a stored (webauthn-rs) credential. */
export function toCose(credential: Readonly<Json>): CoseCredential {
  const cred = object(credential['cred'], 'cred');
  const alg = ALGORITHMS[String(cred['type_'])];
  if (alg === undefined)
    throw new CredentialError(`unsupported algorithm '${String(cred['type_'])}'`);
  const key = object(cred['key'], 'cred.key');
  // Canonical COSE order: kty, alg, then the key parameters.
  const map = new Map<number, number | Uint8Array>([[cose.COSEKEYS.kty, 0]]);
  map.set(cose.COSEKEYS.alg, alg);
  if (key['EC_EC2'] !== undefined) {
    const ec = object(key['EC_EC2'], 'EC_EC2');
    const curve = CURVES[String(ec['curve'])];
    if (curve === undefined)
      throw new CredentialError(`unsupported curve '${String(ec['curve'])}'`);
    map.set(cose.COSEKEYS.kty, cose.COSEKTY.EC2);
    map.set(cose.COSEKEYS.crv, curve);
    map.set(cose.COSEKEYS.x, bytes(ec['x'], 'x'));
    map.set(cose.COSEKEYS.y, bytes(ec['y'], 'y'));
  } else if (key['EC_OKP'] !== undefined) {
    const okp = object(key['EC_OKP'], 'EC_OKP');
    const curve = CURVES[String(okp['curve'])];
    if (curve === undefined)
      throw new CredentialError(`unsupported curve '${String(okp['curve'])}'`);
    map.set(cose.COSEKEYS.kty, cose.COSEKTY.OKP);
    map.set(cose.COSEKEYS.crv, curve);
    map.set(cose.COSEKEYS.x, bytes(okp['x'], 'x'));
  } else if (key['RSA'] !== undefined) {
    const rsa = object(key['RSA'], 'RSA');
    map.set(cose.COSEKEYS.kty, cose.COSEKTY.RSA);
    map.set(cose.COSEKEYS.n, bytes(rsa['n'], 'n'));
    map.set(cose.COSEKEYS.e, bytes(rsa['e'], 'e'));
  } else {
    throw new CredentialError('unsupported key type');
  }
  const counter = credential['counter'];
  return {
    id: b64url(bytes(credential['cred_id'], 'cred_id')),
    publicKey: isoCBOR.encode(map),
    counter: typeof counter === 'number' ? counter : 0,
  };
}

/** A credential the verifier accepted, in webauthn-rs's JSON (as Proxmox writes it). */
export function fromCose(
  id: string,
  publicKey: Uint8Array<ArrayBuffer>,
  counter: number,
  flags: { readonly backupEligible: boolean; readonly backupState: boolean },
): Json {
  const map = isoCBOR.decodeFirst<Map<number, number | Uint8Array>>(publicKey);
  const number = (k: number): number | undefined => {
    const v = map.get(k);
    return typeof v === 'number' ? v : undefined;
  };
  const binary = (k: number): string => {
    const v = map.get(k);
    if (!(v instanceof Uint8Array))
      throw new CredentialError(`COSE key lacks parameter ${String(k)}`);
    return b64url(v);
  };
  const type = nameOf(ALGORITHMS, number(cose.COSEKEYS.alg));
  let key: Json;
  switch (number(cose.COSEKEYS.kty)) {
    case cose.COSEKTY.EC2:
      key = {
        EC_EC2: {
          curve: nameOf(CURVES, number(cose.COSEKEYS.crv)),
          x: binary(cose.COSEKEYS.x),
          y: binary(cose.COSEKEYS.y),
        },
      };
      break;
    case cose.COSEKTY.OKP:
      key = {
        EC_OKP: { curve: nameOf(CURVES, number(cose.COSEKEYS.crv)), x: binary(cose.COSEKEYS.x) },
      };
      break;
    case cose.COSEKTY.RSA:
      key = { RSA: { n: binary(cose.COSEKEYS.n), e: binary(cose.COSEKEYS.e) } };
      break;
    default:
      throw new CredentialError('unsupported COSE key type');
  }
  return {
    cred_id: id,
    cred: { type_: type, key },
    counter,
    user_verified: false,
    backup_eligible: flags.backupEligible,
    backup_state: flags.backupState,
    registration_policy: 'discouraged',
  };
}

/** A stored credential's id as browsers name it, or `undefined` if it cannot be read. */
export function credentialId(credential: Readonly<Json>): string | undefined {
  try {
    return toCose(credential).id;
  } catch {
    return undefined;
  }
}

/** The user's enabled WebAuthn credentials that can be read: browser id and entry id. */
export function enabledCredentials(
  user: TfaUser | undefined,
): { readonly id: string; readonly entryId: string }[] {
  return (user?.webauthn ?? []).flatMap((w) => {
    const id = w.info.enable ? credentialId(w.credential) : undefined;
    return id === undefined ? [] : [{ id, entryId: w.info.id }];
  });
}
