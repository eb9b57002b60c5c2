/**
 * The login page: user name, password and realm (the last one used, else the default
 * realm), notes when the name says more than the realm choice (`user@realm`, `root`), a
 * warning when this computer's clock is off, a button per OpenID realm, and the second-factor
 * step when the password is right but the user has second factors. It also finishes an
 * OpenID login when the provider sends the browser back here. A consent text
 * (datacenter.cfg's `consent-text`) comes first, as in Proxmox, except on the way back from
 * an OpenID provider.
 */
import { useEffect, useId, useState, type ReactNode } from 'react';
import { api, ApiError, describeError, lastServerDate } from '../api.js';
import { Field, Message, useSubmit } from '../components/Form.js';
import { saveSession, sessionFrom, type Session, type TicketAnswer } from '../session.js';
import { parseChallenge, type TfaChallenge } from './login/challenge.js';
import { Consent, pageConsentText } from './login/Consent.js';
import { cleanAddress, openidFinish, openidReturn, openidStart } from './login/openid.js';
import {
  clockSkew,
  CLOCK_TOLERANCE_MS,
  describeDuration,
  initialRealm,
  loadRealms,
  loginTarget,
  openidRealms,
  passwordRealms,
  realmLabel,
  rememberRealm,
  type Realm,
} from './login/realms.js';
import { TfaStep } from './login/TfaStep.js';

interface PendingTfa {
  readonly username: string;
  readonly ticket: string;
  readonly challenge: TfaChallenge;
  readonly realm: string;
}

const LOGIN_FAILED = 'Login failed: check the user name, realm and password.';

