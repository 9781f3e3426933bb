/**
 * Large streamed uploads and downloads against the built API as its own process, run by hand after
 * `npm run build`:
 *
 *   npx tsx bench/large-files.ts [--mib 100] [--concurrent 4] [--workers 1] [--no-local] [--no-s3] [--rgw DIR]
 *                                [--antivirus] [--json-seconds 10] [--before DIR] [--before-first] [--json-only]
 *                                [--no-write]
 *
 * Starts `entrypoint.sh api` (WEB_CONCURRENCY=`--workers`, so with 1 every upload lands on the same worker)
 * on 127.0.0.1, then sends `--concurrent` multipart uploads of a `--mib` MiB PDF at once, then downloads them
 * all at once. For each phase: MB/s over all files, CPU seconds of the API process tree (primary and workers,
 * from /proc) per MiB, and the tree's peak resident memory above its idle level, sampled every 50 ms. Rows: the
 * local store unless `--no-local`; the S3 store on a private radosgw (harness/rgw.ts; or the one
 * `scripts/start-rgw.sh DIR` started, with `--rgw DIR`) unless `--no-s3`; with `--antivirus`, the local store
 * again with the antivirus service (its own process, `entrypoint.sh antivirus`) and a real clamd.
 * Then the 2 MiB JSON upload (Notify's form, 4 at a time for `--json-seconds`): uploads/s and CPU per upload,
 * here and, with `--before DIR`, in another built checkout (the commit before streamed uploads; measured first
 * with `--before-first`); `--json-only` runs only that. Writes
 * bench/results/large-files.md unless `--no-write`.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { documentApiPaths } from '../src/common/routes.js';
import { paths } from '../src/common/project-files.js';
import { freePort } from '../harness/ports.js';
import { rgwFromReport, startRgw, type RunningRgw } from '../harness/rgw.js';
import { pdfOfSize } from '../harness/samples.js';
import { stopProcess } from './lib/child.js';
import { treeCpuSeconds } from './lib/proc-cpu.js';
import { childrenOf, rssBytes } from './lib/proc-memory.js';

const { values: options } = parseArgs({
  options: {
    mib: { type: 'string', default: '100' },
    concurrent: { type: 'string', default: '4' },
    workers: { type: 'string', default: '1' },
    'no-local': { type: 'boolean', default: false },
    'no-s3': { type: 'boolean', default: false },
    rgw: { type: 'string' },
    'before-first': { type: 'boolean', default: false },
    antivirus: { type: 'boolean', default: false },
    'json-seconds': { type: 'string', default: '10' },
    before: { type: 'string' },
    'json-only': { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
});
const MIB = 1024 * 1024;
const MB = 1_000_000;
const TOKEN = 'bench-token';
const ANTIVIRUS_KEY = 'bench-antivirus-key';
const SERVICE = '00000000-1111-2222-3333-444444444444';
const FILE_MIB = Number(options.mib);
const CONCURRENT = Number(options.concurrent);
const WORKERS = Number(options.workers);
const SAMPLE_MS = 50;
/** Every phase is bounded: an upload or download that takes longer fails the run. */
const PHASE_LIMIT_MS = 10 * 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RunningApi {
  child: ChildProcess;
  pid: number;
  port: number;
  stop(): Promise<void>;
}

