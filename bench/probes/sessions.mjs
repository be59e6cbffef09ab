/**
 * What one more open session costs: `node bench/probes/sessions.mjs ENDPOINT [COUNT] [CONCURRENCY]`
 * opens COUNT sessions (default 500) through rootlock's session factory, each with credentials of
 * its own, and reads each one's identity (GetCallerIdentity, ListAccountAliases), CONCURRENCY at
 * a time (default 16), keeping every session open to the end. It prints one JSON line: RSS and
 * heap after the first session and after the last, and the cost per session in between.
 *
 * The organization work opens a session per member account; this says whether hundreds fit in
 * one process. Needs `npm run build` (it loads dist/) and any AWS-compatible endpoint that takes
 * any credentials (the emulator does).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [endpoint, countArg, concurrencyArg] = process.argv.slice(2);
if (!endpoint) {
  process.stderr.write('usage: node bench/probes/sessions.mjs ENDPOINT [COUNT] [CONCURRENCY]\n');
  process.exit(2);
}
const count = Number(countArg ?? 500);
const concurrency = Number(concurrencyArg ?? 16);
const root = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const { SessionFactory } = await import(join(root, 'dist', 'engine', 'session.js'));
const { systemClock } = await import(join(root, 'dist', 'util', 'clock.js'));

const factory = new SessionFactory(systemClock);
const credentials = (i) => ({
  accessKeyId: `AKIA${String(i).padStart(16, '0')}`,
  secretAccessKey: `probe-secret-${i}`.padEnd(40, 'x'),
});
const open = (i) => factory.open({ region: 'us-east-1', endpoint, credentials: credentials(i) });
const mib = (n) => Math.round((n / 1024 / 1024) * 10) / 10;

const sessions = [await open(0)];
global.gc?.();
const first = process.memoryUsage();
const started = Date.now();
let next = 1;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++;
      sessions.push(await open(i));
    }
  }),
);
global.gc?.();
const last = process.memoryUsage();
process.stdout.write(
  `${JSON.stringify({
    sessions: sessions.length,
    concurrency,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    rssAfterFirstMiB: mib(first.rss),
    rssAfterLastMiB: mib(last.rss),
    heapAfterFirstMiB: mib(first.heapUsed),
    heapAfterLastMiB: mib(last.heapUsed),
    kibPerSessionRss: Math.round((last.rss - first.rss) / 1024 / (sessions.length - 1)),
    kibPerSessionHeap: Math.round((last.heapUsed - first.heapUsed) / 1024 / (sessions.length - 1)),
    distinctAccounts: new Set(sessions.map((s) => s.account.id)).size,
  })}\n`,
);
