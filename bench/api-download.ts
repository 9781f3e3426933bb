/**
 * Download CPU of the document API process alone, local store: the API runs as its own process as production
 * runs it (`dist/src/bin/api.js`, WEB_CONCURRENCY=1, the entry point's heap flags), curl downloads, and the
 * API's CPU comes from /proc/PID/stat. Documents are written into DATA_DIR by the same build's store, so a build
 * of another commit is measured with its own format and chunk size.
 *
 *   npx tsx bench/api-download.ts [--node PATH] [--dist DIR]... [--repeat N] [--rounds N] [--profile DIR]
 *
 * --node: the runtime to run the API under (the image ships Node 24); --dist: a build (default ./dist; several
 * are measured in turn, --repeat times each, and the medians printed); --rounds: multiplies the downloads;
 * --heap-flags: the API's heap flags (default entrypoint.sh's; "" for V8's own); --node-arg: more flags for
 * the API's node (repeatable); --only: one document size ("1 KiB", "1 MiB", "100 MiB"); --profile: write the
 * API's --cpu-prof there (first round) and print its summary. Prints a Markdown table.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import type * as LocalStoreModule from '../src/api/store/local-store.js';
import { summariseProfile } from './lib/cpu-profile.js';

const MIB = 1024 * 1024;
const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    node: { type: 'string', default: process.execPath },
    dist: { type: 'string', multiple: true, default: ['dist'] },
    repeat: { type: 'string', default: '1' },
    profile: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    'heap-flags': { type: 'string', default: '--max-semi-space-size=4 --heap-growing-percent=50' },
  },
});
const dists = (values.dist ?? ['dist']).map((dist) => resolve(dist));
const repeat = Number(values.repeat);
const roundsFactor = Number(values.rounds);

/** A plan: document size and how many downloads of it (about 400 MiB of bytes each, or 500 requests). */
const allPlans = [
  { label: '1 KiB', bytes: 1024, downloads: 500 },
  { label: '1 MiB', bytes: MIB, downloads: 400 },
  { label: '100 MiB', bytes: 100 * MIB, downloads: 6 },
];

const plans = allPlans.filter((plan) => values.only === undefined || plan.label === values.only);

/** User and system CPU seconds of one process (/proc/PID/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function waitUp(port: number): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const up = await fetch(`http://127.0.0.1:${port}/_status`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the API did not start');
}

/** `count` downloads of `url` by one curl over one keep-alive connection, bodies discarded. */
async function curlDownloads(url: string, count: number): Promise<void> {
  const args = ['-s', '--fail'];
  for (let at = 0; at < count; at++) args.push('-o', '/dev/null', url);
  await run('curl', args, { maxBuffer: 1024 * 1024 });
}

interface Measured {
  plan: string;
  cpuMsPerDownload: number;
  cpuMsPerMiB: number | undefined;
  systemShare: number;
  mbPerSecond: number;
}

