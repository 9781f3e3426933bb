// Running at scale, short version: the "Running at scale" layout for real on 127.0.0.1 (HAProxy with deploy/haproxy.cfg,
// two frontend and two API replicas of the compiled dist/ with 2 workers each, one radosgw bucket, one Redis),
// recipients' journeys in parallel, and each fault once: kill -9 of an API replica, rolling restarts of the
// frontends, Redis and radosgw outages, a frontend replica that accepts TCP but answers no HTTP.
// It fails on any lost document, any corrupt byte, any dishonest answer during a fault (a hang, a lie, a broken
// body) and any error at all outside the fault windows. `npx tsx bench/scale.ts` is the long run.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster, HAPROXY, HAPROXY_SERVER_MARGIN_SECONDS } from '../../harness/scale/cluster.js';
import { LoadDriver, verifyAll, waitedMs, type RequestRecord } from '../../harness/scale/driver.js';
import { projectRoot } from '../../harness/scale/processes.js';
import { reportMarkdown, runScenario, targetOf } from '../../harness/scale/scenario.js';

const REQUEST_TIMEOUT_SECONDS = 10;
const RATE_LIMIT = 10;
// A request with no complete answer (success or honest error) within the replicas' deadline plus HANG_MARGIN_MS
// hangs: the driver gives up on it then (outcome `timeout`, dishonest) and the test fails. Within the deadline a
// replica answers by itself (the API's 504 JSON, the frontend's 504 page; the frontend's calls to the API are cut
// at its own deadline). A request caught in a stopped worker waits for the watchdog (half the deadline, 5 s here,
// looked at every half second) and is then resent to the other replica (by HAProxy for a GET, by the driver for a
// POST, within the same deadline). The 3 s margin is for scheduling on a shared, loaded 2-CPU machine. It is below
// HAProxy's own margin on purpose: HAProxy's `timeout server` is the deadline plus 5 s (deploy/haproxy.cfg,
// cluster.ts), so that HAProxy only ever cuts a replica that stopped answering. An answer that needed HAProxy's
// timeout came after the replicas' deadline: a hang. The driver has given up before then, and it counts a 504
// from HAProxy as a timeout anyway.
const HANG_MARGIN_MS = 3000;
const DEADLINE_MS = REQUEST_TIMEOUT_SECONDS * 1000 + HANG_MARGIN_MS;

const brief = (requests: RequestRecord[]) =>
  requests.map(
    (r) =>
      `${new Date(r.start).toISOString()} ${r.step} ${r.outcome} ${r.status} ${r.replica} ${r.end - r.start} ms ${r.detail ?? ''}`,
  );

describe('running at scale: replicas behind HAProxy, faults under load', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    if (!existsSync(HAPROXY)) {
      throw new Error(
        'The scale test needs HAProxy: apt-get install -y haproxy (or make system-deps as root)',
      );
    }
    if (!existsSync(join(projectRoot, 'dist', 'src', 'bin', 'api.js'))) {
      throw new Error('The scale test runs the compiled apps: npm run build first');
    }
    const logDir = join(projectRoot, 'test-output', 'scale-logs');
    mkdirSync(logDir, { recursive: true });
    cluster = new Cluster({
      requestTimeoutSeconds: REQUEST_TIMEOUT_SECONDS,
      rateLimit: RATE_LIMIT,
      workersPerReplica: 2,
      logDir,
    });
    await cluster.start();
  }, 300_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 120_000);

  it('loses nothing, serves no broken byte and answers honestly through every fault', async () => {
    const driver = new LoadDriver(targetOf(cluster), {
      journeys: 3,
      background: 2,
      requestDeadlineMs: DEADLINE_MS,
      emailShare: 0.5,
      backgroundPauseMs: 150,
      maxFileBytes: 48 * 1024,
    });
    const result = await runScenario(
      cluster,
      driver,
      {
        quietMs: 8000,
        outageMs: 10_000,
        graceMs: 5000,
        settleMs: 6000,
        burst: RATE_LIMIT * 3,
        log: (message) => console.log(`[scale] ${message}`),
      },
      DEADLINE_MS,
    );
    const lost = await verifyAll(driver);
    const report = reportMarkdown(result);
    writeFileSync(join(projectRoot, 'test-output', 'scale.md'), `${report}\n`);
    writeFileSync(
      join(projectRoot, 'test-output', 'scale-requests.json'),
      JSON.stringify({ windows: result.windows, requests: driver.requests }),
    );
    console.log(report);

    // Nothing lost: every upload that got a 201 downloads byte-identical at the end.
    expect(driver.documents.length).toBeGreaterThan(20);
    expect.soft(lost, 'documents not downloadable byte-identical at the end').toEqual([]);
    // No partial or corrupt body, ever.
    expect.soft(brief(driver.requests.filter((r) => r.outcome === 'corrupt'))).toEqual([]);
    // During each fault: successes or honest errors only (never a hang, a lie or a broken body).
    for (const summary of result.summaries) {
      expect.soft(brief(summary.dishonest), summary.name).toEqual([]);
    }
    // A dependency outage is no bug: the frontend says the service is unavailable (503), never its 500 page.
    for (const window of result.windows.filter((w) => /^(redis-server|radosgw) /.test(w.name))) {
      const frontend500s = driver.requests.filter(
        (r) =>
          r.replica.startsWith('web') && r.status === 500 && r.start <= window.end && r.end >= window.start,
      );
      expect.soft(brief(frontend500s), `frontend 500 pages: ${window.name}`).toEqual([]);
    }
    // Never a hang: no recipient waited past the deadline for any answer, in any window or outside them.
    expect(DEADLINE_MS).toBeLessThan((REQUEST_TIMEOUT_SECONDS + HAPROXY_SERVER_MARGIN_SECONDS) * 1000);
    for (const summary of [...result.summaries, result.outside]) {
      expect.soft(summary.longestWaitMs, `longest wait (ms): ${summary.name}`).toBeLessThan(DEADLINE_MS);
    }
    const longest = driver.requests.reduce((max, r) => Math.max(max, waitedMs(r)), 0);
    expect
      .soft(longest, 'longest wait (ms) of any request, the final checks included')
      .toBeLessThan(DEADLINE_MS);
    // Outside the fault windows: no error at all.
    const outsideErrors = driver.requests.filter(
      (r) =>
        r.step !== 'final-check' &&
        r.outcome !== 'ok' &&
        !result.windows.some((w) => r.start <= w.end && r.end >= w.start),
    );
    expect.soft(brief(outsideErrors), 'errors outside the fault windows').toEqual([]);
    // The rate limit is exact across two replicas and four workers, fails closed without Redis, and counts
    // from zero once an empty Redis is back.
    const { before, whileDown, after, burst } = result.rateLimit;
    expect.soft(before, 'rate limit before the faults').toEqual({
      '200': RATE_LIMIT,
      '429': burst - RATE_LIMIT,
    });
    expect.soft(whileDown, 'authenticate while Redis is down').toEqual({ '503': 5 });
    expect.soft(after, 'rate limit after Redis came back empty').toEqual({
      '200': RATE_LIMIT,
      '429': burst - RATE_LIMIT,
    });
  }, 600_000);
});
