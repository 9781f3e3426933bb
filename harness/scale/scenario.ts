// The scale layout's faults (an API replica killed, a rolling restart, Redis or radosgw stopped, a frontend
// replica hung), injected one at a time while the load driver runs, each recovered before the next; then what
// every window saw. Shared by test/scale/scale.test.ts (short) and bench/scale.ts (long).
import { type Cluster } from './cluster.js';
import type { LoadDriver } from './driver.js';
import {
  authenticateBurst,
  HONEST_ERRORS,
  type JourneyRecord,
  type Outcome,
  type RequestRecord,
  type StoredDocument,
  waitedMs,
} from './driver.js';
import { isAlive, signalPid, sleep, waitFor } from './processes.js';

export interface ScenarioOptions {
  /** Load before the first fault and after the last one. */
  quietMs: number;
  /** How long a stopped dependency (API replica, Redis, radosgw) stays down. */
  outageMs: number;
  /** After a fault is recovered: requests that overlap this grace still belong to the fault. */
  graceMs: number;
  /** Then load with no fault at all before the next one: any error there fails the run. */
  settleMs: number;
  /** Authenticate attempts fired at once on one document by the rate-limit checks. */
  burst: number;
  log: (message: string) => void;
}

export interface FaultWindow {
  name: string;
  start: number;
  recovered: number;
  end: number;
  notes: string[];
}

export interface RateLimitFindings {
  limit: number;
  burst: number;
  before: Record<string, number>;
  whileDown: Record<string, number>;
  whileDownLongestMs: number;
  after: Record<string, number>;
}

export interface WindowSummary {
  name: string;
  journeys: { attempted: number; completed: number; failed: number; reasons: Record<string, number> };
  requests: number;
  errors: number;
  outcomes: Partial<Record<Outcome, number>>;
  fiveXxByStatus: Record<string, number>;
  fiveXxByReplica: Record<string, number>;
  dishonest: RequestRecord[];
  /** The longest a recipient waited for one answer (a resent request from its first attempt). */
  longestWaitMs: number;
  /** From recovery to the start of the last failed request (0 when none failed after recovery). */
  secondsToZeroErrors: number;
  notes: string[];
}

export interface ScenarioResult {
  windows: FaultWindow[];
  summaries: WindowSummary[];
  outside: WindowSummary;
  rateLimit: RateLimitFindings;
  startedAt: number;
  endedAt: number;
}

type Fault = (cluster: Cluster, window: FaultWindow, context: FaultContext) => Promise<void>;

interface FaultContext {
  options: ScenarioOptions;
  driver: LoadDriver;
  rateLimitDoc: StoredDocument;
  rateLimit: RateLimitFindings;
  deadlineMs: number;
}

const since = (window: FaultWindow) => `${((Date.now() - window.start) / 1000).toFixed(1)} s`;

