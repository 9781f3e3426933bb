/**
 * Landing page throughput of the frontend, against a bare node:http "hello" server measured in the same run.
 *
 *   npx tsx bench/frontend-landing.ts [--processes 2] [--seconds 15] [--warmup 5] [--warmup-requests 20000]
 *                                     [--connections 50]
 *                                     [--service-cache SECONDS] [--profile] [--no-write]
 *
 * Child processes on 127.0.0.1: instant upstreams (service directory + document API /check from prepared JSON,
 * keep-alive), the frontend and the bare server. With --processes 2 (the default) the frontend runs under the
 * production server runtime (src/bin/web.ts, 2 workers) and the bare server as 2 node:cluster workers; with
 * --processes 1, one process of buildFrontend listening directly against a 1-process bare server. wrk
 * (2 threads, --latency) warms each up, then measures it. Writes bench/results/frontend.md unless --no-write.
 *
 * --profile adds a separate run afterwards (so the measured numbers are not perturbed) of one buildFrontend
 * process with V8's CPU profiler (what `node --cpu-prof` uses, but started after the warm-up through
 * node:inspector so start-up is left out), and appends where its CPU time went.
 */
import { execFileSync } from 'node:child_process';
import { benchFrontendEnv } from './lib/frontend-env.js';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToBase64url, generateKey, uuidToBase64url } from '../src/common/ids.js';
import { paths } from '../src/common/project-files.js';
import { type Child, startChild } from './lib/child.js';
import { type ProfileSummary, summariseProfile } from './lib/cpu-profile.js';
import { treeCpuSeconds } from './lib/proc-cpu.js';
import { startWebRuntime } from './lib/web-runtime.js';
import { type WrkResult, runWrk } from './lib/wrk.js';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    'warmup-requests': { type: 'string', default: '20000' },
    connections: { type: 'string', default: '50' },
    processes: { type: 'string', default: '2' },
    'service-cache': { type: 'string', default: '0' },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const seconds = Number(options.seconds);
const warmupSeconds = Number(options.warmup);
const warmupRequests = Number(options['warmup-requests']);
const MAX_WARMUP_SECONDS = 120;
const connections = Number(options.connections);
const processes = Number(options.processes);
const serviceCacheSeconds = options['service-cache'];
if (processes !== 1 && processes !== 2) throw new Error('--processes must be 1 or 2');

const TARGETS = { requestsPerSecond: 2_000, p99Ms: 50, shareOfBare: 0.04 };

const lib = (name: string) => new URL(`./lib/${name}`, import.meta.url);

const landingPath = `/d/${uuidToBase64url(randomUUID())}/${uuidToBase64url(randomUUID())}?key=${bytesToBase64url(generateKey())}`;