export function Login(props: { readonly onLogin: (session: Session) => void }): ReactNode {
  const [realms, setRealms] = useState<readonly Realm[]>([]);
  const [realmsError, setRealmsError] = useState<string>();
  const [skew, setSkew] = useState<number>();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [realm, setRealm] = useState('');
  const [tfa, setTfa] = useState<PendingTfa>();
  const [openid, setOpenid] = useState<string>();
  // Proxmox skips the consent when the provider sends the browser back.
  const [consent, setConsent] = useState(() =>
    openidReturn() === undefined ? pageConsentText() : undefined,
  );
  const submit = useSubmit();
  const realmId = useId();
  const notesId = useId();

  const finish = (answer: TicketAnswer, usedRealm?: string): void => {
    const session = sessionFrom(answer);
    saveSession(session);
    if (usedRealm !== undefined && usedRealm !== '') rememberRealm(usedRealm);
    props.onLogin(session);
  };

  useEffect(() => {
    let live = true;
    loadRealms().then(
      (list) => {
        if (!live) return;
        setRealms(list);
        setRealm(initialRealm(list));
        setSkew(clockSkew(lastServerDate));
      },
      (err: unknown) => {
        if (!live) return;
        setRealmsError(`The list of realms could not be loaded: ${describeError(err)}`);
        setSkew(clockSkew(lastServerDate));
      },
    );
    return () => {
      live = false;
    };
  }, []);

  // Back from an OpenID provider: finish the login, then take code and state off the address.
  useEffect(() => {
    const back = openidReturn();
    if (!back) return;
    if (back.kind === 'error') {
      cleanAddress();
      setOpenid(undefined);
      void submit.run(() =>
        Promise.reject(
          new Error(
            `OpenID login failed: the provider answered ${back.error}${back.description !== undefined ? ` (${back.description})` : ''}.`,
          ),
        ),
      );
      return;
    }
    const pending = openidFinish(back.code, back.state);
    if (!pending) return;
    setOpenid('Finishing the OpenID login…');
    void submit.run(async () => {
      try {
        const answer = await pending;
        cleanAddress();
        finish(answer);
      } catch (err) {
        cleanAddress();
        setOpenid(undefined);
        if (err instanceof ApiError && err.status === 401)
          throw new Error(
            'OpenID login failed: the server did not accept the provider’s answer. Try again.',
            { cause: err },
          );
        throw err;
      }
    });
    // Once, when the page opens.
  }, []);

  if (consent !== undefined)
    return (
      <main id="main">
        <Consent
          text={consent}
          onAccept={() => {
            setConsent(undefined);
          }}
        />
      </main>
    );

  if (tfa)
    return (
      <main id="main">
        <TfaStep
          username={tfa.username}
          ticket={tfa.ticket}
          challenge={tfa.challenge}
          onLogin={(answer) => {
            finish(answer, tfa.realm);
          }}
          onCancel={() => {
            setTfa(undefined);
            setPassword('');
            submit.clear();
          }}
        />
      </main>
    );

  const target = loginTarget(username, realm, realms);
  const choices = passwordRealms(realms);
  const providers = openidRealms(realms);
  const pam = choices.find((r) => r.type === 'pam');
  const skewed = skew !== undefined && Math.abs(skew) > CLOCK_TOLERANCE_MS ? skew : undefined;

  const login = (): Promise<void> =>
    submit.run(async () => {
      let answer: TicketAnswer;
      try {
        answer = await api<TicketAnswer>('POST', '/access/ticket', {
          username: target.username,
          password,
          realm: target.realm,
        });
      } catch (err) {
        if (err instanceof ApiError && err.status === 401)
          throw new Error(LOGIN_FAILED, { cause: err });
        throw err;
      }
      if (answer.NeedTFA === 1) {
        const partial = answer.ticket ?? '';
        const challenge = parseChallenge(partial);
        if (!challenge) throw new Error('The server asked for a second factor it did not name.');
        setTfa({ username: answer.username, ticket: partial, challenge, realm });
        return;
      }
      finish(answer, realm);
    });

  return (
    <main id="main">
      <section className="login" aria-labelledby={`${realmId}-title`}>
        <h1 id={`${realmId}-title`}>Tessera</h1>
        {skewed !== undefined ? (
          <Message
            kind="warning"
            text={`This computer’s clock is ${describeDuration(skewed)} ${skewed > 0 ? 'ahead of' : 'behind'} the server’s. Tickets and one-time codes depend on the time: if logging in fails, set the clock right.`}
          />
        ) : null}
        <Message text={realmsError} kind="warning" />
        <Message text={openid} kind="info" />
        <Message text={submit.message} />
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void login();
          }}
        >
          <Field
            label="User name"
            name="username"
            value={username}
            onChange={setUsername}
            errors={submit.errors}
            autoComplete="username"
            autoFocus
            required
          />
          <div id={notesId} aria-live="polite">
            {target.notes.map((note) => (
              <div key={note.text} className={`message ${note.kind}`}>
                {note.text}
                {note.text.startsWith('root is usually') && pam ? (
                  <>
                    {' '}
                    <button
                      type="button"
                      onClick={() => {
                        setRealm(pam.realm);
                      }}
                    >
                      Switch to {pam.realm}
                    </button>
                  </>
                ) : null}
              </div>
            ))}
          </div>
          <Field
            label="Password"
            name="password"
            type="password"
            value={password}
            onChange={setPassword}
            errors={submit.errors}
            autoComplete="current-password"
            required
          />
          <div className="field">
            <label htmlFor={realmId}>Realm</label>
            <select
              id={realmId}
              name="realm"
              value={realm}
              aria-describedby={target.notes.length > 0 ? notesId : undefined}
              onChange={(e) => {
                setRealm(e.target.value);
              }}
            >
              {choices.length === 0 ? (
                <option value="">{realmsError !== undefined ? '(unknown)' : 'Loading…'}</option>
              ) : null}
              {choices.map((r) => (
                <option key={r.realm} value={r.realm}>
                  {realmLabel(r)}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" className="primary" disabled={submit.busy}>
            Log in
          </button>
        </form>
        {providers.length > 0 ? (
          <div className="field">
            <p className="hint">Or log in through an OpenID provider:</p>
            <div className="choices">
              {providers.map((r) => (
                <button
                  key={r.realm}
                  type="button"
                  disabled={submit.busy}
                  title={r.comment}
                  onClick={() => {
                    void submit.run(() => openidStart(r.realm));
                  }}
                >
                  Log in with {r.realm}
                </button>
              ))}
            </div>
          </div>
        ) : null}
      </section>
    </main>
  );
}
