/**
 * A group's members, changed from the group. Proxmox's groups have no members parameter: a
 * member is a user whose `groups` name the group, so each change is that user's
 * `PUT /access/users/{userid}` (adding: `groups=<group>` with `append=1`; removing: the user's
 * other groups), with Proxmox's own permission check on each (User.Modify on the groups
 * concerned). Each user's change stands alone: the panel says which ones failed and why.
 * See docs/decisions.md, "Group members from the group page".
 */
import { useRef, useState, type ReactNode } from 'react';
import { api, describeError, itemPath } from '../../api.js';
import { CheckList, Message } from '../../components/Form.js';
import { Panel } from '../../components/Panel.js';
import { ConfirmButton } from './buttons.js';
import { useLoad } from './load.js';
import { LoadState } from './LoadState.js';
import './group-members.css';

const USERS = '/access/users';

interface Outcome {
  readonly done: readonly string[];
  readonly failed: readonly { readonly userid: string; readonly reason: string }[];
  readonly verb: 'Added' | 'Removed';
}

async function addTo(groupid: string, userid: string): Promise<void> {
  await api('PUT', itemPath(USERS, userid), { groups: groupid, append: true });
}

async function removeFrom(groupid: string, userid: string): Promise<void> {
  const user = await api<{ groups?: readonly string[] }>('GET', itemPath(USERS, userid));
  const rest = (user.groups ?? []).filter((g) => g !== groupid);
  await api('PUT', itemPath(USERS, userid), { groups: rest.join(',') });
}

export function GroupMembers(props: {
  readonly groupid: string;
  readonly members: readonly string[];
  /** After a change: the page reloads its list, and with it `members`. */
  readonly onChanged: () => void;
  readonly onClose: () => void;
}): ReactNode {
  const { groupid, members } = props;
  const users = useLoad('group-members-users', () =>
    api<{ userid: string }[]>('GET', USERS).then((list) => list.map((u) => u.userid).sort()),
  );
  const [chosen, setChosen] = useState<readonly string[]>([]);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const result = useRef<HTMLDivElement>(null);

  const change = async (
    verb: Outcome['verb'],
    userids: readonly string[],
    call: (groupid: string, userid: string) => Promise<void>,
  ): Promise<void> => {
    setBusy(true);
    setOutcome(undefined);
    const done: string[] = [];
    const failed: { userid: string; reason: string }[] = [];
    // One after the other: each is a change of its own, and the answers come in order.
    for (const userid of userids) {
      try {
        await call(groupid, userid);
        done.push(userid);
      } catch (err) {
        failed.push({ userid, reason: describeError(err) });
      }
    }
    setOutcome({ verb, done, failed });
    setChosen([]);
    setBusy(false);
    props.onChanged();
    // The button pressed may be gone with its member: the outcome takes the focus.
    result.current?.focus();
  };

  const candidates = (users.data ?? []).filter((u) => !members.includes(u));
  return (
    <Panel title={`Members of group ${groupid}`} focus>
      <div ref={result} tabIndex={-1} className="outcome">
        {outcome && outcome.done.length > 0 ? (
          <Message kind="info" text={`${outcome.verb}: ${outcome.done.join(', ')}.`} />
        ) : null}
        {outcome && outcome.failed.length > 0 ? (
          <div className="message error" role="alert">
            Could not change {outcome.failed.length === 1 ? 'this user' : 'these users'}:
            <ul>
              {outcome.failed.map((f) => (
                <li key={f.userid}>
                  {f.userid}: {f.reason}
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </div>
      {members.length === 0 ? (
        <p className="hint">No members.</p>
      ) : (
        <ul className="members" aria-label={`Members of ${groupid}`}>
          {members.map((userid) => (
            <li key={userid}>
              <span>{userid}</span>{' '}
              <ConfirmButton
                text="Remove"
                name={`Remove ${userid} from ${groupid}`}
                question={`Remove ${userid} from group ${groupid}? The user loses what the group's ACL entries give.`}
                confirm="Remove member"
                disabled={busy}
                onConfirm={() => {
                  void change('Removed', [userid], removeFrom);
                }}
              />
            </li>
          ))}
        </ul>
      )}
      {users.data ? (
        <CheckList
          label="Add members"
          name="members"
          choices={candidates}
          selected={chosen}
          onChange={setChosen}
          empty="Every user you can see is a member."
          disabled={busy}
        />
      ) : (
        <LoadState error={users.error} />
      )}
      <div className="buttons">
        <button
          type="button"
          className="primary"
          disabled={busy || chosen.length === 0}
          onClick={() => {
            void change('Added', chosen, addTo);
          }}
        >
          Add selected users
        </button>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </Panel>
  );
}
