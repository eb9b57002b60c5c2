/**
 * `/access/tfa`: listing and managing second factors with Proxmox's parameters and answers.
 * Users manage their own after re-entering their password (root@pam excepted), holders of
 * User.Modify manage those of users in their groups, and only root@pam touches root@pam's.
 * Tessera adds `GET /access/tfa/{userid}/totp-enrollment`: a fresh secret with its otpauth
 * URI and QR codes, to be confirmed by `POST type=totp` with a current code.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import {
  AuthFailure,
  badRequest,
  forbidden,
  isTesseraError,
  parameterError,
  TesseraError,
} from '../../errors.js';
import { confirmPassword } from '../../services/login/login.js';
import { ROOT_USERID, type UserId } from '../../model/ids.js';
import type { TfaInfo, TfaUser } from '../../model/tfa.js';
import { formatTotpUri, parseTotpUri, TotpUriError } from '../../model/totp-uri.js';
import {
  addRecoveryKeys,
  addTfaEntry,
  deleteTfaEntry,
  startWebauthnRegistration,
  updateTfaEntry,
} from '../../services/tfa-entries.js';
import { findChallenge } from '../../services/tfa-challenges.js';
import { realmTfa } from '../../tfa/realm.js';
import { checkTotp } from '../../tfa/totp.js';
import {
  registrationOptions,
  relyingParty,
  verifyRegistration,
  WebauthnError,
} from '../../tfa/webauthn.js';
import { enabledCredentials } from '../../tfa/webauthn-credential.js';
import { verifyYubicoOtp, yubicoPublicId } from '../../tfa/yubico.js';
import type { Api, AuthedContext } from '../app.js';
import type { Schema } from '../params.js';
import { useridParam } from './users.js';

interface TypedInfo {
  type: string;
  id: string;
  description?: string;
  created: number;
  enable?: false;
}

function typed(type: string, info: TfaInfo): TypedInfo {
  return {
    type,
    id: info.id,
    ...(info.description !== '' ? { description: info.description } : {}),
    created: info.created,
    ...(info.enable ? {} : { enable: false as const }),
  };
}

/** Entries in Proxmox's order: TOTP, U2F, WebAuthn, recovery, Yubico. */
function entries(user: TfaUser | undefined): TypedInfo[] {
  if (!user) return [];
  return [
    ...user.totp.map((e) => typed('totp', e.info)),
    ...user.u2f.map((e) => typed('u2f', e.info)),
    ...user.webauthn.map((e) => typed('webauthn', e.info)),
    ...(user.recovery
      ? [{ type: 'recovery', id: 'recovery', created: user.recovery.created }]
      : []),
    ...user.yubico.map((e) => typed('yubico', e.info)),
  ];
}

const DESCRIPTION = { type: 'string', optional: true, maxLength: 255 } as const;
const PASSWORD = { type: 'string', optional: true, minLength: 5, maxLength: 64 } as const;

function checkDescription(description: string | undefined): void {
  // tfa.cfg is JSON, so nothing could be injected; control characters only confuse lists.
  if (description !== undefined && /\p{Cc}/u.test(description))
    throw parameterError({ description: 'control characters are not allowed' });
}

