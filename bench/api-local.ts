/**
 * Document API benchmark, local encrypted store: upload (100 KB PDF, with and without a confirmation email),
 * check, authenticate and download (2 MiB), driven by wrk against the production server runtime
 * (src/bin/api.ts: primary + WEB_CONCURRENCY workers, default 2), plus argon2id hashes/s on one core.
 * Run by hand: `npx tsx bench/api-local.ts [seconds per scenario]`; writes bench/results/api.md.
 */
import { hashSync } from '@node-rs/argon2';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARGON2_OPTIONS } from '../src/api/email-hashing.js';
import { paths } from '../src/common/project-files.js';
import { treeCpuSeconds } from './lib/proc-cpu.js';
import { type WrkResult } from './lib/wrk.js';
import { pdfOfSize } from '../harness/samples.js';
import { freePort } from '../harness/ports.js';

const SECONDS = Number(process.argv[2] ?? 10);
const WORKERS = Number(process.env.WEB_CONCURRENCY ?? 2);
const TOKEN = 'bench-token';
const SERVICE = '00000000-1111-2222-3333-444444444444';
const work = mkdtempSync(join(tmpdir(), 'dd-api-bench-'));
const dataDir = join(work, 'data');
mkdirSync(dataDir);

async function startApi(): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/bin/api.ts'], {
    cwd: paths.root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(WORKERS),
      NOTIFY_ENVIRONMENT: 'test',
      AUTH_TOKENS: TOKEN,
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'false',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      FRONTEND_HOSTNAME: 'frontend.test',
      DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // Access logs stay at warn level (quiet), so readiness is polled rather than read from the start-up line.
  const deadline = Date.now() + 90_000;
  let exited = false;
  child.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('src/bin/api.ts exited before it was ready');
    if (Date.now() > deadline) throw new Error('src/bin/api.ts did not start in 90 s');
    const ready = await fetch(`http://127.0.0.1:${port}/_status`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Let every worker come up, not just the first.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Uploaded {
  id: string;
  key: string;
}

async function uploadOne(url: string, content: Buffer, email?: string): Promise<Uploaded> {
  const response = await fetch(`${url}/services/${SERVICE}/documents`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      document: content.toString('base64'),
      ...(email ? { confirmation_email: email } : {}),
    }),
  });
  if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
  const { document } = (await response.json()) as { document: { id: string; direct_file_url: string } };
  return { id: document.id, key: new URL(document.direct_file_url).searchParams.get('key') as string };
}

function luaString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A wrk script that sends POSTs round-robin over the given (path, body file) pairs. */
function postScript(name: string, requests: Array<{ path: string; body: string }>): string {
  const bodies = requests.map((request, index) => {
    const file = join(work, `${name}-${index}.json`);
    writeFileSync(file, request.body);
    return `{ ${luaString(request.path)}, read(${luaString(file)}) }`;
  });
  const script = join(work, `${name}.lua`);
  writeFileSync(
    script,
    `local function read(path) local f = io.open(path, "rb"); local s = f:read("*a"); f:close(); return s end
local requests = { ${bodies.join(',\n')} }
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer ${TOKEN}"
request = function()
  i = i % #requests + 1
  return wrk.format(nil, requests[i][1], nil, requests[i][2])
end
`,
  );
  return script;
}

/** A wrk script that GETs round-robin over the given paths. */
function getScript(name: string, paths: string[]): string {
  const script = join(work, `${name}.lua`);
  writeFileSync(
    script,
    `local paths = { ${paths.map(luaString).join(',\n')} }
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
`,
  );
  return script;
}

async function wrk(url: string, script: string, connections: number): Promise<WrkResult> {
  // As lib/wrk.ts runs it, plus a script (-s).
  const { WRK, parseWrk } = await import('./lib/wrk.js');
  const output = execFileSync(
    WRK,
    ['-t2', `-c${connections}`, `-d${SECONDS}s`, '--timeout', '10s', '--latency', '-s', script, url],
    { maxBuffer: 1 << 22 },
  ).toString();
  return parseWrk(output);
}

