/**
 * Orders strings by Unicode code point, the order Proxmox's Perl `sort` gives the UTF-8
 * bytes of its configuration files. JavaScript's default order compares UTF-16 code units,
 * which differs for characters outside the Basic Multilingual Plane.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Shift surrogates (D800-DFFF) above E000-FFFF so that code-unit order becomes
    // code-point order; characters below D800 keep their place.
    if (x >= 0xd800) x += x >= 0xe000 ? -0x800 : 0x2000;
    if (y >= 0xd800) y += y >= 0xe000 ? -0x800 : 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** A sorted copy, in Proxmox's order. */
export function sortedCodePoints<T extends string>(values: Iterable<T>): T[] {
  return [...values].sort(compareCodePoints);
}