async function checkLanding(port: number): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${port}${landingPath}`);
  const html = await response.text();
  if (response.status !== 200 || !html.includes('You have a file to download')) {
    throw new Error(`the landing page is not working (HTTP ${response.status}):\n${html.slice(0, 500)}`);
  }
}

/**
 * At least `warmupSeconds`, and then on until the server has answered `warmupRequests` (V8 needs thousands of
 * requests to optimise the template code: a slow server would otherwise be measured half-cold), at most
 * MAX_WARMUP_SECONDS.
 */
async function warmUp(name: string, url: string): Promise<void> {
  let served = 0;
  let elapsed = 0;
  do {
    const result = await runWrk(url, { connections, seconds: warmupSeconds });
    served += result.requests;
    elapsed += warmupSeconds;
  } while (served < warmupRequests && elapsed < MAX_WARMUP_SECONDS);
  process.stdout.write(`${name}: warmed up with ${served} requests in ${elapsed} s\n`);
}

interface Measured extends WrkResult {
  /** CPU (user + system) the server's processes used per request during the measured window. */
  serverCpuMs: number;
  /** The same for the upstream process (landing only). */
  upstreamCpuMs?: number;
}

async function measure(name: string, url: string, server: Server, upstream?: Server): Promise<Measured> {
  await warmUp(name, url);
  process.stdout.write(`${name}: measuring ${seconds} s with ${connections} connections…\n`);
  const serverPid = server.process.pid as number;
  const upstreamPid = upstream?.process.pid;
  const before = [treeCpuSeconds(serverPid), upstreamPid ? treeCpuSeconds(upstreamPid) : 0];
  const result = await runWrk(url, { connections, seconds });
  const after = [treeCpuSeconds(serverPid), upstreamPid ? treeCpuSeconds(upstreamPid) : 0];
  const perRequest = (i: number) => (((after[i] as number) - (before[i] as number)) * 1000) / result.requests;
  const measured: Measured = {
    ...result,
    serverCpuMs: perRequest(0),
    upstreamCpuMs: upstreamPid ? perRequest(1) : undefined,
  };
  process.stdout.write(
    `${name}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50.toFixed(2)} ms, ` +
      `p99 ${result.p99.toFixed(2)} ms, errors ${result.errors}, server CPU ${measured.serverCpuMs.toFixed(3)} ms/request\n`,
  );
  return measured;
}

interface Server {
  port: number;
  process: { pid?: number };
  stop(): Promise<void>;
}

/** One process of buildFrontend listening directly (also the one that can be profiled). */
async function startFrontend(upstream: Child): Promise<Child> {
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  return startChild(lib('frontend-server.ts'), {
    args: [upstreamUrl, upstreamUrl],
    env: { SERVICE_CACHE_TTL_SECONDS: serviceCacheSeconds },
  });
}

/** The frontend as production runs it: src/bin/web.ts, a primary and `processes` workers. */
async function startFrontendRuntime(upstream: Child): Promise<Server> {
  const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
  return startWebRuntime(
    benchFrontendEnv(upstreamUrl, {
      WEB_CONCURRENCY: String(processes),
      SERVICE_CACHE_TTL_SECONDS: serviceCacheSeconds,
    }),
  );
}

async function profileLanding(upstream: Child): Promise<ProfileSummary> {
  const file = join(mkdtempSync(join(tmpdir(), 'frontend-cpu-prof-')), 'landing.cpuprofile');
  const frontend = await startFrontend(upstream);
  const url = `http://127.0.0.1:${frontend.port}${landingPath}`;
  try {
    await checkLanding(frontend.port);
    await warmUp('landing (profiled)', url);
    await frontend.ask({ profile: 'start' }, 'profiling');
    const result = await runWrk(url, { connections, seconds });
    await frontend.ask({ profile: { stop: file } }, 'profiled');
    process.stdout.write(
      `landing (profiled): ${result.requestsPerSecond.toFixed(0)} req/s; CPU profile of the measured window: ${file}\n`,
    );
  } finally {
    await frontend.stop();
  }
  return summariseProfile(file);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: paths.root }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const ms = (value: number) => `${value.toFixed(2)} ms`;
const rate = (value: number) => value.toLocaleString('en-GB', { maximumFractionDigits: 0 });
const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

