/**
 * The web interface: the files Vite built into dist/ui, served at `/` from memory. Asset
 * names carry a content hash, so they are cached for a year; the page itself is not cached,
 * so an upgrade shows at the next load. Every answer forbids framing and sniffing (and
 * carries the API's fixed headers, HSTS included), and the page may load nothing but its own
 * files (and `data:` images, for QR codes).
 *
 * As pveproxy does, the page carries datacenter.cfg's `consent-text` (base64, as stored) for
 * the login to show first: in a `data-consent` attribute of the root element, read from the
 * live configuration at every load.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { answerHeaders, isHttps } from './http.js';

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
};

export function uiDirectory(): string {
  return fileURLToPath(new URL('../../ui/', import.meta.url));
}

const ROOT = '<div id="root"></div>';

/** The page with the consent text in it; base64 needs no escaping inside an attribute. */
export function pageWithConsent(index: string, consent: string | undefined): string {
  if (consent === undefined || !/^[A-Za-z0-9+/=]*$/.test(consent)) return index;
  return index.replace(ROOT, `<div id="root" data-consent="${consent}"></div>`);
}

export function registerUi(
  app: FastifyInstance,
  directory: string = uiDirectory(),
  consent: () => string | undefined = () => undefined,
): void {
  const index = existsSync(join(directory, 'index.html'))
    ? readFileSync(join(directory, 'index.html'), 'utf8')
    : undefined;
  const assets = new Map<string, Buffer>();
  const assetDir = join(directory, 'assets');
  if (existsSync(assetDir))
    for (const name of readdirSync(assetDir)) assets.set(name, readFileSync(join(assetDir, name)));

  const fixed = { ...PAGE_HEADERS, ...answerHeaders(isHttps(app)) };
  const headers = (reply: FastifyReply): FastifyReply => reply.headers(fixed);

  app.get('/', (_request, reply) => {
    if (!index)
      return headers(reply)
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web interface is not built: run `npm run build` in the Tessera directory.\n');
    return headers(reply)
      .type(TYPES['.html'] ?? 'text/html')
      .header('Cache-Control', 'no-cache')
      .send(pageWithConsent(index, consent()));
  });

  app.get<{ Params: { name: string } }>('/assets/:name', (request, reply) => {
    const file = assets.get(request.params.name);
    if (!file)
      return headers(reply).code(404).type('text/plain; charset=utf-8').send('not found\n');
    return headers(reply)
      .type(TYPES[extname(request.params.name)] ?? 'application/octet-stream')
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .send(file);
  });
}
