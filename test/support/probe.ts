/**
 * Plain HTTP requests as a load balancer's health check or a Prometheus scraper sends them,
 * and the Prometheus text format read back into series.
 */
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PlainAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

export function plain(
  port: number,
  path: string,
  options: {
    readonly method?: string;
    readonly headers?: Record<string, string>;
    readonly body?: string;
  } = {},
): Promise<PlainAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        // One connection per request, as HAProxy's `option httpchk` opens for each check.
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Polls until `wanted` holds of the answer; fails with the last answer after `limitMs`. */
export async function until(
  port: number,
  path: string,
  wanted: (answer: PlainAnswer) => boolean,
  limitMs = 60_000,
): Promise<PlainAnswer> {
  const deadline = Date.now() + limitMs;
  let last: PlainAnswer | undefined;
  while (Date.now() < deadline) {
    last = await plain(port, path);
    if (wanted(last)) return last;
    await sleep(250);
  }
  throw new Error(`GET ${path}: still ${String(last?.status)} ${JSON.stringify(last?.text)}`);
}

/** `name{labels}` -> value, of every sample in a scrape. */
export function samples(text: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    result.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return result;
}

/** The samples whose value changed (or appeared) between two scrapes, as differences. */
export function moved(
  before: Map<string, number>,
  after: Map<string, number>,
  prefix: string,
): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [series, value] of after) {
    if (!series.startsWith(prefix)) continue;
    const delta = value - (before.get(series) ?? 0);
    if (delta !== 0) result[series] = delta;
  }
  return result;
}
