/**
 * The frontend's pages against the lean limit, in one run with the same instant upstreams:
 *
 *   npx tsx bench/lean-landing.ts [--seconds 12] [--warmup 5] [--warmup-requests 5000] [--rounds 2]
 *        [--page-seconds 10] [--connections 50] [--memory-requests 50000] [--memory-max-seconds 90] [--profile-seconds 12] [--no-profile] [--no-write]
 *        [--before <checkout>] [--node <node binary>]
 *
 * Needs `npm run build` (the frontend runs as production does) and wrk. On 127.0.0.1, one server at a time:
 * 1. A bare node:http "hello" server and the lean reference (bench/lib/lean-frontend.ts: node:http, undici
 *    Pools, the captured page filled by concatenation), each in 2 node:cluster workers, compiled and run
 *    under plain node with the production heap flags; and the frontend as `entrypoint.sh web` with
 *    WEB_CONCURRENCY=2. The lean reference's page and headers come from the frontend's own landing answer,
 *    and its answer is checked against the frontend's before the load (every header but the date, per-response
 *    ids compared by shape, the HTML identical once the nonces are replaced): the run stops if they differ.
 * 2. Landing load on each (warm-up of at least --warmup seconds and --warmup-requests requests, then --seconds
 *    measured): req/s, p50/p99, CPU per request of the whole process tree (from /proc), RSS of the primary and
 *    each worker after the run. The lean reference and the frontend are measured --rounds times, alternately,
 *    so that a change in what else the machine does shows as a difference between rounds.
 * 3. The frontend's landing load goes on until its workers have served --memory-requests landing pages (at
 *    most --memory-max-seconds more): where a worker's memory is then (smaps, and V8's heap spaces through
 *    bench/lib/heap-probe.mjs), and the primary's RSS.
 * 4. The frontend's other pages, measured the same way: confirm (GET), download, and the 404 page.
 * 5. Unless --no-profile: the frontend in one process (WEB_CONCURRENCY=1, the compiled but unbundled
 *    dist/src/bin/web.js, so every sample has its source file) under `node --cpu-prof`, landing load; the
 *    samples of the measured window summarised by file, by what the code is for, and by function.
 * With --node, every server measured (the frontends through `entrypoint.sh`, which runs the first `node` on
 * PATH) runs under that node binary instead of the one running the bench, e.g. the Node version the image ships.
 * With --before, a second checkout (built) is measured as "frontend before" in every step, alternating with this
 * one, so that a change's before and after figures come from the same run.
 * Writes bench/results/lean-pages.md unless --no-write.
 */
import { execFileSync } from 'node:child_process';
import { benchFrontendEnv } from './lib/frontend-env.js';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bytesToBase64url, generateKey, uuidToBase64url } from '../src/common/ids.js';
import { paths } from '../src/common/project-files.js';
import { benchNode, startChild } from './lib/child.js';
import { productionHeapFlags, startCompiledChild } from './lib/compiled-child.js';
import { type ProfileAreas, profileAreas, type Share } from './lib/profile-areas.js';
import { treeCpuSeconds } from './lib/proc-cpu.js';
import { childrenOf, privateBytes, pssBytes, rssBytes } from './lib/proc-memory.js';
import { differences, fetchAnswer, makeTemplate, nonceOf, volatileHeaders } from './lib/lean-template.js';
import { type HeapSummary, summariseHeapSnapshot } from './lib/heap-snapshot.js';
import { residentByKind } from './lib/smaps.js';
import { startWebRuntime } from './lib/web-runtime.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    warmup: { type: 'string', default: '5' },
    'warmup-requests': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '2' },
    'page-seconds': { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'memory-requests': { type: 'string', default: '50000' },
    'memory-max-seconds': { type: 'string', default: '90' },
    'profile-seconds': { type: 'string', default: '12' },
    'no-profile': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    before: { type: 'string' },
    node: { type: 'string' },
  },
});
if (options.node) {
  const node = resolve(options.node);
  process.env.BENCH_NODE = node;
  process.env.PATH = `${dirname(node)}:${process.env.PATH ?? ''}`;
}
const seconds = Number(options.seconds);
const warmupSeconds = Number(options.warmup);
const warmupRequests = Number(options['warmup-requests']);
const MAX_WARMUP_SECONDS = 30;
const rounds = Number(options.rounds);
const pageSeconds = Number(options['page-seconds']);
const connections = Number(options.connections);
const memoryRequests = Number(options['memory-requests']);
const memoryMaxSeconds = Number(options['memory-max-seconds']);
const profileSeconds = Number(options['profile-seconds']);
const WORKERS = 2;
const MB = 1024 * 1024;

