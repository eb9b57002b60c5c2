/**
 * `GET /access/tessera/notices` (Tessera's own): what the web interface should tell the
 * logged-in user about the first start's way in, decided in services/notices.ts for the
 * caller alone. Tickets only: the notices are for a person at the interface.
 */
import { FirstRunNotices } from '../../services/notices.js';
import type { Api } from '../app.js';

export function noticeRoutes(api: Api): void {
  const notices = new FirstRunNotices(api.options.bootstrapPasswordFile);
  api.route('GET', '/access/tessera/notices', {}, ({ services }) => notices.for(services), {
    tokens: false,
  });
}
