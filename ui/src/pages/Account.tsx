/**
 * My account: the user's password and second factors. Every change asks for the current
 * password (root@pam excepted), as the server does. Users of OpenID realms have neither here:
 * their provider keeps both.
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, describeError } from '../api.js';
import { Panel } from '../components/Panel.js';
import { ChangePassword } from './account/ChangePassword.js';
import { tfaPath, type TfaEntry } from './account/common.js';
import { Factors } from './account/Factors.js';
import { RecoveryKeys } from './account/RecoveryKeys.js';
import { TotpEnroll } from './account/TotpEnroll.js';
import { WebauthnRegister } from './account/WebauthnRegister.js';
import { loadRealms, type Realm } from './login/realms.js';
import type { PageProps } from './page.js';

export function Account(props: PageProps): ReactNode {
  const { session } = props;
  const userid = session.username;
  const realmId = userid.slice(userid.lastIndexOf('@') + 1);
  const [realm, setRealm] = useState<Realm>();
  const [entries, setEntries] = useState<readonly TfaEntry[]>();
  const [error, setError] = useState<string>();

  const reload = useCallback(() => {
    api<TfaEntry[]>('GET', tfaPath(userid)).then(
      (list) => {
        setEntries(list);
        setError(undefined);
      },
      (err: unknown) => {
        setError(`The second factors could not be loaded: ${describeError(err)}`);
      },
    );
  }, [userid]);

  useEffect(() => {
    reload();
    loadRealms().then(
      (list) => {
        setRealm(list.find((r) => r.realm === realmId));
      },
      () => undefined,
    );
  }, [reload, realmId]);

  const openid = realm?.type === 'openid';
  return (
    <>
      <p>
        Logged in as <strong>{userid}</strong>
        {realm?.comment !== undefined ? `, realm ${realm.realm}: ${realm.comment}` : ''}.
      </p>
      <ChangePassword session={session} realmType={realm?.type} />
      {openid ? (
        <Panel title="Second factors">
          <p>
            You log in through an OpenID provider, which asks for any second factor itself: there
            are none to manage here.
          </p>
        </Panel>
      ) : (
        <>
          <Factors session={session} entries={entries} error={error} onChange={reload} />
          <TotpEnroll session={session} onChange={reload} />
          <WebauthnRegister session={session} onChange={reload} />
          <RecoveryKeys
            session={session}
            existing={entries?.find((e) => e.type === 'recovery')}
            onChange={reload}
          />
        </>
      )}
    </>
  );
}