const lib = (name: string) => new URL(`./lib/${name}`, import.meta.url);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const b64 = (uuid: string) => uuidToBase64url(uuid);

const serviceId = randomUUID();
const documentId = randomUUID();
// bench/lib/fast-upstream.ts asks for the email address to be confirmed for documents whose id starts so.
const confirmDocumentId = `c0ffee${randomUUID().slice(6)}`;
const key = bytesToBase64url(generateKey());
const landingPath = `/d/${b64(serviceId)}/${b64(documentId)}?key=${key}`;
const PAGES = [
  {
    name: 'confirm email (GET)',
    path: `/d/${b64(serviceId)}/${b64(confirmDocumentId)}/confirm-email-address?key=${key}`,
    status: 200,
    shows: 'name="csrf_token"',
  },
  {
    name: 'download',
    path: `/d/${b64(serviceId)}/${b64(documentId)}/download?key=${key}`,
    status: 200,
    shows: 'Download this',
  },
  { name: 'page not found (404)', path: '/no-such-page', status: 404, shows: 'Page not found' },
];

interface Row {
  name: string;
  measured: Measured;
  /** What "vs lean" compares with: this round's lean window, or all of the lean reference's windows. */
  lean?: Measured;
  memory?: ServerMemory;
}

interface Measured {
  wrk: WrkResult;
  cpuMsPerRequest: number;
  /** Requests answered during the warm-up. */
  warmed: number;
}

/** Several measured windows as one: requests and CPU summed, req/s averaged, the worst latencies. */
function pooled(windows: Measured[]): Measured {
  const requests = windows.reduce((sum, m) => sum + m.wrk.requests, 0);
  const cpuMs = windows.reduce((sum, m) => sum + m.cpuMsPerRequest * m.wrk.requests, 0);
  const mean = (pick: (m: Measured) => number) =>
    windows.reduce((sum, m) => sum + pick(m), 0) / windows.length;
  const first = windows[0]!;
  return {
    wrk: {
      ...first.wrk,
      requests,
      requestsPerSecond: mean((m) => m.wrk.requestsPerSecond),
      p50: mean((m) => m.wrk.p50),
      p99: Math.max(...windows.map((m) => m.wrk.p99)),
      errors: windows.reduce((sum, m) => sum + m.wrk.errors, 0),
      errorDetail: [...new Set(windows.map((m) => m.wrk.errorDetail))].join('; '),
    },
    cpuMsPerRequest: cpuMs / requests,
    warmed: windows.reduce((sum, m) => sum + m.warmed, 0),
  };
}

interface Resident {
  rss: number;
  private: number;
  pss: number;
}

interface ServerMemory {
  primary: Resident;
  workers: Resident[];
}

const residentOf = (pid: number): Resident => ({
  rss: rssBytes(pid),
  private: privateBytes(pid),
  pss: pssBytes(pid),
});
const memoryOf = (pid: number): ServerMemory => ({
  primary: residentOf(pid),
  workers: childrenOf(pid).map(residentOf),
});

async function untilWorkers(pid: number): Promise<void> {
  const until = Date.now() + 30_000;
  while (childrenOf(pid).length < WORKERS && Date.now() < until) await sleep(50);
  if (childrenOf(pid).length < WORKERS) throw new Error(`process ${pid} has not started ${WORKERS} workers`);
  await sleep(1500);
}

async function expectPage(url: string, status: number, shows: string): Promise<void> {
  const answer = await fetchAnswer(url);
  if (answer.status !== status || !answer.body.includes(shows)) {
    throw new Error(`${url} answered ${answer.status} without "${shows}":\n${answer.body.slice(0, 400)}`);
  }
}

/**
 * Warm-up (at least warmupSeconds and warmupRequests: V8 needs thousands of requests to optimise the hot
 * code), then the measured window: wrk's figures and the CPU of the server's whole process tree.
 */
async function measure(name: string, url: string, pid: number, measureSeconds: number): Promise<Measured> {
  let warmed = 0;
  for (let elapsed = 0; warmed < warmupRequests || elapsed < warmupSeconds; elapsed += warmupSeconds) {
    if (elapsed >= MAX_WARMUP_SECONDS) break;
    warmed += (await runWrk(url, { connections, seconds: warmupSeconds })).requests;
  }
  const before = treeCpuSeconds(pid);
  const wrk = await runWrk(url, { connections, seconds: measureSeconds });
  const cpuMsPerRequest = ((treeCpuSeconds(pid) - before) * 1000) / Math.max(1, wrk.requests);
  process.stdout.write(
    `${name}: ${wrk.requestsPerSecond.toFixed(0)} req/s, p50 ${wrk.p50.toFixed(2)} ms, p99 ${wrk.p99.toFixed(2)} ms, ` +
      `${cpuMsPerRequest.toFixed(3)} ms CPU/request, ${wrk.errorDetail}\n`,
  );
  return { wrk, cpuMsPerRequest, warmed };
}