/** Starts `entrypoint.sh NAME` of a checkout on 127.0.0.1 and waits for its `/_status`. */
async function startService(
  root: string,
  name: 'api' | 'antivirus',
  env: Record<string, string>,
): Promise<RunningApi> {
  const port = await freePort();
  const child = spawn(join(root, 'entrypoint.sh'), [name], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let waited = 0; ; waited += 100) {
    const ok = await fetch(`http://127.0.0.1:${port}/_status`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (child.exitCode !== null || waited > 60_000) {
      child.kill('SIGKILL');
      throw new Error(`${root}/entrypoint.sh ${name} did not start`);
    }
    await sleep(100);
  }
  return { child, pid: child.pid!, port, stop: () => stopProcess(child) };
}

function apiEnv(dataDir: string, extra: Record<string, string>): Record<string, string> {
  return {
    WEB_CONCURRENCY: String(WORKERS),
    NOTIFY_ENVIRONMENT: 'test',
    AUTH_TOKENS: TOKEN,
    ANTIVIRUS_ENABLED: 'false',
    REDIS_ENABLED: 'false',
    DOCUMENT_STORE: 'local',
    DATA_DIR: dataDir,
    FRONTEND_HOSTNAME: 'frontend.test',
    DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
    MAX_STREAMED_FILE_SIZE: String(FILE_MIB * MIB + MIB),
    ...extra,
  };
}

/** Resident memory of a process and all its descendants. */
function treeRss(pid: number): number {
  let total = 0;
  const pending = [pid];
  while (pending.length > 0) {
    const next = pending.pop() as number;
    total += rssBytes(next);
    pending.push(...childrenOf(next));
  }
  return total;
}

/** Samples the tree's RSS every 50 ms until stopped; the peak seen. */
function rssSampler(pid: number): { stop(): number } {
  let peak = treeRss(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRss(pid));
  }, SAMPLE_MS);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, treeRss(pid));
    },
  };
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.on('error', reject);
  });
}

/** A multipart upload with the file written in 256 KiB pieces at the pace the API reads them. */
async function streamedUpload(port: number, file: Buffer): Promise<string> {
  const boundary = `bench-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="document"; filename="large.pdf"\r\n` +
      'Content-Type: application/pdf\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const sent = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: documentApiPaths.upload(SERVICE),
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(head.length + file.length + tail.length),
    },
  });
  const answered = once(sent, 'response') as Promise<[IncomingMessage]>;
  sent.write(head);
  for (let offset = 0; offset < file.length; offset += 256 * 1024) {
    if (!sent.write(file.subarray(offset, offset + 256 * 1024))) {
      await Promise.race([once(sent, 'drain'), answered]);
    }
  }
  sent.end(tail);
  const [response] = await answered;
  const body = await readBody(response);
  if (response.statusCode !== 201) throw new Error(`upload answered ${response.statusCode}: ${body}`);
  const url = new URL(
    (JSON.parse(body) as { document: { direct_file_url: string } }).document.direct_file_url,
  );
  return `${url.pathname}${url.search}`;
}

/** Downloads a document and drops its bytes; how many there were. */
async function download(port: number, path: string): Promise<number> {
  const sent = request({ host: '127.0.0.1', port, method: 'GET', path });
  sent.end();
  const [response] = (await once(sent, 'response')) as [IncomingMessage];
  if (response.statusCode !== 200) throw new Error(`download answered ${response.statusCode}`);
  let bytes = 0;
  for await (const chunk of response) bytes += (chunk as Buffer).length;
  return bytes;
}

interface Phase {
  mbPerSecond: number;
  cpuMsPerMib: number;
  peakAboveIdleMb: number;
}

/** Runs `work` once while sampling the API tree: throughput over `bytes`, CPU per MiB, peak RSS above idle. */
async function measure(pid: number, idle: number, bytes: number, work: () => Promise<void>): Promise<Phase> {
  const cpuBefore = treeCpuSeconds(pid);
  const sampler = rssSampler(pid);
  const started = performance.now();
  let limit: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => {
        limit = setTimeout(() => reject(new Error('phase over its time limit')), PHASE_LIMIT_MS);
      }),
    ]);
  } finally {
    clearTimeout(limit);
  }
  const seconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  return {
    mbPerSecond: bytes / MB / seconds,
    cpuMsPerMib: ((treeCpuSeconds(pid) - cpuBefore) * 1000) / (bytes / MIB),
    peakAboveIdleMb: (peak - idle) / MB,
  };
}

interface Row {
  setup: string;
  idleMb: number;
  upload: Phase;
  download: Phase;
}

