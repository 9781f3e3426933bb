/**
 * The production server runtime measured (connections, throughput, container start), run by hand:
 *
 *   npx tsx bench/server-runtime.ts [--seconds 30] [--landing-seconds 15] [--no-container] [--no-write]
 *
 * 1. 1,000 concurrent keep-alive connections against one worker (WEB_CONCURRENCY=1) on `/_status` for
 *    --seconds: socket errors, non-2xx, and the worker's RSS idle and at its peak under that load.
 * 2. Landing page throughput with 2 workers and with 10 (the seed's default), instant local upstreams, wrk with
 *    50 connections; RSS per worker idle and under load.
 * 3. With podman and the images from scripts/container-smoke.sh: time from `podman run` to the first
 *    `/_status` 200 (5 starts), and the production image's size over its base image.
 * Writes bench/results/server.md unless --no-write. The frontend runs as production runs it: src/bin/web.ts.
 */
import { execFileSync } from 'node:child_process';
import { benchFrontendEnv } from './lib/frontend-env.js';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { bytesToBase64url, generateKey, uuidToBase64url } from '../src/common/ids.js';
import { paths } from '../src/common/project-files.js';
import { type Child, startChild } from './lib/child.js';
import { type RuntimeServer, startWebRuntime } from './lib/web-runtime.js';
import { type WrkResult, runWrk } from './lib/wrk.js';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '30' },
    'landing-seconds': { type: 'string', default: '15' },
    'no-container': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const seconds = Number(options.seconds);
const landingSeconds = Number(options['landing-seconds']);
const landingPath = `/d/${uuidToBase64url(randomUUID())}/${uuidToBase64url(randomUUID())}?key=${bytesToBase64url(generateKey())}`;
const MB = 1024 * 1024;

