/**
 * `npm run bench` runs the quick benchmarks one after the other, each in its own process, and says which
 * report each one wrote; `npm run bench -- NAME …` runs the ones named, `npm run bench -- --list` lists them
 * all. A benchmark's own options (seconds, connections, --no-write …) are given by running its file directly:
 * bench/README.md says how.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { paths } from '../src/common/project-files.js';
import { WRK } from './lib/wrk.js';

interface Bench {
  file: string;
  measures: string;
  report: string;
  /** In the default run: minutes at most, no container, no long cluster run. */
  quick: boolean;
  needsWrk: boolean;
  /** Runs the compiled code (dist/), so `npm run build` must have run. */
  needsBuild: boolean;
}

const BENCHES: Record<string, Bench> = {
  'api-local': {
    file: 'api-local.ts',
    measures: 'document API upload, check, authenticate and download with the local store; argon2id hashes/s',
    report: 'bench/results/api.md',
    quick: true,
    needsWrk: true,
    needsBuild: false,
  },
  'api-s3': {
    file: 'api-s3.ts',
    measures: 'S3 store put, metadata, download and range reads against a private radosgw',
    report: 'bench/results/s3.md',
    quick: true,
    needsWrk: false,
    needsBuild: false,
  },
  'frontend-landing': {
    file: 'frontend-landing.ts',
    measures: 'landing page throughput of the frontend beside a bare node:http server',
    report: 'bench/results/frontend.md',
    quick: true,
    needsWrk: true,
    needsBuild: false,
  },
  'lean-landing': {
    file: 'lean-landing.ts',
    measures:
      'landing page CPU and req/s of the frontend against a hand-written lean reference and bare node:http; ' +
      'the other pages; worker memory after 50,000 pages; a CPU profile by concern',
    report: 'bench/results/lean-pages.md',
    quick: false,
    needsWrk: true,
    needsBuild: true,
  },
  'landing-allocations': {
    file: 'landing-allocations.ts',
    measures: "what a frontend worker allocates per landing page, by function (the collector's work)",
    report: 'the terminal (a diagnostic; figures quoted in bench/results/lean-pages.md)',
    quick: false,
    needsWrk: true,
    needsBuild: true,
  },
  'server-runtime': {
    file: 'server-runtime.ts',
    measures:
      '1,000 keep-alive connections on one worker, landing throughput by worker count, container start',
    report: 'bench/results/server.md',
    quick: false,
    needsWrk: true,
    needsBuild: false,
  },
  'runtime-footprint': {
    file: 'runtime-footprint.ts',
    measures: 'memory, start-up time and throughput of the production runtime (and its container)',
    report: 'bench/results/runtime.md',
    quick: false,
    needsWrk: true,
    needsBuild: true,
  },
  'large-files': {
    file: 'large-files.ts',
    measures:
      '4 concurrent 100 MiB streamed uploads then downloads (local, radosgw): MB/s, CPU/MiB, peak RSS; 2 MiB JSON uploads',
    report: 'bench/results/large-files.md',
    quick: false,
    needsWrk: false,
    needsBuild: true,
  },
  scale: {
    file: 'scale.ts',
    measures: 'replicas behind HAProxy under journeys with each fault injected once (about 7 minutes)',
    report: 'bench/results/scale.md',
    quick: false,
    needsWrk: false,
    needsBuild: true,
  },
};

/** Why a benchmark cannot run here, in one line, or undefined when it can. */
function missingPrerequisite(bench: Bench): string | undefined {
  if (bench.needsWrk) {
    try {
      accessSync(WRK, constants.X_OK);
    } catch {
      return `it drives the load with wrk, which is not at ${WRK}: apt-get install wrk, or set WRK`;
    }
  }
  if (bench.needsBuild && !existsSync(join(paths.root, 'dist', 'src', 'bin', 'api.js'))) {
    return 'it runs the compiled code: run `npm run build` first';
  }
  return undefined;
}

function main(args: string[]): number {
  if (args.includes('--list')) {
    for (const [name, bench] of Object.entries(BENCHES)) {
      console.log(`${name}${bench.quick ? ' (quick)' : ''}: ${bench.measures} → ${bench.report}`);
    }
    return 0;
  }
  const unknown = args.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    console.error(`No benchmark named ${unknown.join(', ')}: npm run bench -- --list names them`);
    return 2;
  }
  const names = args.length > 0 ? args : Object.keys(BENCHES).filter((name) => BENCHES[name]?.quick);
  for (const name of names) {
    const bench = BENCHES[name]!;
    const missing = missingPrerequisite(bench);
    if (missing) {
      console.error(`Cannot run ${name}: ${missing}`);
      return 1;
    }
  }
  for (const name of names) {
    const bench = BENCHES[name]!;
    console.log(`\n== ${name}: ${bench.measures}`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(paths.root, 'bench', bench.file)], {
      cwd: paths.root,
      stdio: 'inherit',
    });
    if (run.status !== 0) {
      console.error(`${name} failed (exit ${run.status ?? run.signal}); the reports before it were written`);
      return 1;
    }
    console.log(`== ${name}: wrote ${bench.report}`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
