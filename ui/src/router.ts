/** Hash routes (`#/account`, `#/admin/users`, ...): the server serves one page. */
import { useEffect, useState } from 'react';

export function currentRoute(): string {
  return location.hash.replace(/^#/, '') || '/';
}

export function navigate(route: string): void {
  location.hash = route;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const onChange = (): void => {
      setRoute(currentRoute());
    };
    window.addEventListener('hashchange', onChange);
    return () => {
      window.removeEventListener('hashchange', onChange);
    };
  }, []);
  return route;
}
