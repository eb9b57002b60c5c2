/**
 * The account part of a user's view: the facts, and the actions the session may take on it.
 */
import { useState, type ReactNode } from 'react';
import { api, itemPath } from '../../api.js';
import { Message, useSubmit } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { can, type Session } from '../../session.js';
import { ConfirmButton } from './buttons.js';
import { showExpire, yesNo } from './format.js';
import type { UserRow } from './resources.js';
import { maySetPassword, SetPassword } from './SetPassword.js';
import { realmOf } from './userid.js';

function lockOf(user: UserRow): string | undefined {
  const parts: string[] = [];
  if (user['totp-locked'] === 1) parts.push('TOTP locked');
  const until = user['tfa-locked-until'];
  if (until !== undefined && until * 1000 > Date.now())
    parts.push(`all second factors locked until ${new Date(until * 1000).toLocaleString()}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/**
 * The account's facts and the actions the session may take on it: set the password (pve
 * users), unlock second factors (when locked), log out everywhere (not oneself: the header
 * has that).
 */
export function UserAccount(props: {
  readonly session: Session;
  readonly user: UserRow;
  readonly onChange: () => void;
}): ReactNode {
  const { session, user } = props;
  const [done, setDone] = useState<string>();
  const action = useSubmit();
  const modify = can(session, 'access', 'User.Modify');
  const self = user.userid === session.username;
  const realmType = user['realm-type'] ?? realmOf(user.userid);
  const lock = lockOf(user);
  const name = `${user.firstname ?? ''} ${user.lastname ?? ''}`.trim();
  const act = (text: string, call: () => Promise<unknown>): void => {
    setDone(undefined);
    void action.run(async () => {
      await call();
      setDone(text);
      props.onChange();
    });
  };
  return (
    <Panel title={`User ${user.userid}`} focus>
      <Message text={action.message} />
      <Message text={done} kind="info" />
      <dl className="facts">
        <dt>Name</dt>
        <dd>{name === '' ? '—' : name}</dd>
        <dt>Email</dt>
        <dd>{user.email !== undefined && user.email !== '' ? user.email : '—'}</dd>
        <dt>Realm</dt>
        <dd>
          {realmOf(user.userid)}
          {realmType !== realmOf(user.userid) ? ` (${realmType})` : ''}
        </dd>
        <dt>Enabled</dt>
        <dd>{yesNo(user.enable !== 0)}</dd>
        <dt>Expires</dt>
        <dd>{showExpire(user.expire)}</dd>
        <dt>Second factors locked</dt>
        <dd>{lock ?? 'No'}</dd>
        {user.comment !== undefined && user.comment !== '' ? (
          <>
            <dt>Comment</dt>
            <dd>{user.comment}</dd>
          </>
        ) : null}
      </dl>
      {modify && lock !== undefined ? (
        <div className="buttons">
          <button
            type="button"
            disabled={action.busy}
            onClick={() => {
              act(`Second factors of ${user.userid} unlocked.`, () =>
                api('PUT', `${itemPath('/access/users', user.userid)}/unlock-tfa`),
              );
            }}
          >
            Unlock TFA
          </button>
        </div>
      ) : null}
      {maySetPassword(session, user.userid, realmType) ? (
        <SetPassword session={session} userid={user.userid} />
      ) : null}
      {modify && !self ? (
        <div className="buttons">
          <ConfirmButton
            text="Log out everywhere"
            name={`Log out ${user.userid} everywhere`}
            question={`End every session of ${user.userid}? Tickets issued so far stop working on every node; API tokens are not affected.`}
            confirm="Log out everywhere"
            disabled={action.busy}
            onConfirm={() => {
              act(`${user.userid} logged out everywhere.`, () =>
                api('POST', '/access/tessera/logout', { userid: user.userid }),
              );
            }}
          />
        </div>
      ) : null}
    </Panel>
  );
}
