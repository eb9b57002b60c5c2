/**
 * The ticket of a `Cookie` header. It arrives with every request of a browser or client,
 * URI-encoded, and decoding about 300 characters cost more than the rest of authenticating
 * the request: each header's ticket is kept. Bounded in what an anonymous client can make
 * it hold: short headers only, and a few thousand of them.
 */
const MAX_HEADER = 1024;
const MAX_KEPT = 4096;

export function ticketCookieReader(
  parse: (header: string) => Readonly<Record<string, string | undefined>>,
): (header: string | undefined) => string | undefined {
  const kept = new Map<string, string>();
  return (header) => {
    if (header === undefined) return undefined;
    const known = kept.get(header);
    if (known !== undefined) return known === '' ? undefined : known;
    const ticket = parse(header)['PVEAuthCookie'];
    if (header.length <= MAX_HEADER) {
      if (kept.size >= MAX_KEPT) kept.clear();
      kept.set(header, ticket ?? '');
    }
    return ticket;
  };
}
