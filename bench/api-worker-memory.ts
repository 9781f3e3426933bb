/**
 * One document API worker's memory with the local store, idle and after load, run by hand after `npm run build`:
 *
 *   npx tsx bench/api-worker-memory.ts [--runs 3] [--requests 2000]
 *
 * Starts `entrypoint.sh api` (the built code, as production runs it) with 2 workers on the local store,
 * waits until both say they listen and 3 s more, reads each worker's RSS and private pages (/proc/PID/smaps_rollup), uploads
 * 20 documents (100 KB PDFs), then sends `--requests` file checks and downloads (half each, 16 at a time) and
 * reads the memory again. Prints one Markdown table row per run and the medians; writes nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { paths } from '../src/common/project-files.js';
import { freePort } from '../harness/ports.js';
import { pdfOfSize } from '../harness/samples.js';
import { childrenOf, privateBytes, rssBytes } from './lib/proc-memory.js';

const { values: options } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    requests: { type: 'string', default: '2000' },
  },
});
const MB = 1024 * 1024;
const TOKEN = 'bench-token';
const SERVICE = '00000000-1111-2222-3333-444444444444';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Resident {
  rss: number;
  private: number;
}

function residentOf(pid: number): Resident {
  return { rss: rssBytes(pid), private: privateBytes(pid) };
}

interface Run {
  idle: Resident[];
  loaded: Resident[];
  requests: number;
  errors: number;
}

async function run(requestCount: number): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'dd-worker-memory-'));
  const port = await freePort();
  const child = spawn(join(paths.root, 'entrypoint.sh'), ['api'], {
    cwd: paths.root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: '2',
      NOTIFY_ENVIRONMENT: 'test',
      AUTH_TOKENS: TOKEN,
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'false',
      DOCUMENT_STORE: 'local',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      FRONTEND_HOSTNAME: 'frontend.test',
      DOCUMENT_DOWNLOAD_API_HOSTNAME: 'download.frontend.test',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let started = 0;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    started += chunk.split('"event":"worker_started"').length - 1;
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    for (let waited = 0; ; waited += 100) {
      const ok = await fetch(`${base}/_status`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      if (waited > 60_000 || child.exitCode !== null) throw new Error('the API did not start');
      await sleep(100);
    }
    while (started < 2) await sleep(100);
    await sleep(3000);
    const workers = childrenOf(child.pid!);
    const idle = workers.map(residentOf);

    const pdf = pdfOfSize(100 * 1024).toString('base64');
    const documents = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const response = await fetch(`${base}/services/${SERVICE}/documents`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ document: pdf }),
        });
        if (response.status !== 201) throw new Error(`upload answered ${response.status}`);
        const { document } = (await response.json()) as { document: { id: string; direct_file_url: string } };
        return { id: document.id, key: new URL(document.direct_file_url).searchParams.get('key')! };
      }),
    );
    let next = 0;
    let errors = 0;
    const client = async () => {
      while (next < requestCount) {
        const turn = next++;
        const document = documents[turn % documents.length]!;
        const path = `/services/${SERVICE}/documents/${document.id}${turn % 2 === 0 ? '/check' : '.pdf'}`;
        const response = await fetch(`${base}${path}?key=${document.key}`, {
          headers: { Authorization: `Bearer ${TOKEN}` },
        });
        await response.arrayBuffer();
        if (response.status !== 200) errors += 1;
      }
    };
    await Promise.all(Array.from({ length: 16 }, client));
    const loaded = workers.map(residentOf);
    return { idle, loaded, requests: requestCount, errors };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const mb = (bytes: number) => (bytes / MB).toFixed(1);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cells = (residents: Resident[]) => residents.map((r) => `${mb(r.rss)} (${mb(r.private)})`).join(', ');

const runs: Run[] = [];
process.stdout.write('| run | idle | after load | requests | errors |\n| --- | --- | --- | ---: | ---: |\n');
for (let index = 0; index < Number(options.runs); index += 1) {
  const result = await run(Number(options.requests));
  runs.push(result);
  process.stdout.write(
    `| ${index + 1} | ${cells(result.idle)} | ${cells(result.loaded)} | ${result.requests} | ${result.errors} |\n`,
  );
}
const all = (pick: (run: Run) => Resident[], field: keyof Resident) =>
  median(runs.flatMap((r) => pick(r).map((resident) => resident[field])));
process.stdout.write(
  `median worker RSS idle ${mb(all((r) => r.idle, 'rss'))} MB (private ${mb(all((r) => r.idle, 'private'))}), ` +
    `after load ${mb(all((r) => r.loaded, 'rss'))} MB (private ${mb(all((r) => r.loaded, 'private'))})\n`,
);
