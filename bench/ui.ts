/**
 * Web interface benchmark, in Debian's Chromium on loopback:
 *
 * - first contentful paint of the login page served by Tessera (target under 1 s), against a
 *   bare page (one heading, no script) served by a plain Node HTTP server in the same run;
 * - the production bundle's size, gzip-compressed (target under 300 kB), against that budget.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify from 'fastify';
import type { Page } from 'playwright-core';
import { registerUi, uiDirectory } from '../src/api/ui.js';
import { launchChromium } from '../test/support/oidc-provider.js';

const RUNS = 15;

async function firstPaint(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: 'load' });
  // The login page paints its form once the script has run; wait for it where there is one.
  await page.waitForSelector('h1');
  return page.evaluate(
    () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? performance.now(),
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const app = Fastify();
  registerUi(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const tessera = `http://localhost:${String((app.server.address() as { port: number }).port)}/`;
  const bare = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>bare</title><h1>Tessera</h1>');
  });
  await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
  const bareUrl = `http://localhost:${String((bare.address() as { port: number }).port)}/`;

  const browser = await launchChromium();
  const measure = async (url: string): Promise<number[]> => {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A fresh context each time: nothing cached, as a first visit.
      const context = await browser.newContext();
      const page = await context.newPage();
      times.push(await firstPaint(page, url));
      await context.close();
    }
    return times;
  };
  await measure(bareUrl); // warm-up of the browser itself
  const baseline = median(await measure(bareUrl));
  const login = median(await measure(tessera));
  await browser.close();
  await app.close();
  await new Promise((resolve) => bare.close(resolve));

  const assets = join(uiDirectory(), 'assets');
  let gzipped = 0;
  let raw = 0;
  for (const name of readdirSync(assets)) {
    const file = readFileSync(join(assets, name));
    raw += file.length;
    gzipped += gzipSync(file, { level: 9 }).length;
  }
  console.log('Web interface (Chromium, loopback, median of 15 cold loads)');
  console.log(
    `  first contentful paint, login page: ${login.toFixed(0)} ms (target < 1000 ms); bare page: ${baseline.toFixed(0)} ms; ratio ${(login / baseline).toFixed(2)}x`,
  );
  console.log(
    `  production bundle: ${(gzipped / 1024).toFixed(1)} kB gzip (${(raw / 1024).toFixed(1)} kB raw); budget 300 kB, ratio ${(gzipped / (300 * 1024)).toFixed(2)}`,
  );
}

await main();
