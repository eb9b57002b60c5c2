/**
 * A latency probe for the API benchmark, run as its own process: sequential HTTPS GETs over
 * one kept-alive connection for a while, timed with a high-resolution clock (autocannon
 * rounds to whole milliseconds). Prints `{"mean": ms, "p99": ms, "count": n}`.
 */
import { Agent, request } from 'node:https';

const [url = '', header = '', secondsText = '3'] = process.argv.slice(2);
const [name = '', ...value] = header.split('=');
const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
const samples: number[] = [];
const end = Date.now() + Number(secondsText) * 1000;

function once(): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent, headers: { [name]: value.join('=') } }, (res) => {
      res.resume();
      res.on('end', () => {
        samples.push(Number(process.hrtime.bigint() - started) / 1e6);
        resolve();
      });
    });
    req.on('error', reject);
    req.end();
  });
}

while (Date.now() < end) await once();
samples.sort((a, b) => a - b);
const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
const p99 = samples[Math.floor(samples.length * 0.99)] ?? NaN;
process.stdout.write(JSON.stringify({ mean, p99, count: samples.length }));
agent.destroy();