interface HeapProbe {
  memoryUsage: Record<string, number>;
  spaces: { space_name: string; space_size: number; space_used_size: number; physical_space_size: number }[];
}

async function probeHeap(pid: number, dir: string): Promise<HeapProbe | undefined> {
  process.kill(pid, 'SIGUSR2');
  const file = join(dir, `${pid}.json`);
  // A heap snapshot comes first, and takes a few seconds.
  for (let i = 0; i < 600 && !existsSync(file); i++) await sleep(50);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HeapProbe) : undefined;
}

interface MemoryReport {
  landingRequests: number;
  seconds: number;
  memory: ServerMemory;
  smaps: Record<string, number>;
  heap?: HeapProbe;
  snapshot?: HeapSummary;
  /** Each worker's RSS and PSS sampled every 250 ms through a last window of landing load: RSS median and max, PSS median. */
  underLoad: [number, number, number][];
}

const MEMORY_SAMPLE_SECONDS = 10;

/**
 * Each worker's RSS every 250 ms while a landing load runs: one reading depends on where the collector was when it
 * was taken (a worker reads 85 or 105 MB in two runs of the same code), the median of many does much less.
 */
async function rssUnderLoad(url: string, pid: number, seconds: number): Promise<[number, number, number][]> {
  const samples = new Map<number, [number, number][]>();
  const sample = () => {
    for (const worker of childrenOf(pid)) {
      const rss = rssBytes(worker);
      if (rss > 0) samples.set(worker, [...(samples.get(worker) ?? []), [rss, pssBytes(worker)]]);
    }
  };
  const timer = setInterval(sample, 250);
  try {
    await runWrk(url, { connections, seconds });
  } finally {
    clearInterval(timer);
  }
  return [...samples.values()].map((values) => {
    const rss = values.map(([each]) => each).sort((a, b) => a - b);
    const pss = values.map(([, each]) => each).sort((a, b) => a - b);
    return [rss[Math.floor(rss.length / 2)]!, rss.at(-1)!, pss[Math.floor(pss.length / 2)]!];
  });
}