async function largeFiles(setup: string, env: Record<string, string>, file: Buffer): Promise<Row> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dd-large-files-'));
  const api = await startService(paths.root, 'api', apiEnv(dataDir, env));
  try {
    // One small upload and download first, so idle includes what the first request loads.
    await download(api.port, await streamedUpload(api.port, pdfOfSize(64 * 1024)));
    await sleep(2000);
    const idle = treeRss(api.pid);
    const total = file.length * CONCURRENT;
    let links: string[] = [];
    const upload = await measure(api.pid, idle, total, async () => {
      links = await Promise.all(Array.from({ length: CONCURRENT }, () => streamedUpload(api.port, file)));
    });
    await sleep(1000);
    const download_ = await measure(api.pid, idle, total, async () => {
      const sizes = await Promise.all(links.map((link) => download(api.port, link)));
      if (sizes.some((size) => size !== file.length)) throw new Error(`downloaded ${sizes.join(', ')} bytes`);
    });
    return { setup, idleMb: idle / MB, upload, download: download_ };
  } finally {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface JsonRow {
  build: string;
  uploadsPerSecond: number;
  cpuMsPerUpload: number;
  errors: number;
}

/** Notify's JSON upload of a 2 MiB PDF, 4 at a time for `seconds`, against a checkout's built API. */
async function jsonUploads(root: string, build: string, seconds: number): Promise<JsonRow> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dd-json-uploads-'));
  const api = await startService(root, 'api', apiEnv(dataDir, {}));
  const body = JSON.stringify({ document: pdfOfSize(2 * MIB).toString('base64') });
  const url = `http://127.0.0.1:${api.port}${documentApiPaths.upload(SERVICE)}`;
  const once_ = async () => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return response.status === 201;
  };
  try {
    for (let i = 0; i < 8; i++) await once_();
    let done = 0;
    let errors = 0;
    const cpuBefore = treeCpuSeconds(api.pid);
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (performance.now() < until) {
          if (await once_()) done++;
          else errors++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return {
      build,
      uploadsPerSecond: done / elapsed,
      cpuMsPerUpload: ((treeCpuSeconds(api.pid) - cpuBefore) * 1000) / Math.max(done, 1),
      errors,
    };
  } finally {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A radosgw already running, from the `rgw.env` that `scripts/start-rgw.sh DIR` wrote (left running). */
function runningRgw(dir: string): RunningRgw {
  return rgwFromReport(readFileSync(join(dir, 'rgw.env'), 'utf8'), dir, async () => undefined);
}

function commitOf(root: string): string {
  return execFileSync('git', ['-C', root, 'log', '-1', '--format=%h'], { encoding: 'utf8' }).trim();
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

async function main(): Promise<void> {
  const file = pdfOfSize(FILE_MIB * MIB);
  const rows: Row[] = [];
  const large = !options['json-only'];
  if (large && !options['no-local']) {
    rows.push(await largeFiles('local store', {}, file));
    console.log(rows.at(-1));
  }

  if (large && !options['no-s3']) {
    let rgw: RunningRgw | undefined;
    try {
      rgw = options.rgw ? runningRgw(options.rgw) : await startRgw();
      const bucket = `bench-${randomUUID()}`;
      const { createS3Store } = await import('../src/api/store/s3-store.js');
      await createS3Store({
        bucket,
        endpoint: rgw.endpoint,
        region: rgw.region,
        credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      }).ensureBucket();
      rows.push(
        await largeFiles(
          'S3 store (radosgw)',
          {
            DOCUMENT_STORE: 's3',
            DOCUMENTS_BUCKET: bucket,
            AWS_ENDPOINT_URL: rgw.endpoint,
            AWS_REGION: rgw.region,
            AWS_ACCESS_KEY_ID: rgw.accessKeyId,
            AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
          },
          file,
        ),
      );
      console.log(rows.at(-1));
    } finally {
      await rgw?.stop();
    }
  }

  if (large && options.antivirus) {
    const { startLocalClamd } = await import('../src/antivirus/local-clamd.js');
    const clamd = await startLocalClamd({ maxFileSize: FILE_MIB * MIB + MIB, startTimeoutMs: 180_000 });
    let antivirus: RunningApi | undefined;
    try {
      antivirus = await startService(paths.root, 'antivirus', {
        NOTIFY_ENVIRONMENT: 'test',
        ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
        CLAMD_SOCKET: clamd.socketSetting,
        MAX_STREAMED_FILE_SIZE: String(FILE_MIB * MIB + MIB),
        HTTP_SERVE_TIMEOUT_SECONDS: '600',
        CLAMD_TIMEOUT_SECONDS: '120',
      });
      rows.push(
        await largeFiles(
          'local store, antivirus service + clamd',
          {
            ANTIVIRUS_ENABLED: 'true',
            ANTIVIRUS_API_HOST: `http://127.0.0.1:${antivirus.port}`,
            ANTIVIRUS_API_KEY: ANTIVIRUS_KEY,
            ANTIVIRUS_API_TIMEOUT_SECONDS: '600',
          },
          file,
        ),
      );
      console.log(rows.at(-1));
    } finally {
      await antivirus?.stop();
      await clamd.stop();
    }
  }

  const jsonSeconds = Number(options['json-seconds']);
  const builds: Array<[string, string]> = [[paths.root, `this commit (${commitOf(paths.root)})`]];
  if (options.before) {
    const before: [string, string] = [options.before, `before (${commitOf(options.before)})`];
    if (options['before-first']) builds.unshift(before);
    else builds.push(before);
  }
  const jsonRows: JsonRow[] = [];
  for (const [root, build] of builds) {
    jsonRows.push(await jsonUploads(root, build, jsonSeconds));
    console.log(jsonRows.at(-1));
  }

  const report = [
    '# Large files: streamed uploads and downloads',
    '',
    `Commit ${commitOf(paths.root)}, ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ` +
      `on a 2-core machine shared with other work (figures are floors). Command: ` +
      `\`npx tsx bench/large-files.ts ${process.argv.slice(2).join(' ')}\`.`,
    '',
    `${CONCURRENT} concurrent multipart uploads of a ${FILE_MIB} MiB PDF, then ${CONCURRENT} concurrent downloads ` +
      `of them, against the built API (\`entrypoint.sh api\`, WEB_CONCURRENCY=${WORKERS}) as its own process on ` +
      '127.0.0.1. MB/s is over all the files together (1 MB = 10^6 bytes); CPU is the API process tree ' +
      "(primary and workers, /proc utime + stime) per MiB moved; peak RSS is the tree's resident memory sampled " +
      `every ${SAMPLE_MS} ms, above its idle level (measured after one small upload and download). The client ` +
      "runs in the benchmark's process, not counted; so do radosgw, the antivirus service and clamd.",
    '',
    '| setup | idle RSS (MB) | upload MB/s | upload CPU ms/MiB | upload peak RSS above idle (MB) | download MB/s | download CPU ms/MiB | download peak RSS above idle (MB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.setup} | ${fixed(row.idleMb)} | ${fixed(row.upload.mbPerSecond)} | ${fixed(row.upload.cpuMsPerMib, 2)} | ` +
        `${fixed(row.upload.peakAboveIdleMb)} | ${fixed(row.download.mbPerSecond)} | ${fixed(row.download.cpuMsPerMib, 2)} | ` +
        `${fixed(row.download.peakAboveIdleMb)} |`,
    ),
    '',
    `## The 2 MiB JSON upload (Notify's form), 4 at a time for ${jsonSeconds} s`,
    '',
    '| build | uploads/s | API CPU ms per upload | errors |',
    '| --- | ---: | ---: | ---: |',
    ...jsonRows.map(
      (row) =>
        `| ${row.build} | ${fixed(row.uploadsPerSecond)} | ${fixed(row.cpuMsPerUpload)} | ${row.errors} |`,
    ),
    '',
  ].join('\n');
  console.log(`\n${report}`);
  if (!options['no-write']) writeFileSync(join(paths.root, 'bench', 'results', 'large-files.md'), report);
}

await main();
