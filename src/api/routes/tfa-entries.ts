/**
 * `/access/tfa`: listing and managing second factors with Proxmox's parameters and answers.
 * Users manage their own after re-entering their password (root@pam excepted), holders of
 * User.Modify manage those of users in their groups, and only root@pam touches root@pam's.
 * Tessera adds `GET /access/tfa/{userid}/totp-enrollment`: a fresh secret with its otpauth
 * URI and QR codes, to be confirmed by `POST type=totp` with a current code.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { forbidden, TesseraError } from '../../errors.js';
import type { UserId } from '../../model/ids.js';
import { formatTotpUri } from '../../model/totp-uri.js';
import { deleteTfaEntry, enrollTfa, updateTfaEntry } from '../../services/tfa-entries.js';
import type { Api, AuthedContext } from '../app.js';
import { reentryGuard, withFailureDelay } from '../reentry-guard.js';
import type { Schema } from '../params.js';
import { useridParam } from './users.js';
import { listTfaEntries } from '../../model/tfa.js';

const DESCRIPTION = { type: 'string', optional: true, maxLength: 255 } as const;
const PASSWORD = { type: 'string', optional: true, minLength: 5, maxLength: 64 } as const;

export function tfaEntryRoutes(api: Api): void {
  /** Who may look: the user, or holders of User.Modify or Sys.Audit for the user's groups. */
  const mayRead = (ctx: AuthedContext<Schema>, userid: UserId): boolean =>
    (ctx.caller.token === undefined && ctx.caller.userid === userid) ||
    ctx.checks.canSeeUser(['User.Modify', 'Sys.Audit'], userid);

  /** The password re-entry counts against the login throttle and lands in the auth log. */
  const guard = reentryGuard(api, 'password re-entry for TFA changes');

  api.route('GET', '/access/tfa', {}, (ctx) =>
    [...ctx.snapshot.tfa.users]
      .filter(([userid]) => mayRead(ctx, userid))
      .map(([userid, user]) => ({
        userid,
        entries: listTfaEntries(user),
        ...(user.totpLocked ? { 'totp-locked': true } : {}),
        ...(user.tfaLockedUntil !== undefined && user.tfaLockedUntil > ctx.now
          ? { 'tfa-locked-until': user.tfaLockedUntil }
          : {}),
      })),
  );

  api.route('GET', '/access/tfa/:userid', { userid: { type: 'string' } }, (ctx) => {
    const userid = useridParam(ctx.params.userid);
    if (!mayRead(ctx, userid)) throw forbidden();
    return listTfaEntries(ctx.snapshot.tfa.users.get(userid));
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
      const found = listTfaEntries(ctx.snapshot.tfa.users.get(userid)).find(
        (e) => e.id === ctx.params.id,
      );
      if (!found) {
        // Proxmox's message has no newline: it is raised, not died with.
        const message = `No such tfa entry '${ctx.params.id}'`;
        throw new TesseraError('not_found', message, { publicMessage: message });
      }
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
    async ({ params, services, request }) =>
      withFailureDelay(api, () =>
        enrollTfa(
          services,
          useridParam(params.userid),
          {
            type: params.type,
            ...defined({
              description: params.description,
              totp: params.totp,
              value: params.value,
              challenge: params.challenge,
            }),
          },
          {
            ...(params.password !== undefined ? { password: params.password } : {}),
            guard,
            webauthn: api.options.webauthn ?? {},
            request: { protocol: request.protocol, host: request.host },
          },
        ),
      ),
    { tokens: false },
  );

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
    async ({ params, services }) => {
      await withFailureDelay(api, () =>
        updateTfaEntry(
          services,
          useridParam(params.userid),
          params.id,
          defined({ description: params.description, enable: params.enable }),
          { ...defined({ password: params.password }), guard },
        ),
      );
      return null;
    },
    { tokens: false },
  );

  api.route(
    'DELETE',
    '/access/tfa/:userid/:id',
    { userid: { type: 'string' }, id: { type: 'string', maxLength: 64 }, password: PASSWORD },
    async ({ params, services }) => {
      await withFailureDelay(api, () =>
        deleteTfaEntry(services, useridParam(params.userid), params.id, {
          ...defined({ password: params.password }),
          guard,
        }),
      );
      return null;
    },
    { tokens: false },
  );
}

function parseTotpUriSecret(uri: string): string {
  return new URL(uri).searchParams.get('secret') ?? '';
}

/** The parameters that were given (the services take no `undefined` members). */
function defined<T extends Record<string, unknown>>(
  values: T,
): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out[name] = value;
  return out as { [K in keyof T]?: Exclude<T[K], undefined> };
}