/** A running frontend (`entrypoint.sh web` of a built checkout). */
interface Frontend {
  label: string;
  /** The checkout it runs from. */
  root: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

async function startFrontend(
  label: string,
  root: string,
  upstreamUrl: string,
  probeDir: string,
): Promise<Frontend> {
  for (const built of ['dist/bundle/web.js', 'dist/src/bin/web.js']) {
    if (!existsSync(join(root, built)))
      throw new Error(`${root}/${built} is missing: run \`npm run build\` there first`);
  }
  const web = await startWebRuntime(frontendEnv(upstreamUrl, probeDir, WORKERS), {
    file: join(root, 'entrypoint.sh'),
    args: ['web'],
  });
  const frontend = { label, root, port: web.port, pid: web.process.pid!, stop: () => web.stop() };
  await untilWorkers(frontend.pid);
  await expectPage(`http://127.0.0.1:${frontend.port}${landingPath}`, 200, 'You have a file to download');
  return frontend;
}

interface FrontendRun {
  label: string;
  landing: Measured;
  memoryAfterLanding: ServerMemory;
  deep: MemoryReport;
  pages: { name: string; measured: Measured }[];
}

function frontendEnv(upstreamUrl: string, probeDir: string, workers: number): Record<string, string> {
  return benchFrontendEnv(upstreamUrl, {
    WEB_CONCURRENCY: String(workers),
    NODE_OPTIONS: `--import ${lib('heap-probe.mjs').href}`,
    BENCH_HEAP_PROBE_DIR: probeDir,
    BENCH_HEAP_SNAPSHOT: '1',
  });
}

/** The lean reference, made from the frontend's landing answer and checked against it. */
async function startLean(frontendPort: number, upstreamUrl: string) {
  const url = `http://127.0.0.1:${frontendPort}${landingPath}`;
  const [first, second] = [await fetchAnswer(url), await fetchAnswer(url)];
  const service = (await (await fetch(`${upstreamUrl}/service/${serviceId}`)).json()) as {
    data: { name: string; contact_link: string };
  };
  const template = makeTemplate(first, {
    continueUrl: `/d/${b64(serviceId)}/${b64(documentId)}/download?key=${key}`,
    serviceName: service.data.name,
    contactUrl: service.data.contact_link,
  });
  const templateFile = join(mkdtempSync(join(tmpdir(), 'lean-template-')), 'landing.json');
  writeFileSync(templateFile, JSON.stringify(template));
  const lean = await startCompiledChild(lib('lean-frontend.ts'), [
    String(WORKERS),
    templateFile,
    upstreamUrl,
    upstreamUrl,
  ]);
  const volatile = volatileHeaders(first, second);
  const check = async (when: string) => {
    const leanUrl = `http://127.0.0.1:${lean.port}${landingPath}`;
    if (nonceOf(await fetchAnswer(leanUrl)) === nonceOf(await fetchAnswer(leanUrl))) {
      throw new Error('the lean reference sent the same CSP nonce twice');
    }
    const found = differences(
      first,
      await fetchAnswer(`http://127.0.0.1:${lean.port}${landingPath}`),
      volatile,
    );
    if (found.length > 0) {
      throw new Error(
        `the lean reference's landing answer is not the frontend's (${when}):\n${found.join('\n')}`,
      );
    }
  };
  await check('before the load');
  process.stdout.write(
    `lean reference: same answer as the frontend (headers varying per response: ${[...volatile].sort().join(', ')})\n`,
  );
  return { lean, check, templateFile, headerCount: Object.keys(first.headers).length };
}

async function deepMemory(frontend: Frontend, probeDir: string, served: number): Promise<MemoryReport> {
  const { pid } = frontend;
  const url = `http://127.0.0.1:${frontend.port}${landingPath}`;
  const started = Date.now();
  let rate = 500;
  while (served < memoryRequests && (Date.now() - started) / 1000 < memoryMaxSeconds) {
    const wanted = Math.ceil((memoryRequests - served) / rate);
    const chunk = Math.min(
      15,
      Math.max(2, wanted),
      Math.ceil(memoryMaxSeconds - (Date.now() - started) / 1000),
    );
    const wrk = await runWrk(url, { connections, seconds: chunk });
    served += wrk.requests;
    rate = Math.max(1, wrk.requestsPerSecond);
  }
  const underLoad = await rssUnderLoad(url, pid, MEMORY_SAMPLE_SECONDS);
  const toppedUp = (Date.now() - started) / 1000;
  await sleep(1000);
  const workers = childrenOf(pid);
  const worker = workers[0]!;
  // Resident memory before the probe: writing a heap snapshot takes memory of its own.
  const memory = memoryOf(pid);
  const smaps = residentByKind(worker);
  const heap = await probeHeap(worker, probeDir);
  const snapshotFile = join(probeDir, `${worker}.heapsnapshot`);
  const snapshot = existsSync(snapshotFile) ? summariseHeapSnapshot(snapshotFile) : undefined;
  process.stdout.write(`${frontend.label}: memory read after ${served} landing requests\n`);
  return { landingRequests: served, seconds: toppedUp, memory, smaps, heap, snapshot, underLoad };
}

/** After the landing rounds: memory, the landing load topped up to memoryRequests, the other pages. */
async function measureFrontend(frontend: Frontend, probeDir: string, landing: Measured) {
  const url = `http://127.0.0.1:${frontend.port}`;
  const memoryAfterLanding = memoryOf(frontend.pid);
  const deep = await deepMemory(frontend, probeDir, landing.warmed + landing.wrk.requests);
  const pages = [];
  for (const page of PAGES) {
    await expectPage(url + page.path, page.status, page.shows);
    pages.push({
      name: page.name,
      measured: await measure(`${frontend.label} ${page.name}`, url + page.path, frontend.pid, pageSeconds),
    });
  }
  return { label: frontend.label, landing, memoryAfterLanding, deep, pages } satisfies FrontendRun;
}

interface ProfileRun {
  name: string;
  areas: ProfileAreas;
  requests: number;
  requestsPerSecond: number;
  file: string;
}

/**
 * A server started by `start` with `node --cpu-prof` writing into the directory it is given, under the landing
 * load: the samples of the measured window only (V8's clock and process.hrtime are both the monotonic clock).
 */
async function profiled(
  name: string,
  start: (dir: string) => Promise<{ port: number; stop(): Promise<void> }>,
): Promise<ProfileRun> {
  const dir = mkdtempSync(join(tmpdir(), 'cpu-prof-'));
  const server = await start(dir);
  let window: [number, number];
  let wrk: WrkResult;
  try {
    const url = `http://127.0.0.1:${server.port}${landingPath}`;
    await expectPage(url, 200, 'You have a file to download');
    await runWrk(url, { connections, seconds: warmupSeconds });
    const from = Number(process.hrtime.bigint() / 1000n);
    wrk = await runWrk(url, { connections, seconds: profileSeconds });
    window = [from, Number(process.hrtime.bigint() / 1000n)];
  } finally {
    await server.stop();
  }
  const file = readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${dir}`);
  const areas = profileAreas(join(dir, file), window[0], window[1], 30);
  if (areas.busyMs < profileSeconds * 100) {
    throw new Error(`only ${areas.busyMs.toFixed(0)} ms of samples in the measured window: clocks differ?`);
  }
  process.stdout.write(
    `${name} profiled: ${wrk.requests} requests, ${areas.busyMs.toFixed(0)} ms busy, ${join(dir, file)}\n`,
  );
  return {
    name,
    areas,
    requests: wrk.requests,
    requestsPerSecond: wrk.requestsPerSecond,
    file: join(dir, file),
  };
}

/** One process of the frontend (the compiled, unbundled entry point, so samples keep their file). */
const profileFrontend = (frontend: Frontend, upstreamUrl: string, probeDir: string) =>
  profiled(frontend.label, (dir) =>
    startWebRuntime(frontendEnv(upstreamUrl, probeDir, 1), {
      file: benchNode(),
      args: [
        ...productionHeapFlags(frontend.root),
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        join(frontend.root, 'dist/src/bin/web.js'),
      ],
    }),
  );

/** One process of the lean reference. */
const profileLean = (upstreamUrl: string, templateFile: string) =>
  profiled('lean reference', (dir) =>
    startCompiledChild(
      lib('lean-frontend.ts'),
      ['1', templateFile, upstreamUrl, upstreamUrl],
      ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    ),
  );

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: paths.root }).toString().trim();
  } catch {
    return 'unknown';
  }
}

const mb = (bytes: number) => `${(bytes / MB).toFixed(1)}`;
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 });
const cell = (r: Resident) => `${mb(r.rss)} (${mb(r.private)}, ${mb(r.pss)})`;

function report(
  load: number[],
  rows: Row[],
  runs: FrontendRun[],
  headerCount: number,
  profiles?: { frontends: ProfileRun[]; lean: ProfileRun },
): string {
  const allLean = rows.find((row) => row.name.includes('lean reference landing (') && !row.lean)!.measured;
  const row = (name: string, m: Measured, memory?: ServerMemory, lean: Measured = allLean) =>
    `| ${name} | ${fmt(m.wrk.requestsPerSecond)} | ${m.wrk.p50.toFixed(2)} ms | ${m.wrk.p99.toFixed(2)} ms | ` +
    `${m.wrk.errorDetail} | ${m.cpuMsPerRequest.toFixed(3)} ms | ${(m.cpuMsPerRequest / lean.cpuMsPerRequest).toFixed(2)}× | ` +
    `${(m.wrk.requestsPerSecond / lean.wrk.requestsPerSecond).toFixed(2)} |` +
    (memory ? ` ${cell(memory.primary)} | ${memory.workers.map(cell).join(', ')} |` : ' | |');
  const lines = [
    '# Landing page against the lean limit, and the other pages',
    '',
    `Generated by \`npx tsx bench/lean-landing.ts\` on ${new Date().toISOString()} (commit ${gitCommit()}).`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${execFileSync(benchNode(), ['--version']).toString().trim()}; load average before ` +
      `the run ${load.map((n) => n.toFixed(2)).join(' / ')} (shared machine: req/s and latencies are floors; ` +
      'compare CPU per request).',
    '',
    '- Upstreams: one node:http process answering the service directory and the document API `/check` instantly',
    '  from prepared JSON (bench/lib/fast-upstream.ts), keep-alive; its own CPU is not counted.',
    `- Frontend: \`entrypoint.sh web\` (the bundled build under plain node, production heap flags), WEB_CONCURRENCY=${WORKERS},`,
    '  JSON access logs at info on stdout, read and dropped; metrics hook on; no service cache.',
    `- Lean reference (bench/lib/lean-frontend.ts) and bare "hello": ${WORKERS} node:cluster workers each, bundled and run`,
    '  under plain node with the same heap flags. The lean reference makes the same two upstream calls (a fresh',
    "  admin JWT per call, B3 headers) through undici Pools and fills the frontend's captured landing page by",
    `  concatenation; its answer was checked against the frontend's (all ${headerCount} headers, HTML with the nonce`,
    '  replaced) before and after its load.',
    `- Load: wrk 2 threads × ${connections} connections, 127.0.0.1; before each window a warm-up of at least ` +
      `${warmupSeconds} s and ${fmt(warmupRequests)} requests (at most ${MAX_WARMUP_SECONDS} s), then ${seconds} s measured ` +
      `(${pageSeconds} s for the other pages). The lean reference and the frontend take turns, ${rounds} rounds; a`,
    '  round\'s rows compare with that round\'s lean window, the "all rounds" rows pool the windows (CPU and requests',
    "  summed, req/s and p50 averaged, the worst p99). CPU per request: user + system time of the server's whole",
    '  process tree (primary and workers, /proc) in the measured window over the requests answered. RSS after the',
    "  server's last window.",
    '',
    '| server | req/s | p50 | p99 | errors | CPU / request | CPU vs lean | req/s vs lean | primary RSS (private, PSS), MB | worker RSS (private, PSS), MB |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |',
    ...rows.map((r) => row(r.name, r.measured, r.memory, r.lean)),
    '',
    "The frontend's other pages (same run, same server; CPU vs lean is against the lean landing page):",
    '',
    '| page | req/s | p50 | p99 | errors / non-2xx | CPU / request | CPU vs lean landing | req/s vs lean | | |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- | --- |',
    ...runs.flatMap((run) => [
      row(`${run.label} landing, all rounds`, run.landing),
      ...run.pages.map((p) => row(`${run.label} ${p.name}`, p.measured)),
    ]),
    '',
  ];
  for (const run of runs) lines.push(...memorySection(run));
  if (profiles) lines.push(...profileSection(profiles));
  return lines.join('\n');
}

function memorySection(run: FrontendRun): string[] {
  const deep = run.deep;
  const lines = [
    `## ${run.label[0]!.toUpperCase()}${run.label.slice(1)}: memory after ${fmt(deep.landingRequests)} landing requests`,
    '',
    'Landing requests counted by wrk, warm-ups included; after the measured rounds the load went on for ' +
      `${deep.seconds.toFixed(0)} s more`,
    `(until at least ${fmt(memoryRequests)} in all, for at most ${memoryMaxSeconds} s, then ${MEMORY_SAMPLE_SECONDS} s of sampling), the readings`,
    'below taken a second after it stopped.',
    '',
    `Primary: RSS ${mb(deep.memory.primary.rss)} MB (${mb(deep.memory.primary.private)} private, PSS ` +
      `${mb(deep.memory.primary.pss)}). Workers: ` +
      deep.memory.workers
        .map((w) => `${mb(w.rss)} MB (${mb(w.private)} private, PSS ${mb(w.pss)})`)
        .join(', ') +
      '. Through a last ' +
      `${MEMORY_SAMPLE_SECONDS} s of landing load, each worker's RSS sampled every 250 ms, median (max): ` +
      deep.underLoad.map(([median, max]) => `${mb(median)} MB (${mb(max)})`).join(', ') +
      '; PSS median: ' +
      deep.underLoad.map(([, , pss]) => `${mb(pss)} MB`).join(', ') +
      ". PSS (proportional set size) counts each page shared between processes (the node binary's, mostly) as " +
      'its share; RSS counts it whole in every process.',
    '',
    "Where the first worker's resident memory is (smaps):",
    '',
    '| kind | MB |',
    '| --- | ---: |',
    ...Object.entries(deep.smaps)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, bytes]) => `| ${kind} | ${mb(bytes)} |`),
    '',
  ];
  if (deep.heap) {
    const usage = deep.heap.memoryUsage;
    lines.push(
      "The same worker's V8 heap by space (v8.getHeapSpaceStatistics through bench/lib/heap-probe.mjs): reserved,",
      'resident (physical) and used, MB. `new_space` is the young generation.',
      '',
      '| space | size | resident | used |',
      '| --- | ---: | ---: | ---: |',
      ...deep.heap.spaces
        .filter((s) => s.space_size > 0)
        .map(
          (s) =>
            `| ${s.space_name} | ${mb(s.space_size)} | ${mb(s.physical_space_size)} | ${mb(s.space_used_size)} |`,
        ),
      '',
      `process.memoryUsage(): rss ${mb(usage.rss ?? 0)}, heapTotal ${mb(usage.heapTotal ?? 0)}, heapUsed ` +
        `${mb(usage.heapUsed ?? 0)}, external ${mb(usage.external ?? 0)}, arrayBuffers ${mb(usage.arrayBuffers ?? 0)} (MB).`,
      '',
    );
  }
  if (deep.snapshot) {
    const { snapshot } = deep;
    const share = (bytes: number) => `${((bytes / snapshot.totalBytes) * 100).toFixed(1)} %`;
    lines.push(
      `What the same worker's heap holds (a heap snapshot taken right after those figures; it collects garbage`,
      `first, so it shows the live ${mb(snapshot.totalBytes)} MB, self sizes by kind):`,
      '',
      '| kind | MB | share |',
      '| --- | ---: | ---: |',
      ...snapshot.byKind.map(([kind, bytes]) => `| ${kind} | ${mb(bytes)} | ${share(bytes)} |`),
      '',
      'Objects by constructor (the ten largest):',
      '',
      '| constructor | MB | share |',
      '| --- | ---: | ---: |',
      ...snapshot.objectsByConstructor
        .slice(0, 10)
        .map(([name, bytes]) => `| ${name.replace(/\|/g, '\\|')} | ${mb(bytes)} | ${share(bytes)} |`),
      '',
    );
  }
  return lines;
}

