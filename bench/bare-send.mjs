// The machine's own limit: a bare undici Pool + p-limit loop posting the same bodies to the same
// server, nothing else (no validation, no results file, no retries).
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { Pool } from 'undici';

const [, , baseUrl, bodiesFile, concurrencyText] = process.argv;
const concurrency = Number(concurrencyText);
const bodies = JSON.parse(readFileSync(bodiesFile, 'utf8'));
const url = new URL(baseUrl);
const pool = new Pool(url.origin, { connections: concurrency, pipelining: 1 });
const limit = pLimit(concurrency);
const started = performance.now();
let ok = 0;
await Promise.all(
  bodies.map((body) =>
    limit(async () => {
      const res = await pool.request({
        path: `${url.pathname}/organization/user/invitation/send`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'api-key': 'bench' },
        body: JSON.stringify(body),
      });
      await res.body.text();
      if (res.statusCode === 200) ok++;
    }),
  ),
);
const elapsedMs = performance.now() - started;
await pool.close();
console.log(JSON.stringify({ elapsedMs, ok }));
