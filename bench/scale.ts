/**
 * The long run of the "Running at scale" layout on 127.0.0.1 (HAProxy with deploy/haproxy.cfg, two
 * frontend and two API replicas of dist/ with 2 workers each, one radosgw bucket, one Redis) under recipients'
 * journeys, each fault injected once and recovered, then every stored document downloaded again.
 *
 *   npm run build && npx tsx bench/scale.ts     # about 7 minutes; writes bench/results/scale.md
 *
 * SCALE_JOURNEYS / SCALE_BACKGROUND (parallel journeys / loops of older-document reads, default 4 / 3),
 * SCALE_QUIET_SECONDS (default 30) and SCALE_SETTLE_SECONDS (default 25) make it longer or heavier. The short
 * version with assertions is test/scale/scale.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Cluster, HAPROXY_SERVER_MARGIN_SECONDS } from '../harness/scale/cluster.js';
import { LoadDriver, verifyAll } from '../harness/scale/driver.js';
import { projectRoot } from '../harness/scale/processes.js';
import { reportMarkdown, runScenario, targetOf } from '../harness/scale/scenario.js';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const REQUEST_TIMEOUT_SECONDS = 10;
const RATE_LIMIT = 10;
// The replicas' deadline plus the scale test's margin for a hang (test/scale/scale.test.ts says why 3 s).
const HANG_MARGIN_MS = 3000;
const DEADLINE_MS = REQUEST_TIMEOUT_SECONDS * 1000 + HANG_MARGIN_MS;
const journeys = number('SCALE_JOURNEYS', 4);
const background = number('SCALE_BACKGROUND', 3);

/** The commit the run measured, and whether src/ differed from it (the replicas run dist/, built from src/). */
function commitDescription(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim();
  const hash = git('rev-parse', '--short', 'HEAD');
  return git('status', '--porcelain', '--', 'src') === ''
    ? `commit ${hash}`
    : `commit ${hash} with uncommitted changes in src/`;
}
const commit = commitDescription();

const logDir = join(projectRoot, 'test-output', 'scale-bench-logs');
mkdirSync(logDir, { recursive: true });
const cluster = new Cluster({
  requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
  rateLimit: RATE_LIMIT,
  workersPerReplica: 2,
  logDir,
});
const stopCluster = () => cluster.stop().finally(() => process.exit(130));
process.once('SIGINT', () => void stopCluster());

const loadBefore = loadavg()[0]!;
try {
  await cluster.start();
  const driver = new LoadDriver(targetOf(cluster), {
    journeys,
    background,
    requestDeadlineMs: DEADLINE_MS,
    emailShare: 0.5,
    backgroundPauseMs: 100,
    maxFileBytes: 256 * 1024,
  });
  const result = await runScenario(
    cluster,
    driver,
    {
      quietMs: number('SCALE_QUIET_SECONDS', 30) * 1000,
      outageMs: 10_000,
      graceMs: 5000,
      settleMs: number('SCALE_SETTLE_SECONDS', 25) * 1000,
      burst: RATE_LIMIT * 5,
      log: (message) => console.log(message),
    },
    DEADLINE_MS,
  );
  const lost = await verifyAll(driver);
  const corrupt = driver.requests.filter((r) => r.outcome === 'corrupt').length;
  const seconds = (result.endedAt - result.startedAt) / 1000;
  const completed = driver.journeys.filter((j) => j.ok).length;
  const text = [
    '# Running at scale: faults under load',
    '',
    `Run ${new Date(result.startedAt).toISOString()} on ${commit} with \`npx tsx bench/scale.ts\`: ` +
      `Node ${process.version}, ` +
      `${cpus().length} CPU(s) shared with other work (load average 1 min before: ${loadBefore.toFixed(1)}, ` +
      `after: ${loadavg()[0]!.toFixed(1)}). HAProxy (deploy/haproxy.cfg) in front of 2 frontend and 2 API ` +
      `replicas (\`entrypoint.sh web|api\`, dist/, WEB_CONCURRENCY=2, HTTP_SERVE_TIMEOUT_SECONDS=` +
      `${REQUEST_TIMEOUT_SECONDS}), one radosgw bucket, one redis-server, all on 127.0.0.1. ${journeys} journeys ` +
      `and ${background} loops of older-document reads in parallel for ${seconds.toFixed(0)} s: ` +
      `${driver.journeys.length} journeys (${completed} completed), ${driver.requests.length} requests, ` +
      `${driver.documents.length} documents stored. The machine is shared with other work, so every ` +
      'time here is a floor, not what a dedicated host would do.',
    '',
    `**Nothing lost:** ${lost.length === 0 ? 'every' : `${driver.documents.length - lost.length} of`} ` +
      `${driver.documents.length} uploads that got a 201 downloaded byte-identical at the end` +
      `${lost.length ? ` (lost: ${lost.join(', ')})` : ''}; corrupt or partial bodies served with a success status: ${corrupt}.`,
    '',
    'A window runs from the fault to 5 s after its recovery; a request or journey belongs to every window it ' +
      'overlaps. "dishonest" counts answers that are not a success or an honest error: a wait past ' +
      `${DEADLINE_MS / 1000} s (the replicas' ${REQUEST_TIMEOUT_SECONDS} s deadline plus ${HANG_MARGIN_MS / 1000} s), ` +
      `HAProxy's 504 (its server timeout, ${REQUEST_TIMEOUT_SECONDS + HAPROXY_SERVER_MARGIN_SECONDS} s: a replica ` +
      "past its own deadline), no answer, a status that lies, a broken body. HAProxy's own 502/503 (no replica " +
      'could answer) shows as replica "<NOSRV>" or the server it gave up on; "none" is a request with no answer. ' +
      'Honest errors: the API\'s 503/504 JSON, the frontend\'s 503 page "Sorry, the service is unavailable" (an ' +
      'upstream said 503: Redis or S3 down behind it) or its 500/504 page "Sorry, there’s a problem with the ' +
      'service", HAProxy\'s own 502/503, a body cut short by a killed replica (never served as a success), and a ' +
      'connection closed before any answer (resent once, as a browser does, within the same deadline). "longest ' +
      'wait" is the longest a recipient waited for one answer, a resent request from its first attempt. "s to ' +
      'zero errors" runs from the recovery to the start of the last failed request of the window.',
    '',
    reportMarkdown(result),
    '',
  ].join('\n');
  writeFileSync(
    join(logDir, 'requests.json'),
    JSON.stringify({ windows: result.windows, requests: driver.requests }),
  );
  const out = join(projectRoot, 'bench', 'results', 'scale.md');
  writeFileSync(out, text);
  console.log(text);
  console.log(`written to ${out}; process logs and every request in ${logDir}`);
} finally {
  await cluster.stop();
}