const FAULTS: { name: string; run: Fault }[] = [
  {
    name: 'kill -9 of an API replica (primary and workers), restarted after the outage',
    run: async (cluster, window, { options }) => {
      const api1 = cluster.api[0]!;
      await api1.kill9();
      await cluster.waitServerStatus('api1', 'DOWN', 20_000);
      window.notes.push(`HAProxy marked api1 DOWN after ${since(window)}`);
      await sleep(Math.max(0, options.outageMs - (Date.now() - window.start)));
      await api1.start();
      await cluster.waitServerStatus('api1', 'UP', 30_000);
      window.notes.push(`api1 back UP after ${since(window)}`);
    },
  },
  {
    name: 'rolling restart (SIGHUP) of both frontend replicas, one after the other',
    run: async (cluster, window) => {
      for (const replica of cluster.web) {
        await replica.rollingRestart();
        window.notes.push(`${replica.name} rolling restart done after ${since(window)}`);
      }
      await cluster.waitAllUp(30_000);
    },
  },
  {
    name: 'redis-server stopped, then started again empty',
    run: async (cluster, window, { options, rateLimitDoc, rateLimit, deadlineMs }) => {
      await cluster.redis.stop();
      await sleep(1000);
      const started = Date.now();
      rateLimit.whileDown = await authenticateBurst(rateLimitDoc, 5, deadlineMs);
      rateLimit.whileDownLongestMs = Date.now() - started;
      window.notes.push(
        `authenticate while Redis is down: ${format(rateLimit.whileDown)} (${rateLimit.whileDownLongestMs} ms)`,
      );
      await sleep(Math.max(0, options.outageMs - (Date.now() - window.start)));
      await cluster.redis.start();
      window.notes.push(`redis-server listening again after ${since(window)}`);
    },
  },
  {
    name: 'radosgw stopped, then started again (monitor and OSD keep running)',
    run: async (cluster, window, { options }) => {
      await cluster.radosgw.stopDaemon();
      await sleep(Math.max(0, options.outageMs - (Date.now() - window.start)));
      await cluster.radosgw.startDaemon();
      window.notes.push(`radosgw answering again after ${since(window)}`);
    },
  },
  {
    name: "one frontend replica's workers stopped (SIGSTOP): TCP accepted, no HTTP",
    // Taken out by web2's watchdog (it kills a worker with no heartbeat for half the deadline, at most 5 s) or by
    // HAProxy's health check (two failed checks, about 4.5 to 5.5 s), whichever comes first: both take about as
    // long, and once the watchdog's replacement workers answer, HAProxy may never see a second failed check. The
    // notes say which happened, and when; the other is noted too if it happens before web2 is back.
    run: async (cluster, window) => {
      const web2 = cluster.web[1]!;
      const stopped = web2.workerPids();
      const seen: { watchdog?: string; down?: string } = {};
      const stopListening = web2.child!.onLine((line) => {
        if (seen.watchdog === undefined && line.includes('"event":"worker_blocked"')) {
          seen.watchdog = since(window);
        }
      });
      let watching = true;
      const watchingDown = (async () => {
        while (watching) {
          const status = await cluster.serverStatus('web2').catch(() => '');
          if (seen.down === undefined && status.startsWith('DOWN')) seen.down = since(window);
          await sleep(200);
        }
      })();
      try {
        for (const pid of stopped) signalPid(pid, 'SIGSTOP');
        window.notes.push(`SIGSTOP to web2's workers ${stopped.join(', ')}`);
        await waitFor(
          "web2's watchdog or HAProxy's health check to take web2 out",
          () => seen.watchdog !== undefined || seen.down !== undefined,
          60_000,
        );
        window.notes.push(
          seen.watchdog !== undefined
            ? "taken out first by web2's watchdog"
            : "taken out first by HAProxy's health check",
        );
        // The fault ends: a worker the watchdog killed is gone (SIGCONT does nothing to it), one it did not kill
        // resumes. web2 is back once HAProxy sees it UP with as many workers as before.
        for (const pid of stopped) signalPid(pid, 'SIGCONT');
        await waitFor(
          'web2 to have all its workers again',
          () => web2.workerPids().filter(isAlive).length >= stopped.length,
          60_000,
        );
        await cluster.waitServerStatus('web2', 'UP', 60_000);
      } finally {
        watching = false;
        await watchingDown;
        stopListening();
      }
      const replaced = stopped.filter((pid) => !isAlive(pid)).length;
      window.notes.push(
        seen.watchdog !== undefined
          ? `the watchdog killed ${replaced} of the ${stopped.length} stopped workers (first after ${seen.watchdog})`
          : 'the watchdog killed no worker (they resumed first)',
        seen.down !== undefined
          ? `HAProxy marked web2 DOWN after ${seen.down}`
          : 'HAProxy never marked web2 DOWN (the watchdog replaced the workers first)',
        `web2 back UP after ${since(window)}`,
      );
    },
  },
];

export function targetOf(cluster: Cluster) {
  return {
    frontendUrl: cluster.frontendUrl,
    apiUrl: cluster.apiUrl,
    serviceId: cluster.serviceId,
    authToken: cluster.authToken,
  };
}

function format(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([status, count]) => `${count}×${status}`)
    .join(', ');
}

export async function runScenario(
  cluster: Cluster,
  driver: LoadDriver,
  options: ScenarioOptions,
  deadlineMs: number,
): Promise<ScenarioResult> {
  const startedAt = Date.now();
  const windows: FaultWindow[] = [];
  const limit = cluster.options.rateLimit;
  const rateLimit: RateLimitFindings = {
    limit,
    burst: options.burst,
    before: {},
    whileDown: {},
    whileDownLongestMs: 0,
    after: {},
  };

  driver.start();
  try {
    await sleep(options.quietMs);
    // The document the rate-limit checks hammer: its own, so journeys never meet its limit.
    const rateLimitDoc = await driver.uploadForProbe();
    rateLimit.before = await authenticateBurst(rateLimitDoc, options.burst, deadlineMs);
    options.log(`rate limit before the faults: ${format(rateLimit.before)}`);

    for (const fault of FAULTS) {
      const window: FaultWindow = { name: fault.name, start: Date.now(), recovered: 0, end: 0, notes: [] };
      windows.push(window);
      options.log(`fault: ${fault.name}`);
      await fault.run(cluster, window, { options, driver, rateLimitDoc, rateLimit, deadlineMs });
      window.recovered = Date.now();
      window.end = window.recovered + options.graceMs;
      options.log(`  recovered after ${((window.recovered - window.start) / 1000).toFixed(1)} s`);
      await sleep(options.graceMs + options.settleMs);
      if (fault.run === FAULTS[2]!.run) {
        rateLimit.after = await authenticateBurst(rateLimitDoc, options.burst, deadlineMs);
        options.log(`rate limit after Redis came back: ${format(rateLimit.after)}`);
      }
    }
    await sleep(options.quietMs);
  } finally {
    await driver.stop();
  }
  const endedAt = Date.now();
  return {
    windows,
    summaries: windows.map((window) => summarise(driver, window)),
    outside: summariseOutside(driver, windows, startedAt, endedAt),
    rateLimit,
    startedAt,
    endedAt,
  };
}

const overlaps = (start: number, end: number, window: { start: number; end: number }) =>
  start <= window.end && end >= window.start;

