/**
 * Step two of the login: the user answers the challenge of the partial ticket with one of
 * the factors it offers (TOTP code, recovery key, security key, Yubico OTP). Focus moves to
 * the answer when the step opens; a refused answer may be retried until the partial ticket
 * expires, or the login started over.
 */
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { api, ApiError } from '../../api.js';
import { Field, Message, useSubmit } from '../../components/Form.js';
import type { TicketAnswer } from '../../session.js';
import { describeWebauthnError, webauthnAvailable, webauthnLoginAnswer } from '../../webauthn.js';
import {
  FACTOR_NAMES,
  keysLeft,
  offeredFactors,
  type FactorKind,
  type TfaChallenge,
} from './challenge.js';

export interface TfaStepProps {
  /** The user id step one answered. */
  readonly username: string;
  readonly ticket: string;
  readonly challenge: TfaChallenge;
  readonly onLogin: (answer: TicketAnswer) => void;
  readonly onCancel: () => void;
}

const FIELDS: Readonly<
  Record<Exclude<FactorKind, 'webauthn'>, { label: string; prefix: string; hint?: string }>
> = {
  totp: { label: 'TOTP code', prefix: 'totp:', hint: 'The code your authenticator app shows.' },
  yubico: { label: 'Yubico OTP', prefix: 'yubico:', hint: 'Touch your YubiKey.' },
  recovery: { label: 'Recovery key', prefix: 'recovery:' },
};

export function TfaStep(props: TfaStepProps): ReactNode {
  const { username, ticket, challenge } = props;
  const kinds = offeredFactors(challenge);
  const [kind, setKind] = useState<FactorKind | undefined>(kinds[0]);
  const [value, setValue] = useState('');
  const submit = useSubmit();
  const answerRef = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useEffect(() => {
    answerRef.current?.querySelector<HTMLElement>('input, button')?.focus();
  }, []);

  const send = (answer: () => Promise<string>): Promise<void> =>
    submit.run(async () => {
      let result: TicketAnswer;
      try {
        result = await api<TicketAnswer>('POST', '/access/ticket', {
          username,
          'tfa-challenge': ticket,
          password: await answer(),
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401)
          throw new Error(
            kind === 'webauthn'
              ? 'The security key was not accepted. Start over to try again.'
              : 'The second factor was not accepted: check it and try again, or start over.',
            { cause: err },
          );
        const described = describeWebauthnError(err);
        if (described !== undefined) throw new Error(described, { cause: err });
        throw err;
      }
      props.onLogin(result);
    });

  const field = kind !== undefined && kind !== 'webauthn' ? FIELDS[kind] : undefined;
  const recoveryLeft = challenge.recovery?.length ?? 0;

  return (
    <section className="login" aria-labelledby={titleId}>
      <h1>Tessera</h1>
      <h2 id={titleId}>Second factor</h2>
      <p>
        The password of <strong>{username}</strong> is right. Confirm the login with a second
        factor.
      </p>
      <Message text={submit.message} />
      {kinds.length === 0 ? (
        <Message text="None of this user's second factors can be used here (a used-up set of recovery keys, or a security key this browser cannot reach). Ask an administrator." />
      ) : null}
      {kinds.length > 1 ? (
        <fieldset>
          <legend>Second factor to use</legend>
          <div className="choices">
            {kinds.map((k) => (
              <label key={k} className="checkbox">
                <input
                  type="radio"
                  name="factor"
                  value={k}
                  checked={kind === k}
                  onChange={() => {
                    setKind(k);
                    setValue('');
                    submit.clear();
                  }}
                />
                {FACTOR_NAMES[k]}
              </label>
            ))}
          </div>
        </fieldset>
      ) : null}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (kind === 'webauthn') {
            const publicKey = challenge.webauthn?.publicKey;
            if (!publicKey) return;
            if (!webauthnAvailable()) {
              void submit.run(() =>
                Promise.reject(
                  new Error('This browser has no WebAuthn (it needs HTTPS or localhost).'),
                ),
              );
              return;
            }
            void send(() => webauthnLoginAnswer(publicKey));
          } else if (field) {
            const answer = value.trim();
            void send(() => Promise.resolve(`${field.prefix}${answer}`));
          }
        }}
      >
        <div ref={answerRef}>
          {kind === 'webauthn' ? (
            <p>
              <button type="submit" className="primary" disabled={submit.busy}>
                Use security key
              </button>
            </p>
          ) : field ? (
            <Field
              label={field.label}
              name="answer"
              value={value}
              onChange={setValue}
              required
              autoComplete="one-time-code"
              {...(kind === 'totp' ? { inputMode: 'numeric' as const } : {})}
              hint={kind === 'recovery' ? keysLeft(recoveryLeft) : field.hint}
            />
          ) : null}
        </div>
        <div className="row">
          {kind !== undefined && kind !== 'webauthn' ? (
            <button type="submit" className="primary" disabled={submit.busy}>
              Confirm
            </button>
          ) : null}
          <button type="button" onClick={props.onCancel}>
            Start over
          </button>
        </div>
      </form>
    </section>
  );
}