function report(bare: Measured, landing: Measured, load: number[], profile?: ProfileSummary): string {
  const share = landing.requestsPerSecond / bare.requestsPerSecond;
  const cores = cpus().length;
  const row = (name: string, r: Measured) =>
    `| ${name} | ${rate(r.requestsPerSecond)} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} | ${r.errors} | ${rate(r.requests)} | ${r.serverCpuMs.toFixed(3)} ms |`;
  const lines = [
    '# Frontend landing page benchmark',
    '',
    `Generated by \`npx tsx bench/frontend-landing.ts\` on ${new Date().toISOString()} (commit ${gitCommit()}).`,
    '',
    processes === 1
      ? '- Processes: **1 process of `buildFrontend` listening directly**, against a bare `node:http` "hello" server\n' +
        '  in 1 process, both on TCP 127.0.0.1 ports.'
      : `- Processes: **${processes} worker processes of the production server runtime** (\`src/bin/web.ts\`: primary +\n` +
        `  workers sharing the port, metrics plugin on, JSON access logs on stdout read and dropped by the bench), against\n` +
        `  a bare \`node:http\` "hello" server in ${processes} node:cluster workers, both on TCP 127.0.0.1 ports.`,
    '- Upstreams: one separate node:http process answering the service directory and the document API `/check`',
    serviceCacheSeconds === '0'
      ? '  instantly from prepared JSON. No service cache (the default), so a landing request costs three HTTP\n' +
        '  exchanges (the page, `GET /service/{id}`, `GET …/check`) and a Nunjucks render; access logs at info level'
      : `  instantly from prepared JSON. Service cache on (SERVICE_CACHE_TTL_SECONDS=${serviceCacheSeconds}), so a landing\n` +
        '  request costs two HTTP exchanges (the page, `GET …/check`) and a Nunjucks render; access logs at info level',
    processes === 1 ? '  to /dev/null.' : '  (to stdout).',
    `- Load: wrk 4.1 (2 threads), ${connections} connections, per server a warm-up of at least ${warmupSeconds} s and ` +
      `${rate(warmupRequests)} requests (at most ${MAX_WARMUP_SECONDS} s), then ${seconds} s measured.`,
    `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; load average ` +
      `before the run ${load.map((n) => n.toFixed(2)).join(' / ')} (the machine is shared: treat the numbers as a floor).`,
    '',
    '| server | req/s | p50 | p90 | p99 | errors | requests | server CPU / request |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('bare node:http', bare),
    row('frontend landing page', landing),
    '',
    '"Server CPU / request" is the user + system CPU time of the server\'s processes (primary and workers, from',
    '/proc) during the measured window divided by the requests answered: unlike req/s it hardly depends on what',
    'else the machine is doing. The upstream process used ' +
      `${(landing.upstreamCpuMs ?? 0).toFixed(3)} ms of CPU per landing request. CPU-bound ceilings with all ${cores} cores ` +
      `given to the server alone (no client, no upstream): landing ≈ ${rate((cores * 1000) / landing.serverCpuMs)} req/s, ` +
      `bare ≈ ${rate((cores * 1000) / bare.serverCpuMs)} req/s.`,
    '',
    `Landing / bare: **${(share * 100).toFixed(1)} %**.`,
    '',
    '| target | value | |',
    '| --- | --- | --- |',
    `| landing >= ${rate(TARGETS.requestsPerSecond)} req/s | ${rate(landing.requestsPerSecond)} | ${verdict(landing.requestsPerSecond >= TARGETS.requestsPerSecond)} |`,
    `| p99 <= ${TARGETS.p99Ms} ms | ${ms(landing.p99)} | ${verdict(landing.p99 <= TARGETS.p99Ms)} |`,
    `| zero errors | ${landing.errors} (${landing.errorDetail}) | ${verdict(landing.errors === 0)} |`,
    `| landing >= ${TARGETS.shareOfBare * 100} % of bare | ${(share * 100).toFixed(1)} % | ${verdict(share >= TARGETS.shareOfBare)} |`,
    '',
  ];
  if (profile) {
    lines.push(
      '## Where the frontend spends its CPU',
      '',
      `A separate run of the frontend with V8's CPU profiler over the ${seconds} s measured window (${ms(profile.totalMs)} ` +
        'of samples). Self time by area:',
      '',
      '| area | self time | share |',
      '| --- | ---: | ---: |',
      ...profile.areas
        .slice(0, 15)
        .map((a) => `| ${a.name} | ${ms(a.ms)} | ${(a.share * 100).toFixed(1)} % |`),
      '',
      'Top functions by self time:',
      '',
      '| function | self time | share |',
      '| --- | ---: | ---: |',
      ...profile.functions
        .slice(0, 20)
        .map(
          (f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${ms(f.ms)} | ${(f.share * 100).toFixed(1)} % |`,
        ),
      '',
      'Top project and package functions by total (inclusive) time:',
      '',
      '| function | total time | share |',
      '| --- | ---: | ---: |',
      ...profile.inclusive
        .slice(0, 30)
        .map(
          (f) => `| \`${f.name.replace(/\|/g, '\\|')}\` | ${ms(f.ms)} | ${(f.share * 100).toFixed(1)} % |`,
        ),
      '',
    );
  }
  return lines.join('\n');
}

/** Hand-written notes below the FINDINGS_MARKER line of the previous report survive a re-run. */
const FINDINGS_MARKER = '<!-- notes below this line are kept when the benchmark is re-run -->';

function keptNotes(path: string): string {
  if (!existsSync(path)) return '';
  const previous = readFileSync(path, 'utf8');
  const at = previous.indexOf(FINDINGS_MARKER);
  return at < 0 ? '' : `\n${previous.slice(at)}`;
}

async function main(): Promise<void> {
  const load = loadavg();
  const children: Server[] = [];
  try {
    const upstream = await startChild(lib('fast-upstream.ts'));
    children.push(upstream);
    const bare = await startChild(lib('bare-server.ts'), { args: [String(processes)] });
    children.push(bare);
    const bareResult = await measure('bare', `http://127.0.0.1:${bare.port}/`, bare);
    await bare.stop();

    const frontend = processes === 1 ? await startFrontend(upstream) : await startFrontendRuntime(upstream);
    children.push(frontend);
    await checkLanding(frontend.port);
    const landingResult = await measure(
      'landing',
      `http://127.0.0.1:${frontend.port}${landingPath}`,
      frontend,
      upstream,
    );
    await frontend.stop();

    const profile = options.profile ? await profileLanding(upstream) : undefined;
    const markdown = report(bareResult, landingResult, load, profile);
    if (options['no-write']) {
      process.stdout.write(`\n${markdown}\n`);
    } else {
      const out = join(paths.root, 'bench', 'results');
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'frontend.md'), markdown + keptNotes(join(out, 'frontend.md')));
      process.stdout.write(`\nwrote bench/results/frontend.md\n\n${markdown}\n`);
    }
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}

await main();
