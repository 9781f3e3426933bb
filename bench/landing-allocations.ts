/**
 * What a frontend worker allocates per landing page, by function: V8's sampling heap profiler counting every
 * allocation, collected ones included (the garbage that drives the collector's CPU).
 *
 *   npx tsx bench/landing-allocations.ts [--seconds 5] [--warmup 6]
 *
 * Needs `npm run build` and wrk. Starts the instant upstreams (bench/lib/fast-upstream.ts) and `entrypoint.sh web`
 * with one worker, warms it up, then samples allocations under landing load; prints bytes per request, largest
 * first. A diagnostic for bench/lean-landing.ts's garbage-collection row; writes nothing.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToBase64url, generateKey, uuidToBase64url } from '../src/common/ids.js';
import { paths } from '../src/common/project-files.js';
import { startChild } from './lib/child.js';
import { benchFrontendEnv } from './lib/frontend-env.js';
import { startWebRuntime } from './lib/web-runtime.js';
import { runWrk } from './lib/wrk.js';

const { values: options } = parseArgs({
  options: { seconds: { type: 'string', default: '5' }, warmup: { type: 'string', default: '6' } },
});

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const place = (url: string) => url.replace(/.*node_modules\//, '').replace(`${paths.root}/`, '');

const profileFile = join(mkdtempSync(join(tmpdir(), 'allocations-')), 'profile.json');
const upstream = await startChild(new URL('./lib/fast-upstream.ts', import.meta.url));
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const web = await startWebRuntime(
  benchFrontendEnv(upstreamUrl, {
    WEB_CONCURRENCY: '1',
    NODE_OPTIONS: `--import ${new URL('./lib/allocation-probe.mjs', import.meta.url).href}`,
    BENCH_ALLOCATION_PROFILE: profileFile,
  }),
  { file: join(paths.root, 'entrypoint.sh'), args: ['web'] },
);
try {
  const landing =
    `http://127.0.0.1:${web.port}/d/${uuidToBase64url(randomUUID())}/${uuidToBase64url(randomUUID())}` +
    `?key=${bytesToBase64url(generateKey())}`;
  await runWrk(landing, { connections: 50, seconds: Number(options.warmup) });
  process.kill(web.process.pid!, 'SIGUSR2');
  const { requests } = await runWrk(landing, { connections: 50, seconds: Number(options.seconds) });
  process.kill(web.process.pid!, 'SIGUSR2');
  for (let i = 0; i < 100 && !existsSync(profileFile); i++) await sleep(100);
  await sleep(500);
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as { head: ProfileNode };
  const byFunction = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || '(anonymous)'} ${place(url)}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  process.stdout.write(
    `${requests} landing requests sampled: ${(total / requests / 1024).toFixed(1)} KB allocated per request\n\n`,
  );
  for (const [name, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    process.stdout.write(`${(bytes / requests).toFixed(0).padStart(8)} B  ${name}\n`);
  }
} finally {
  await web.stop();
  await upstream.stop();
}