export function tfaEntryRoutes(api: Api): void {
  /** Who may look: the user, or holders of User.Modify or Sys.Audit for the user's groups. */
  const mayRead = (ctx: AuthedContext<Schema>, userid: UserId): boolean =>
    (ctx.caller.token === undefined && ctx.caller.userid === userid) ||
    ctx.checks.canSeeUser(['User.Modify', 'Sys.Audit'], userid);

  /** Who may change: the user (with their password) or User.Modify; root@pam's only root. */
  const mayChange = async (
    ctx: AuthedContext<Schema>,
    userid: UserId,
    password: string | undefined,
  ): Promise<void> => {
    const { caller } = ctx;
    if (userid === ROOT_USERID && caller.userid !== ROOT_USERID) throw forbidden();
    if (caller.userid !== userid) {
      try {
        ctx.checks.useridGroup(['User.Modify'], userid);
      } catch {
        throw forbidden();
      }
    }
    if (caller.userid === ROOT_USERID) return;
    if (password === undefined)
      throw parameterError({ password: 'password is required to modify TFA entries' });
    const address = api.clientAddress(ctx.request);
    if (api.throttle?.blocked(address, caller.userid, ctx.now) === true)
      throw new AuthFailure(`throttled: too many failed logins from ${address}`, 'throttled');
    try {
      // No server keys: a ticket is not a password here.
      await confirmPassword(ctx.snapshot, api.login.environment, caller.userid, password, ctx.now);
    } catch (err) {
      if (!(err instanceof AuthFailure)) throw err;
      api.throttle?.failed(address, caller.userid, ctx.now);
      api.options.onAuthFailure?.({
        kind: 'request',
        rhost: address,
        user: caller.userid,
        cause: err.code,
        reason: `password re-entry for TFA changes: ${err.message}`,
      });
      throw err;
    }
  };

  api.route('GET', '/access/tfa', {}, (ctx) =>
    [...ctx.snapshot.tfa.users]
      .filter(([userid]) => mayRead(ctx, userid))
      .map(([userid, user]) => ({
        userid,
        entries: entries(user),
        ...(user.totpLocked ? { 'totp-locked': true } : {}),
        ...(user.tfaLockedUntil !== undefined && user.tfaLockedUntil > ctx.now
          ? { 'tfa-locked-until': user.tfaLockedUntil }
          : {}),
      })),
  );

  api.route('GET', '/access/tfa/:userid', { userid: { type: 'string' } }, (ctx) => {
    const userid = useridParam(ctx.params.userid);
    if (!mayRead(ctx, userid)) throw forbidden();
    return entries(ctx.snapshot.tfa.users.get(userid));
  });

  api.route(
    'GET',
    '/access/tfa/:userid/totp-enrollment',
    { userid: { type: 'string' }, issuer: { type: 'string', optional: true, maxLength: 64 } },
    async (ctx) => {
      const userid = useridParam(ctx.params.userid);
      if (!mayRead(ctx, userid)) throw forbidden();
      const uri = formatTotpUri({
        secret: randomBytes(20),
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
        issuer: ctx.params.issuer ?? 'Tessera',
        account: userid,
      });
      const svg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M' });
      return {
        uri,
        secret: parseTotpUriSecret(uri),
        png: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M' }),
        svg: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
      };
    },
    { tokens: false },
  );

  api.route(
    'GET',
    '/access/tfa/:userid/:id',
    { userid: { type: 'string' }, id: { type: 'string', maxLength: 64 } },
    (ctx) => {
      const userid = useridParam(ctx.params.userid);
      if (!mayRead(ctx, userid)) throw forbidden();
      const found = entries(ctx.snapshot.tfa.users.get(userid)).find((e) => e.id === ctx.params.id);
      if (!found)
        throw new TesseraError('not_found', 'no such entry', { publicMessage: 'no such entry' });
      return found;
    },
  );

  api.route(
    'POST',
    '/access/tfa/:userid',
    {
      userid: { type: 'string' },
      type: { type: 'string' },
      description: DESCRIPTION,
      totp: { type: 'string', optional: true, maxLength: 1024 },
      value: { type: 'string', optional: true, maxLength: 65_536 },
      challenge: { type: 'string', optional: true, maxLength: 1024 },
      password: PASSWORD,
    },
    async (ctx) => {
      const { params, services, now } = ctx;
      const userid = useridParam(params.userid);
      await mayChange(ctx, userid, params.password);
      checkDescription(params.description);
      const type = params.type;
      const required = (field: string, value: string | undefined): string => {
        if (value === undefined || value === '')
          throw parameterError({ [field]: `'${field}' is required for type ${type}` });
        return value;
      };
      const none = (...fields: ('totp' | 'value' | 'challenge' | 'description')[]): void => {
        const given = fields.filter((f) => params[f] !== undefined);
        if (given.length > 0)
          throw parameterError(
            Object.fromEntries(given.map((f) => [f, `not allowed for type ${type}`])),
          );
      };
      switch (type) {
        case 'recovery': {
          none('totp', 'value', 'challenge', 'description');
          return { id: 'recovery', recovery: await addRecoveryKeys(services, userid, now) };
        }
        case 'totp': {
          none('challenge');
          const description = required('description', params.description);
          let totp;
          try {
            totp = parseTotpUri(required('totp', params.totp));
          } catch (err) {
            if (err instanceof TotpUriError) throw parameterError({ totp: err.message });
            throw err;
          }
          const check = checkTotp(totp, required('value', params.value), now, undefined);
          if (!check.ok)
            throw parameterError({
              value: 'the code does not match the secret: check the code and the device clock',
            });
          return {
            id: await addTfaEntry(
              services,
              userid,
              { type, description, totp, step: check.step },
              now,
            ),
          };
        }
        case 'yubico': {
          none('totp', 'challenge');
          const description = required('description', params.description);
          const otp = required('value', params.value);
          let realm;
          try {
            realm = realmTfa(ctx.snapshot, userid);
          } catch (err) {
            throw badRequest((err as Error).message);
          }
          if (realm?.type !== 'yubico')
            throw parameterError({ type: 'realm is not setup for Yubico OTP' });
          const result = await verifyYubicoOtp(realm, otp);
          if (!result.ok) throw parameterError({ value: result.reason });
          return {
            id: await addTfaEntry(
              services,
              userid,
              { type, description, publicId: yubicoPublicId(otp) },
              now,
            ),
          };
        }
        case 'webauthn':
          return webauthn(ctx, userid);
        default:
          throw parameterError({
            type: `value '${type}' does not have a value in the enumeration 'totp, u2f, webauthn, recovery, yubico'`,
          });
      }
    },
    { tokens: false },
  );

  /** The first POST hands out a challenge; the second brings the browser's answer. */
  const webauthn = async (
    ctx: AuthedContext<{
      description: typeof DESCRIPTION;
      totp: { type: 'string'; optional: true };
      value: { type: 'string'; optional: true };
      challenge: { type: 'string'; optional: true };
    }>,
    userid: UserId,
  ): Promise<unknown> => {
    const { params, services, now, snapshot } = ctx;
    if (params.totp !== undefined) throw parameterError({ totp: 'not allowed for type webauthn' });
    if (params.challenge === undefined) {
      if (params.value !== undefined)
        throw parameterError({ challenge: "'challenge' is required with 'value'" });
      if (params.description === undefined || params.description === '')
        throw parameterError({ description: "'description' is required for new entries" });
      const rp = relyingParty(api.options.webauthn ?? {}, {
        protocol: ctx.request.protocol,
        host: ctx.request.host,
      });
      if ('unavailable' in rp) throw badRequest(`WebAuthn is not available: ${rp.unavailable}`);
      const exclude = enabledCredentials(snapshot.tfa.users.get(userid)).map((c) => c.id);
      const options = await registrationOptions(rp, userid, exclude);
      await startWebauthnRegistration(services, {
        challenge: options.challenge,
        userid,
        kind: 'register',
        created: now,
        rpId: rp.id,
        origin: rp.origin,
        description: params.description,
      });
      return { id: null, challenge: JSON.stringify({ publicKey: options }) };
    }
    if (params.value === undefined)
      throw parameterError({ value: "'value' is required with 'challenge'" });
    const pending = await findChallenge(services, params.challenge);
    if (pending?.kind !== 'register' || pending.userid !== userid)
      throw parameterError({ challenge: 'no such challenge' });
    let response: unknown;
    try {
      response = JSON.parse(params.value);
    } catch {
      throw parameterError({ value: 'not JSON' });
    }
    let credential;
    try {
      credential = await verifyRegistration(
        { id: pending.rpId, origin: pending.origin, name: pending.rpId },
        params.challenge,
        response,
      );
    } catch (err) {
      if (!(err instanceof WebauthnError)) throw err;
      throw parameterError({
        value: `${err.check.replace('_', ' ')} check failed: ${err.message}`,
      });
    }
    try {
      return {
        id: await addTfaEntry(
          services,
          userid,
          { type: 'webauthn', challenge: params.challenge, credential },
          now,
        ),
      };
    } catch (err) {
      // Answered meanwhile through another node: the same answer as when seen used up.
      if (isTesseraError(err, 'rejected') && err.field === 'challenge')
        throw parameterError({ challenge: 'no such challenge' });
      throw err;
    }
  };

  api.route(
    'PUT',
    '/access/tfa/:userid/:id',
    {
      userid: { type: 'string' },
      id: { type: 'string', maxLength: 64 },
      description: DESCRIPTION,
      enable: { type: 'boolean', optional: true },
      password: PASSWORD,
    },
    async (ctx) => {
      const userid = useridParam(ctx.params.userid);
      await mayChange(ctx, userid, ctx.params.password);
      checkDescription(ctx.params.description);
      await updateTfaEntry(ctx.services, userid, ctx.params.id, {
        ...(ctx.params.description !== undefined ? { description: ctx.params.description } : {}),
        ...(ctx.params.enable !== undefined ? { enable: ctx.params.enable } : {}),
      });
      return null;
    },
    { tokens: false },
  );

  api.route(
    'DELETE',
    '/access/tfa/:userid/:id',
    { userid: { type: 'string' }, id: { type: 'string', maxLength: 64 }, password: PASSWORD },
    async (ctx) => {
      const userid = useridParam(ctx.params.userid);
      await mayChange(ctx, userid, ctx.params.password);
      await deleteTfaEntry(ctx.services, userid, ctx.params.id);
      return null;
    },
    { tokens: false },
  );
}

function parseTotpUriSecret(uri: string): string {
  return new URL(uri).searchParams.get('secret') ?? '';
}