function workerPids(primary: number): number[] {
  try {
    return readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function rssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

/** Samples the workers' RSS every 250 ms while `work` runs; returns the peak per worker. */
async function peakRss<T>(pids: number[], work: Promise<T>): Promise<{ result: T; peak: number[] }> {
  const peak = pids.map(rssBytes);
  const timer = setInterval(
    () => pids.forEach((pid, i) => (peak[i] = Math.max(peak[i]!, rssBytes(pid)))),
    250,
  );
  try {
    return { result: await work, peak };
  } finally {
    clearInterval(timer);
  }
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const avg = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 });

function frontendEnv(upstreamUrl: string, workers: number): Record<string, string> {
  return benchFrontendEnv(upstreamUrl, { WEB_CONCURRENCY: String(workers) });
}

async function settle(server: RuntimeServer): Promise<number[]> {
  // Workers boot after the first one listens; give them time and a first request each.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await fetch(`http://127.0.0.1:${server.port}/_status`).then((r) => r.text());
  return workerPids(server.process.pid!);
}

interface KeepAliveResult {
  wrk: WrkResult;
  idle: number;
  peak: number;
}

async function keepAliveOneWorker(upstream: Child): Promise<KeepAliveResult> {
  const server = await startWebRuntime(frontendEnv(`http://127.0.0.1:${upstream.port}`, 1));
  try {
    const [worker] = await settle(server);
    const idle = rssBytes(worker!);
    process.stdout.write(`1,000 keep-alive connections on one worker for ${seconds} s…\n`);
    const { result, peak } = await peakRss(
      [worker!],
      runWrk(`http://127.0.0.1:${server.port}/_status`, { connections: 1000, seconds, timeoutSeconds: 30 }),
    );
    return { wrk: result, idle, peak: peak[0]! };
  } finally {
    await server.stop();
  }
}

interface LandingResult {
  workers: number;
  wrk: WrkResult;
  idle: number[];
  peak: number[];
}

async function landing(upstream: Child, workers: number): Promise<LandingResult> {
  const server = await startWebRuntime(frontendEnv(`http://127.0.0.1:${upstream.port}`, workers));
  try {
    const pids = await settle(server);
    const url = `http://127.0.0.1:${server.port}${landingPath}`;
    const check = await fetch(url);
    if (check.status !== 200) throw new Error(`landing page answered ${check.status}`);
    await check.text();
    const idle = pids.map(rssBytes);
    process.stdout.write(`landing page, ${workers} workers: warm-up 5 s, then ${landingSeconds} s…\n`);
    await runWrk(url, { connections: 50, seconds: 5 });
    const { result, peak } = await peakRss(pids, runWrk(url, { connections: 50, seconds: landingSeconds }));
    return { workers, wrk: result, idle, peak };
  } finally {
    await server.stop();
  }
}

interface ContainerResult {
  startsMs: number[];
  imageMb: number;
  baseMb: number;
  /** RSS of the compiled workers in the production image: idle, and at peak under wrk -c1000 on /_status. */
  idle: number[];
  peak: number[];
  wrk: WrkResult;
}

async function containerNumbers(): Promise<ContainerResult | undefined> {
  const env = { ...process.env, CONTAINERS_CONF: `${paths.root}/docker/containers.conf` };
  const podman = (...args: string[]) => execFileSync('podman', args, { env, encoding: 'utf8' }).trim();
  const image = 'localhost/document-download-frontend:production';
  // The base image scripts/make-base-image.sh makes, named as scripts/container-env.sh names it (Node 24 LTS).
  const nodeVersion = /NODE_VERSION:-([\d.]+)/.exec(
    readFileSync(`${paths.root}/scripts/container-env.sh`, 'utf8'),
  )?.[1];
  const base =
    process.env.BASE_IMAGE ?? `localhost/node:${process.env.NODE_VERSION ?? nodeVersion}-bookworm-slim`;
  try {
    podman('image', 'exists', image);
    podman('image', 'exists', base);
  } catch {
    process.stdout.write('no podman or no production image (scripts/container-smoke.sh makes it): skipped\n');
    return undefined;
  }
  const startsMs: number[] = [];
  let rss: { idle: number[]; peak: number[]; wrk: WrkResult } | undefined;
  for (let run = 0; run < 5; run += 1) {
    const port = 39_000 + run;
    const started = Date.now();
    const id = podman(
      'run',
      '-d',
      '--init',
      '--network',
      'host',
      '-e',
      `PORT=${port}`,
      '-e',
      'NOTIFY_ENVIRONMENT=production',
      '-e',
      'API_HOST_NAME=http://127.0.0.1:9',
      '-e',
      'ADMIN_CLIENT_SECRET=bench',
      '-e',
      'SECRET_KEY=bench',
      '-e',
      'ACCESSIBILITY_OPERATOR_NAME=Document Download benchmarks',
      '-e',
      'ACCESSIBILITY_CONTACT_EMAIL=accessibility@example.gov.uk',
      '-e',
      'ACCESSIBILITY_STATEMENT_PREPARED_ON=2026-12-01',
      '-e',
      'DOCUMENT_DOWNLOAD_API_HOST_NAME=http://127.0.0.1:9',
      image,
      'web',
    );
    try {
      for (;;) {
        const ok = (() => {
          try {
            return (
              execFileSync(
                'curl',
                ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${port}/_status`],
                {
                  encoding: 'utf8',
                },
              ) === '200'
            );
          } catch {
            return false;
          }
        })();
        if (ok) break;
        if (Date.now() - started > 60_000) throw new Error('the container did not answer /_status in 60 s');
        execFileSync('sleep', ['0.02']);
      }
      startsMs.push(Date.now() - started);
      if (run === 4) {
        // The last container also gives the workers' memory as production runs them (compiled JS, no tsx).
        await new Promise((resolve) => setTimeout(resolve, 8000));
        const pids = podman('top', id, 'hpid', 'args')
          .split('\n')
          .slice(1)
          .filter((line) => line.includes('/usr/local/bin/node'))
          .map((line) => Number(line.trim().split(/\s+/)[0]));
        const idle = pids.map(rssBytes);
        process.stdout.write(`container: wrk -c1000 on /_status for 15 s…\n`);
        const { result, peak } = await peakRss(
          pids,
          runWrk(`http://127.0.0.1:${port}/_status`, { connections: 1000, seconds: 15, timeoutSeconds: 30 }),
        );
        rss = { idle, peak, wrk: result };
      }
    } finally {
      podman('rm', '-f', id);
    }
  }
  const size = (name: string) => Number(podman('image', 'inspect', '--format', '{{.Size}}', name)) / 1e6;
  return { startsMs, imageMb: size(image), baseMb: size(base), ...rss! };
}

const load = loadavg()
  .map((n) => n.toFixed(2))
  .join(' / ');
const upstream = await startChild(new URL('./lib/fast-upstream.ts', import.meta.url));
let keepAlive: KeepAliveResult;
let landings: LandingResult[];
try {
  keepAlive = await keepAliveOneWorker(upstream);
  landings = [await landing(upstream, 2), await landing(upstream, 10)];
} finally {
  await upstream.stop();
}
const container = options['no-container'] ? undefined : await containerNumbers();
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
  cwd: paths.root,
  encoding: 'utf8',
}).trim();
const lines = [
  '# Server runtime benchmark',
  '',
  `Generated by \`npx tsx bench/server-runtime.ts\` on ${new Date().toISOString()} (commit ${commit}).`,
  `Machine: ${cpus().length} × ${cpus()[0]?.model}, Node ${process.version}; load average before the run ${load}`,
  '(the machine is shared with other work: treat throughput as a floor). Frontend as production runs it:',
  '`src/bin/web.ts` (primary + workers), JSON access logs at info level read and dropped; wrk 2 threads.',
  '',
  '## 1,000 concurrent keep-alive connections, one worker',
  '',
  `\`/_status\`, wrk -c1000 for ${keepAlive.wrk.seconds.toFixed(0)} s, 30 s wrk timeout, WEB_CONCURRENCY=1 (worker_connections 1000).`,
  '',
  '| requests | req/s | p50 | p99 | socket errors + non-2xx | worker RSS idle | worker RSS peak |',
  '| ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  `| ${fmt(keepAlive.wrk.requests)} | ${fmt(keepAlive.wrk.requestsPerSecond)} | ${keepAlive.wrk.p50.toFixed(1)} ms | ${keepAlive.wrk.p99.toFixed(1)} ms | ${keepAlive.wrk.errors} (${keepAlive.wrk.errorDetail}) | ${mb(keepAlive.idle)} | ${mb(keepAlive.peak)} |`,
  '',
  '## Landing page: 2 workers vs 10',
  '',
  'Instant local upstreams (service directory + document API `/check`), no service cache: each page is three HTTP',
  `exchanges and a Nunjucks render. wrk -c50, 5 s warm-up, ${landingSeconds} s measured. The Python original`,
  '(gunicorn, 10 eventlet workers) served it at about 190 req/s on this machine.',
  '',
  '| workers | req/s | p50 | p99 | errors | RSS per worker idle (mean / max) | RSS per worker under load (mean / max) |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...landings.map(
    (l) =>
      `| ${l.workers} | ${fmt(l.wrk.requestsPerSecond)} | ${l.wrk.p50.toFixed(1)} ms | ${l.wrk.p99.toFixed(1)} ms | ${l.wrk.errors} | ${mb(avg(l.idle))} / ${mb(Math.max(...l.idle))} | ${mb(avg(l.peak))} / ${mb(Math.max(...l.peak))} |`,
  ),
  '',
  '## Container',
  '',
  container
    ? [
        `Production image (\`scripts/container-smoke.sh\`, local base image): ${container.imageMb.toFixed(0)} MB, **${(container.imageMb - container.baseMb).toFixed(0)} MB over the base** (${container.baseMb.toFixed(0)} MB).`,
        `\`podman run … web\` (10 workers) to the first \`/_status\` 200, 5 starts: median **${median(container.startsMs)} ms**`,
        `(${container.startsMs.join(', ')} ms), including podman creating the container (\`podman run … true\` alone takes about 0.5 s here).`,
        '',
        `Workers in the production image (compiled JavaScript, 10 workers): RSS idle mean ${mb(avg(container.idle))} / max ${mb(Math.max(...container.idle))};`,
        `under wrk -c1000 on \`/_status\` for 15 s (${fmt(container.wrk.requestsPerSecond)} req/s, ${container.wrk.errors} errors: ${container.wrk.errorDetail})`,
        `peak mean ${mb(avg(container.peak))} / max ${mb(Math.max(...container.peak))}. (The tables above run the workers under tsx, which adds its own memory.)`,
      ].join('\n')
    : 'Not measured in this run (no podman or no production image).',
  '',
];
const report = lines.join('\n');
process.stdout.write(`\n${report}`);
if (!options['no-write']) writeFileSync(`${paths.root}/bench/results/server.md`, report);