function profileSection(profiles: { frontends: ProfileRun[]; lean: ProfileRun }): string[] {
  const { frontends, lean } = profiles;
  const [frontend, ...others] = frontends as [ProfileRun, ...ProfileRun[]];
  const us = (ms: number, run: ProfileRun) => (ms * 1000) / run.requests;
  const perRequest = (ms: number, run: ProfileRun = frontend) => `${us(ms, run).toFixed(1)} µs`;
  const escape = (name: string) => name.replace(/\|/g, '\\|');
  const table = (title: string, shares: Share[], count: number, run: ProfileRun = frontend) => [
    `| ${title} | per request | share |`,
    '| --- | ---: | ---: |',
    ...shares
      .slice(0, count)
      .map((s) => `| ${escape(s.name)} | ${perRequest(s.ms, run)} | ${(s.share * 100).toFixed(1)} % |`),
    '',
  ];
  const columns = [...frontends, lean];
  const side = (pick: (areas: ProfileAreas) => Share[]) => {
    const by = columns.map((run) => new Map(pick(run.areas).map((s) => [s.name, s.ms])));
    // The frontend's concerns largest first, then those only the others have.
    const names = [...new Set(by.flatMap((map) => [...map.keys()]))];
    const cells = (values: number[]) => values.map((v) => `${v.toFixed(1)} µs`).join(' | ');
    return [
      `| concern | ${columns.map((run) => run.name).join(' | ')} | frontend − lean |`,
      `| --- | ${columns.map(() => '---: |').join(' ')} ---: |`,
      ...names.map((name) => {
        const values = columns.map((run, i) => us(by[i]!.get(name) ?? 0, run));
        return `| ${escape(name)} | ${cells(values)} | ${(values[0]! - values.at(-1)!).toFixed(1)} µs |`;
      }),
      `| **all busy samples** | ${columns.map((run) => `**${perRequest(run.areas.busyMs, run)}**`).join(' | ')} | ` +
        `**${(us(frontend.areas.busyMs, frontend) - us(lean.areas.busyMs, lean)).toFixed(1)} µs** |`,
      '',
    ];
  };
  const described = (run: ProfileRun) =>
    `${run.name}: ${fmt(run.requests)} requests (${fmt(run.requestsPerSecond)} req/s while profiled), ` +
    `**${perRequest(run.areas.busyMs, run)} busy per request**`;
  return [
    "## Where a worker's CPU goes (landing page)",
    '',
    'One process each under `node --cpu-prof` (default 1 ms sampling), landing load after a warm-up; only the',
    `samples of the ${profileSeconds} s measured window count. A frontend runs with WEB_CONCURRENCY=1 from`,
    '`dist/src/bin/web.js` (the same code as the bundle, compiled but not bundled, so samples keep their source',
    `file). ${[...frontends.map(described), `the lean reference (one process): ${described(lean).replace(/^[^:]*: /, '')}`].join('; ')}.`,
    "(The profiler's own cost is included, and one process has no primary: these are not the /proc figures",
    'above.) Self time: a native or builtin leaf counts for the nearest JavaScript caller.',
    '',
    "By what the code is for (node's own modules count for the app code that called them):",
    '',
    ...side((areas) => areas.byConcern),
    'Inclusive (everything a concern called, counted once per sample). Fastify runs the next hook and the handler',
    "from inside the previous hook's `done()`, so a hook's inclusive time also holds what ran after it: read this",
    'table for the render, the upstream clients and the like, not for the hooks.',
    '',
    ...side((areas) => areas.concernInclusive),
    'The frontend by file (self time):',
    '',
    ...table('file', frontend.areas.byFile, 25),
    'The frontend by function (self time):',
    '',
    ...table('function', frontend.areas.functions, 25),
    ...others.flatMap((run) => [
      `The ${run.name} by function (self time):`,
      '',
      ...table('function', run.areas.functions, 15, run),
    ]),
    'The lean reference by function (self time):',
    '',
    ...table('function', lean.areas.functions, 15, lean),
  ];
}