function argonHashesPerSecond(): number {
  const started = performance.now();
  let count = 0;
  while (performance.now() - started < 3000) {
    hashSync(`person${count}@example.com`, ARGON2_OPTIONS);
    count++;
  }
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const loadBefore = loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: paths.root }).toString().trim();
  const hashes = argonHashesPerSecond();
  const api = await startApi();
  type Row = { name: string; result: WrkResult; bytes: number; connections: number; cpuSeconds: number };
  const rows: Row[] = [];
  const pid = api.child.pid as number;
  // Server CPU (primary + workers, thread pool included) during each run: requests per CPU-second do not depend
  // on how much of the shared machine other work took meanwhile.
  const measure = async (name: string, script: string, connections: number, bytes: number) => {
    const before = treeCpuSeconds(pid);
    const result = await wrk(api.url, script, connections);
    rows.push({ name, result, bytes, connections, cpuSeconds: treeCpuSeconds(pid) - before });
  };
  try {
    const pdf100k = pdfOfSize(100 * 1024);
    const pdf2m = pdfOfSize(2 * 1024 * 1024);

    // Upload bodies: 20 distinct 100 KB PDFs (the file-check cache keys on content).
    const variants = Array.from({ length: 20 }, (_, i) => {
      const copy = Buffer.from(pdf100k);
      copy.write(String(i).padStart(6, '0'), copy.length - 10);
      return copy.toString('base64');
    });
    const uploadPath = `/services/${SERVICE}/documents`;
    const plainUpload = postScript(
      'upload',
      variants.map((document) => ({ path: uploadPath, body: JSON.stringify({ document }) })),
    );
    const emailUpload = postScript(
      'upload-email',
      variants.map((document, i) => ({
        path: uploadPath,
        body: JSON.stringify({ document, confirmation_email: `person${i}@example.com` }),
      })),
    );
    await measure('upload 100 KB PDF, no email', plainUpload, 32, pdf100k.length);
    await measure('upload 100 KB PDF, with email', emailUpload, 32, pdf100k.length);

    // Check over 200 documents.
    const documents = await Promise.all(Array.from({ length: 200 }, () => uploadOne(api.url, pdf100k)));
    const checkScript = getScript(
      'check',
      documents.map((d) => `/services/${SERVICE}/documents/${d.id}/check?key=${d.key}`),
    );
    await measure('check', checkScript, 64, 0);

    // Authenticate: 1,000 email-protected documents round-robin (each stays under its 50 attempts / 300 s).
    const protectedDocs: Uploaded[] = [];
    for (let i = 0; i < 1000; i += 50) {
      protectedDocs.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, () => uploadOne(api.url, pdf100k, 'person@example.com')),
        )),
      );
    }
    const authScript = postScript(
      'authenticate',
      protectedDocs.map((d) => ({
        path: `/services/${SERVICE}/documents/${d.id}/authenticate`,
        body: JSON.stringify({ key: d.key, email_address: 'person@example.com' }),
      })),
    );
    await measure('authenticate (argon2id verify)', authScript, 16, 0);

    // Download 2 MiB over 20 documents.
    const big = await Promise.all(Array.from({ length: 20 }, () => uploadOne(api.url, pdf2m)));
    const downloadScript = getScript(
      'download',
      big.map((d) => `/services/${SERVICE}/documents/${d.id}.pdf?key=${d.key}`),
    );
    await measure('download 2 MiB', downloadScript, 16, pdf2m.length);
  } finally {
    await api.stop();
  }

  const perCpu = (row: Row) => row.result.requests / Math.max(row.cpuSeconds, 0.01);
  const projected = (row: Row) => perCpu(row) * cpus().length;
  const mb = (row: (typeof rows)[number]) =>
    row.bytes ? ((row.result.requestsPerSecond * row.bytes) / 1e6).toFixed(1) : '–';
  const find = (prefix: string) => rows.find((row) => row.name.startsWith(prefix)) as (typeof rows)[number];
  const target = (label: string, value: number, cpuBound: number, goal: number, unit: string) =>
    `| ${label} | ${value.toFixed(0)} ${unit} | ${value >= goal ? 'met' : '**missed**'} | ${cpuBound.toFixed(0)} ${unit} | ${cpuBound >= goal ? 'met' : '**missed**'} |`;
  const download = find('download');
  const report = `# Document API benchmark (local encrypted store)

Generated by \`npx tsx bench/api-local.ts ${SECONDS}\` on ${new Date().toISOString()} (commit ${commit}).

- Server: the production runtime, \`src/bin/api.ts\` under tsx: **${WORKERS} worker processes** (node:cluster) sharing
  one port on 127.0.0.1, local encrypted store with fsync on every write, file-based rate limiter, antivirus off,
  access logs at warn level.
- Load: wrk (2 threads) on the **same 2-core machine** as the server, ${SECONDS} s per scenario, no warm-up; uploads cycle
  over 20 distinct 100 KB PDFs, check over 200 documents, authenticate over 1,000 email-protected documents,
  download over 20 documents of 2 MiB.
- Machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}; load average before the run ${loadBefore}
  (the machine is shared with other sessions: read the numbers as a floor).

| scenario | connections | req/s | MB/s | p50 | p90 | p99 | errors | requests | server CPU s | req per CPU s |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows
  .map(
    (row) =>
      `| ${row.name} | ${row.connections} | ${row.result.requestsPerSecond.toFixed(0)} | ${mb(row)} | ${row.result.p50.toFixed(2)} ms | ${row.result.p90.toFixed(2)} ms | ${row.result.p99.toFixed(2)} ms | ${row.result.errors} | ${row.result.requests} | ${row.cpuSeconds.toFixed(1)} | ${perCpu(row).toFixed(0)} |`,
  )
  .join('\n')}

"req per CPU s" divides the requests served by the CPU time the server processes used meanwhile (user + system,
thread pool included, from /proc). It does not depend on how much of the shared machine other work took, so
× ${cpus().length} cores it estimates what the server does with the machine to itself and the load generator elsewhere
("CPU-bound estimate" below). It ignores time waiting for the disk, so for uploads (three fsyncs each) it is an
upper bound.

argon2id (m=15360 KiB, t=2, p=1, 16-byte hash) on one core: **${hashes.toFixed(1)} hashes/s** — an upload with
a confirmation email costs one hash, an authenticate one verification (same cost), so with ${WORKERS} workers the
email cases are bounded by about ${(hashes * WORKERS).toFixed(0)} per second whatever else the API does.

| target | measured | | CPU-bound estimate, ${cpus().length} cores | |
| --- | --- | --- | --- | --- |
${target('check >= 3,000 req/s', find('check').result.requestsPerSecond, projected(find('check')), 3000, 'req/s')}
${target('download >= 300 MB/s', (download.result.requestsPerSecond * download.bytes) / 1e6, (projected(download) * download.bytes) / 1e6, 300, 'MB/s')}
${target('upload without email >= 300 docs/s', find('upload 100 KB PDF, no').result.requestsPerSecond, projected(find('upload 100 KB PDF, no')), 300, 'docs/s')}
`;
  mkdirSync(join(paths.root, 'bench', 'results'), { recursive: true });
  writeFileSync(join(paths.root, 'bench', 'results', 'api.md'), report);
  process.stdout.write(report);
  rmSync(work, { recursive: true, force: true });
}

await main();
