/** Loading what a page shows, with the error if it fails. */
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../../api.js';

/** What a GET answered, or why it failed; `reload()` asks again. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
}

/** Loads `load()` once per `key` (and again on `reload()`). */
export function useLoad<T>(key: string, load: () => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  const [round, setRound] = useState(0);
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    let live = true;
    loader.current().then(
      (data) => {
        if (live) setState({ data });
      },
      (err: unknown) => {
        if (live) setState({ error: describeError(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return {
    data: state.data,
    error: state.error,
    reload: () => {
      setRound((n) => n + 1);
    },
  };
}
