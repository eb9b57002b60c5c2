/**
 * The settings of Proxmox VE's `datacenter.cfg` that concern authentication, and the file's
 * text. Proxmox keeps cluster-wide options there (console, HA, migration, tags...); Tessera
 * uses only the ones below and carries the rest along unread, so an export writes back the
 * file it imported.
 */

/** `webauthn: rp=<name>,origin=<url>,id=<domain>,allow-subdomains=<0|1>` */
export interface WebauthnConfig {
  /** The relying party's name, any text (shown by authenticators). */
  readonly rp?: string;
  /** The site origin the browser must report (`https://...`, or `http://localhost`). */
  readonly origin?: string;
  /** The relying party id: the origin's host name or a parent domain of it. */
  readonly id?: string;
  /** Whether a subdomain of the origin's host may answer too (Proxmox's default: yes). */
  readonly allowSubdomains?: boolean;
}

/** `u2f: appid=<url>,origin=<url>` */
export interface U2fConfig {
  readonly appid?: string;
  readonly origin?: string;
}

export interface DatacenterConfig {
  /** The file as read: what an export writes back, byte for byte. */
  readonly text: string;
  readonly webauthn?: WebauthnConfig;
  readonly u2f?: U2fConfig;
  /** `http_proxy`: the proxy for outgoing requests (OpenID discovery and tokens). */
  readonly httpProxy?: string;
  /**
   * `consent-text`: shown before the login, base64-encoded UTF-8 (Markdown in Proxmox's web
   * interface), as Proxmox's web interface stores it.
   */
  readonly consentText?: string;
}

/** Proxmox's limit on `consent-text` (`maxLength`, in characters of the stored value). */
export const CONSENT_TEXT_MAX = 64 * 1024;

/** The consent text in words, or `undefined` when it is not base64 of UTF-8 text. */
export function decodeConsentText(encoded: string): string | undefined {
  // Browsers' atob accepts missing padding and nothing but the base64 alphabet.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 === 1) return undefined;
  try {
    // atob and TextDecoder: the same code runs in the web interface.
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