/** Starts the API of one build, downloads each plan's document, stops it; the API's CPU per plan. */
async function measureBuild(dist: string, profileDir: string | undefined): Promise<Measured[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dd-api-download-'));
  const { LocalDocumentStore } = (await import(
    pathToFileURL(join(dist, 'src/api/store/local-store.js')).href
  )) as typeof LocalStoreModule;
  const store = new LocalDocumentStore({ root: join(dataDir, 'documents'), durable: false });
  const serviceId = randomUUID();
  const documents = [];
  for (const plan of plans) {
    const documentId = randomUUID();
    const key = randomBytes(32);
    const staged = await store.stage({ serviceId, documentId, key });
    for (let written = 0; written < plan.bytes; written += MIB)
      await staged.write(randomBytes(Math.min(MIB, plan.bytes - written)));
    await staged.commit({ mimetype: 'application/pdf', createdAt: new Date(), retentionPeriod: '1 weeks' });
    documents.push({ plan, documentId, key });
  }
  const port = await freePort();
  // As entrypoint.sh runs it (its NODE_HEAP_FLAGS default), unless --heap-flags says otherwise.
  const heapFlags = (values['heap-flags'] ?? '').split(' ').filter(Boolean);
  const nodeArgs = [...heapFlags, ...(values['node-arg'] ?? [])];
  if (profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${profileDir}`);
  const api = spawn(values.node, [...nodeArgs, join(dist, 'src/bin/api.js')], {
    env: {
      ...process.env,
      PORT: String(port),
      WEB_CONCURRENCY: '1',
      NOTIFY_ENVIRONMENT: 'development',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const measured: Measured[] = [];
  try {
    await waitUp(port);
    for (const { plan, documentId, key } of documents) {
      const url = `http://127.0.0.1:${port}/services/${serviceId}/documents/${documentId}?key=${key.toString('base64url')}`;
      await curlDownloads(url, Math.min(plan.downloads, 20)); // warm-up
      const downloads = plan.downloads * roundsFactor;
      const before = cpuSeconds(api.pid as number);
      const started = performance.now();
      // In batches of 100, so the argument list stays short.
      for (let done = 0; done < downloads; done += 100)
        await curlDownloads(url, Math.min(100, downloads - done));
      const seconds = (performance.now() - started) / 1000;
      const after = cpuSeconds(api.pid as number);
      const cpuMs = (after.user - before.user + after.system - before.system) * 1000;
      measured.push({
        plan: plan.label,
        cpuMsPerDownload: cpuMs / downloads,
        cpuMsPerMiB: plan.bytes >= MIB ? cpuMs / ((plan.bytes * downloads) / MIB) : undefined,
        systemShare: (after.system - before.system) / (cpuMs / 1000),
        mbPerSecond: (plan.bytes * downloads) / seconds / 1e6,
      });
    }
  } finally {
    api.kill('SIGTERM');
    await new Promise((done) => api.once('exit', done));
    rmSync(dataDir, { recursive: true, force: true });
  }
  return measured;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

async function main(): Promise<void> {
  const version = (await run(values.node, ['--version'])).stdout.trim();
  const load = loadavg()[0]?.toFixed(1);
  // Builds measured in turn, `repeat` times over, so that they share the machine's moods.
  const runs = new Map<string, Measured[][]>(dists.map((dist) => [dist, []]));
  for (let round = 0; round < repeat; round++) {
    for (const dist of dists) {
      const profileDir = values.profile && round === 0 ? resolve(values.profile) : undefined;
      runs.get(dist)?.push(await measureBuild(dist, profileDir));
    }
  }
  console.log(
    `API under Node ${version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load average ${load} → ${loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}; median of ${repeat} run(s) per build\n`,
  );
  console.log(
    '| build | document | downloads | API CPU ms/download | API CPU ms/MiB | of which system | MB/s |',
  );
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [dist, results] of runs) {
    for (const plan of plans) {
      const of = results.map((result) => result.find((row) => row.plan === plan.label) as Measured);
      const perMiB = of.map((row) => row.cpuMsPerMiB).filter((value) => value !== undefined);
      console.log(
        `| ${dist} | ${plan.label} | ${plan.downloads * roundsFactor} | ${median(of.map((row) => row.cpuMsPerDownload)).toFixed(2)} | ${perMiB.length ? median(perMiB).toFixed(2) : '–'} | ${(median(of.map((row) => row.systemShare)) * 100).toFixed(0)} % | ${median(of.map((row) => row.mbPerSecond)).toFixed(0)} |`,
      );
    }
  }
  if (values.profile) {
    const dir = resolve(values.profile);
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
      const summary = summariseProfile(join(dir, file), 30);
      console.log(`\nprofile ${join(dir, file)}: ${summary.totalMs.toFixed(0)} ms sampled`);
      for (const f of summary.functions)
        console.log(
          `${f.ms.toFixed(0).padStart(7)} ms ${(f.share * 100).toFixed(1).padStart(5)} %  ${f.name}`,
        );
    }
  }
}

await main();