const FINDINGS_MARKER = '<!-- notes below this line are kept when the benchmark is re-run -->';

function keptNotes(path: string): string {
  if (!existsSync(path)) return '';
  const previous = readFileSync(path, 'utf8');
  const at = previous.indexOf(FINDINGS_MARKER);
  return at < 0 ? '' : `\n${previous.slice(at)}`;
}

async function main(): Promise<void> {
  const load = loadavg();
  const probeDir = mkdtempSync(join(tmpdir(), 'heap-probe-'));
  const stops: (() => Promise<void>)[] = [];
  try {
    const upstream = await startChild(lib('fast-upstream.ts'));
    stops.push(() => upstream.stop());
    const upstreamUrl = `http://127.0.0.1:${upstream.port}`;

    const frontends: Frontend[] = [];
    for (const [label, root] of [
      ['frontend', paths.root],
      ...(options.before ? [['frontend before', options.before]] : []),
    ] as const) {
      const frontend = await startFrontend(label, root, upstreamUrl, probeDir);
      stops.push(() => frontend.stop());
      frontends.push(frontend);
    }
    const [frontend] = frontends as [Frontend, ...Frontend[]];

    const rows: Row[] = [];
    const bare = await startCompiledChild(lib('bare-server.ts'), [String(WORKERS)]);
    await untilWorkers(bare.process.pid!);
    rows.push({
      name: `bare node:http hello (${WORKERS} workers)`,
      measured: await measure('bare', `http://127.0.0.1:${bare.port}/`, bare.process.pid!, seconds),
      memory: memoryOf(bare.process.pid!),
    });
    await bare.stop();

    const { lean, check, templateFile, headerCount } = await startLean(frontend.port, upstreamUrl);
    await untilWorkers(lean.process.pid!);
    const leanRounds: Measured[] = [];
    const frontendRounds = frontends.map(() => [] as Measured[]);
    for (let round = 1; round <= rounds; round++) {
      leanRounds.push(
        await measure(
          `lean, round ${round}`,
          `http://127.0.0.1:${lean.port}${landingPath}`,
          lean.process.pid!,
          seconds,
        ),
      );
      for (const [i, each] of frontends.entries()) {
        frontendRounds[i]!.push(
          await measure(
            `${each.label} landing, round ${round}`,
            `http://127.0.0.1:${each.port}${landingPath}`,
            each.pid,
            seconds,
          ),
        );
      }
    }
    await check('after the load');
    const leanMemory = memoryOf(lean.process.pid!);
    await lean.stop();
    const runs: FrontendRun[] = [];
    for (const [i, each] of frontends.entries()) {
      runs.push(await measureFrontend(each, probeDir, pooled(frontendRounds[i]!)));
      await each.stop();
    }
    const leanLanding = pooled(leanRounds);
    rows.push(
      ...leanRounds.flatMap((leanRound, round) => [
        { name: `lean reference landing, round ${round + 1}`, measured: leanRound, lean: leanRound },
        ...frontends.map((each, i) => ({
          name: `${each.label} landing, round ${round + 1}`,
          measured: frontendRounds[i]![round]!,
          lean: leanRound,
        })),
      ]),
      {
        name: `**lean reference landing (${WORKERS} workers), all rounds**`,
        measured: leanLanding,
        memory: leanMemory,
      },
      ...runs.map((run) => ({
        name: `**${run.label} landing (${WORKERS} workers), all rounds**`,
        measured: run.landing,
        memory: run.memoryAfterLanding,
      })),
    );

    const profiles = options['no-profile']
      ? undefined
      : {
          frontends: await (async () => {
            const done: ProfileRun[] = [];
            for (const each of frontends) done.push(await profileFrontend(each, upstreamUrl, probeDir));
            return done;
          })(),
          lean: await profileLean(upstreamUrl, templateFile),
        };
    const markdown = report(load, rows, runs, headerCount, profiles);
    if (options['no-write']) {
      process.stdout.write(`\n${markdown}\n`);
    } else {
      const out = join(paths.root, 'bench', 'results', 'lean-pages.md');
      writeFileSync(out, markdown + keptNotes(out));
      process.stdout.write(`\nwrote bench/results/lean-pages.md\n\n${markdown}\n`);
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
  }
}

await main();