function summarise(driver: LoadDriver, window: FaultWindow): WindowSummary {
  const requests = driver.requests.filter((r) => overlaps(r.start, r.end, window));
  const journeys = driver.journeys.filter((j) => overlaps(j.start, j.end || Date.now(), window));
  return summary(window.name, requests, journeys, window.recovered, window.notes);
}

function summariseOutside(
  driver: LoadDriver,
  windows: FaultWindow[],
  startedAt: number,
  endedAt: number,
): WindowSummary {
  const outside = (start: number, end: number) => !windows.some((w) => overlaps(start, end, w));
  const requests = driver.requests.filter((r) => r.step !== 'final-check' && outside(r.start, r.end));
  const journeys = driver.journeys.filter((j) => outside(j.start, j.end || endedAt));
  void startedAt;
  return summary('no fault (before, between and after the faults)', requests, journeys, 0, []);
}

function summary(
  name: string,
  requests: RequestRecord[],
  journeys: JourneyRecord[],
  recovered: number,
  notes: string[],
): WindowSummary {
  const outcomes: Partial<Record<Outcome, number>> = {};
  const byStatus: Record<string, number> = {};
  const byReplica: Record<string, number> = {};
  const reasons: Record<string, number> = {};
  let lastErrorStart = 0;
  for (const request of requests) {
    outcomes[request.outcome] = (outcomes[request.outcome] ?? 0) + 1;
    if (request.status >= 500) {
      byStatus[request.status] = (byStatus[request.status] ?? 0) + 1;
      const replica = request.replica || 'none';
      byReplica[replica] = (byReplica[replica] ?? 0) + 1;
    }
    if (request.outcome !== 'ok') lastErrorStart = Math.max(lastErrorStart, request.start);
  }
  for (const journey of journeys) {
    if (!journey.ok && journey.reason) reasons[journey.reason] = (reasons[journey.reason] ?? 0) + 1;
  }
  const finished = journeys.filter((j) => j.ok || j.reason);
  return {
    name,
    journeys: {
      attempted: journeys.length,
      completed: finished.filter((j) => j.ok).length,
      failed: finished.filter((j) => !j.ok).length,
      reasons,
    },
    requests: requests.length,
    errors: requests.filter((r) => r.outcome !== 'ok').length,
    outcomes,
    fiveXxByStatus: byStatus,
    fiveXxByReplica: byReplica,
    dishonest: requests.filter((r) => r.outcome !== 'ok' && !HONEST_ERRORS.has(r.outcome)),
    longestWaitMs: requests.reduce((max, r) => Math.max(max, waitedMs(r)), 0),
    secondsToZeroErrors: recovered && lastErrorStart > recovered ? (lastErrorStart - recovered) / 1000 : 0,
    notes,
  };
}

/** The per-fault table, in Markdown. */
export function reportMarkdown(result: ScenarioResult): string {
  const rows = [...result.summaries, result.outside];
  const counts = (record: Record<string, number>) =>
    Object.entries(record)
      .sort(([, a], [, b]) => b - a)
      .map(([key, value]) => `${key}: ${value}`)
      .join(', ') || '–';
  const lines = [
    '| fault | journeys attempted / completed / failed | why they failed | requests / errors (by kind) | 5xx by status | 5xx by replica | dishonest | longest wait | s to zero errors after recovery |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((s) =>
      [
        s.name,
        `${s.journeys.attempted} / ${s.journeys.completed} / ${s.journeys.failed}`,
        counts(s.journeys.reasons),
        s.errors === 0
          ? `${s.requests} / 0`
          : `${s.requests} / ${s.errors} (${counts(
              Object.fromEntries(
                Object.entries(s.outcomes).filter(([outcome]) => outcome !== 'ok'),
              ) as Record<string, number>,
            )})`,
        counts(s.fiveXxByStatus),
        counts(s.fiveXxByReplica),
        s.dishonest.length === 0
          ? '0'
          : counts(
              s.dishonest.reduce<Record<string, number>>((acc, r) => {
                const key = `${r.step} ${r.outcome}${r.status ? ` ${r.status}` : ''}`;
                acc[key] = (acc[key] ?? 0) + 1;
                return acc;
              }, {}),
            ),
        `${(s.longestWaitMs / 1000).toFixed(1)} s`,
        s.name.startsWith('no fault') ? '–' : s.secondsToZeroErrors.toFixed(1),
      ]
        .join(' | ')
        .replace(/^/, '| ')
        .concat(' |'),
    ),
  ];
  const notes = result.summaries.flatMap((s) =>
    s.notes.length ? [`- ${s.name}: ${s.notes.join('; ')}`] : [],
  );
  const rl = result.rateLimit;
  return [
    ...lines,
    '',
    ...notes,
    '',
    `Rate limit (${rl.limit} per document, ${rl.burst} attempts at once on one document, straight to the API ` +
      `load balancer): before the faults ${format(rl.before)}; while Redis was down ${format(rl.whileDown)} ` +
      `(the burst took ${rl.whileDownLongestMs} ms); after Redis came back empty ${format(rl.after)}.`,
  ].join('\n');
}
