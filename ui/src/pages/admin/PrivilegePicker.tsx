/** Choosing a role's privileges among Proxmox's, the list the server itself checks against. */
import { useState, type ReactNode } from 'react';
import { PRIVILEGES } from '../../../../src/model/privileges.js';
import { FieldError, Input } from '../../components/Form.js';

/** The privileges by their first segment (`VM`, `Sys`, ...), prefixes in alphabetical order. */
function privilegeGroups(privileges: readonly string[]): [prefix: string, members: string[]][] {
  const groups = new Map<string, string[]>();
  for (const privilege of privileges) {
    const prefix = privilege.split('.')[0] ?? privilege;
    const members = groups.get(prefix) ?? [];
    members.push(privilege);
    groups.set(prefix, members);
  }
  return [...groups].sort(([a], [b]) => a.localeCompare(b));
}

/** Checkboxes for the 47 privileges, one group per prefix, narrowed by a filter. */
export function PrivilegePicker(props: {
  readonly selected: readonly string[];
  readonly onChange: (selected: readonly string[]) => void;
  readonly error: string | undefined;
}): ReactNode {
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = PRIVILEGES.filter((p) => p.toLowerCase().includes(needle));
  const chosen = new Set(props.selected);
  const set = (names: readonly string[], on: boolean): void => {
    const next = new Set(chosen);
    for (const name of names) {
      if (on) next.add(name);
      else next.delete(name);
    }
    props.onChange(PRIVILEGES.filter((p) => next.has(p)));
  };
  return (
    <div className="picker">
      <div className="row">
        <Input
          label="Filter privileges"
          name="privilege-filter"
          type="search"
          value={filter}
          onChange={setFilter}
          hint={`${String(chosen.size)} of ${String(PRIVILEGES.length)} privileges chosen.`}
        />
      </div>
      <FieldError error={props.error} />
      <div className="privileges">
        {privilegeGroups(shown).map(([prefix, members]) => {
          const all = members.every((m) => chosen.has(m));
          return (
            <fieldset className="checklist" key={prefix}>
              <legend>{prefix}.*</legend>
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={all}
                  onChange={(e) => {
                    set(members, e.target.checked);
                  }}
                />
                <em>
                  All {prefix}.*{needle !== '' ? ' shown' : ''}
                </em>
              </label>
              <div className="checks">
                {members.map((p) => (
                  <label className="checkbox" key={p}>
                    <input
                      type="checkbox"
                      name="privs"
                      value={p}
                      checked={chosen.has(p)}
                      onChange={(e) => {
                        set([p], e.target.checked);
                      }}
                    />
                    {p}
                  </label>
                ))}
              </div>
            </fieldset>
          );
        })}
        {shown.length === 0 ? <p className="hint">No privilege matches the filter.</p> : null}
      </div>
    </div>
  );
}
