import fastifyPlugin from 'fastify-plugin';
import cluster from 'node:cluster';
import type { FastifyPluginAsync } from 'fastify';
import {
  AggregatorRegistry,
  Counter,
  type Metric,
  type MetricValueWithName,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';
import { isPrimaryMessage, type MetricsJson, type WorkerMessage } from './messages.js';
import type { MetricsExposition } from './metrics-server.js';

/**
 * Prometheus metrics. Each worker records into its own registry; the primary's metrics listener
 * (METRICS_PORT, see metrics-server.ts) collects every worker's registry over IPC, adds its own (worker
 * restarts) and answers with the sum. The apps' public ports do not serve metrics.
 * Labels never hold a URL: routes are the route pattern (`/d/:service/:document`), so no key reaches a label.
 */
export const workerRegistry = new Registry();
let defaultMetricsStarted = false;

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type ResponseLabels = Readonly<Record<'method' | 'route' | 'status', string>>;

/**
 * Durations in fixed buckets, kept per label set by the caller and read out as prom-client's histogram JSON. A
 * prom-client Histogram checks and hashes the labels and makes closures on every observation (three per journey
 * page); here an observation finds its bucket and adds to two numbers.
 */
class Durations {
  /** Observations per bucket (not cumulative); the last one counts those above every bound. */
  private readonly counts = new Float64Array(DURATION_BUCKETS.length + 1);
  private sum = 0;
  private count = 0;

  constructor(readonly labels: Readonly<Record<string, string>>) {}

  observe(seconds: number): void {
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > (DURATION_BUCKETS[bucket] as number)) bucket += 1;
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.sum += seconds;
    this.count += 1;
  }

  /** The same values, in the same order, as a prom-client Histogram reports for one label set. */
  values(name: string): MetricValueWithName<string>[] {
    const values: MetricValueWithName<string>[] = [];
    let cumulative = 0;
    DURATION_BUCKETS.forEach((bound, i) => {
      cumulative += this.counts[i] as number;
      values.push({ labels: { le: bound, ...this.labels }, value: cumulative, metricName: `${name}_bucket` });
    });
    values.push(
      { labels: { le: '+Inf', ...this.labels }, value: this.count, metricName: `${name}_bucket` },
      { labels: { ...this.labels }, value: this.sum, metricName: `${name}_sum` },
      { labels: { ...this.labels }, value: this.count, metricName: `${name}_count` },
    );
    return values;
  }
}

/**
 * What a registry reads from a metric: its name, help, type and aggregator, and `get()` (prom-client's declared
 * types list only its own classes, whose JSON this matches).
 */
interface HistogramMetric {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  get(): Promise<Omit<HistogramMetric, 'get'> & { values: MetricValueWithName<string>[] }>;
}

/** A histogram metric in workerRegistry, its label sets' Durations held by whoever observes them. */
function registerHistogram(name: string, help: string, durations: () => Iterable<Durations>): void {
  const metric: HistogramMetric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: MetricValueWithName<string>[] = [];
      for (const series of durations()) values.push(...series.values(name));
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  };
  workerRegistry.registerMetric(metric as unknown as Metric);
}

/** The responses of one method, route pattern and status: counted here, added to the counter when it is read. */
interface ResponseSeries {
  readonly labels: ResponseLabels;
  answered: number;
  counted: number;
  readonly durations: Durations;
}
const allSeries: ResponseSeries[] = [];

// Registered in workerRegistry: it needs no name here.
new Counter({
  name: 'http_requests_total',
  help: 'HTTP requests answered, by method, route pattern and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [workerRegistry],
  // Runs whenever the registry is read: an increment per response costs a number, not a label lookup.
  collect() {
    for (const series of allSeries) {
      if (series.answered === series.counted) continue;
      this.inc(series.labels, series.answered - series.counted);
      series.counted = series.answered;
    }
  },
});

registerHistogram(
  'http_request_duration_seconds',
  'Time to answer an HTTP request, by method, route pattern and status',
  () => allSeries.map((series) => series.durations),
);

/** Upstream calls' durations by upstream name, then status. */
const upstreamDurations = new Map<string, Map<number | string, Durations>>();

registerHistogram(
  'upstream_request_duration_seconds',
  'Time of calls to upstream services, by upstream name and status (a number, "timeout" or "error")',
  function* () {
    for (const byStatus of upstreamDurations.values()) yield* byStatus.values();
  },
);

/** Records one upstream call: `upstream` is a fixed name ("service-directory", "document-api"), never a URL. */
export function observeUpstream(
  upstream: string,
  status: number | 'timeout' | 'error',
  seconds: number,
): void {
  let byStatus = upstreamDurations.get(upstream);
  if (!byStatus) upstreamDurations.set(upstream, (byStatus = new Map()));
  let durations = byStatus.get(status);
  if (!durations) byStatus.set(status, (durations = new Durations({ upstream, status: String(status) })));
  durations.observe(seconds);
}

/** Starts a timer for an upstream call; call the result with the outcome when the call ends. */
export function startUpstreamTimer(upstream: string): (status: number | 'timeout' | 'error') => void {
  const started = process.hrtime.bigint();
  return (status) => observeUpstream(upstream, status, Number(process.hrtime.bigint() - started) / 1e9);
}

/** Series already seen, by method, route and status: no new objects per response. */
const seriesByMethod = new Map<string, Map<string | undefined, Map<number, ResponseSeries>>>();

/** The series of a response. Few of them: HTTP methods, the app's route patterns (or none), statuses. */
function responseSeries(method: string, route: string | undefined, status: number): ResponseSeries {
  let byRoute = seriesByMethod.get(method);
  if (!byRoute) seriesByMethod.set(method, (byRoute = new Map()));
  let byStatus = byRoute.get(route);
  if (!byStatus) byRoute.set(route, (byStatus = new Map()));
  let series = byStatus.get(status);
  if (!series) {
    const labels = { method, route: route ?? 'unmatched', status: String(status) };
    series = { labels, answered: 0, counted: 0, durations: new Durations(labels) };
    byStatus.set(status, series);
    allSeries.push(series);
  }
  return series;
}

/**
 * Counts and times every response of the app it is registered on, by route pattern and status (fastify-plugin:
 * its hook is not encapsulated). Register it before `ready()`, before or after the routes: Fastify gives routes
 * their hooks at ready.
 */
export const metricsPlugin: FastifyPluginAsync = fastifyPlugin(
  async (app) => {
    if (!defaultMetricsStarted) {
      defaultMetricsStarted = true;
      collectDefaultMetrics({ register: workerRegistry });
    }
    app.addHook('onResponse', (request, reply, done) => {
      const series = responseSeries(request.method, request.routeOptions.url, reply.statusCode);
      series.answered += 1;
      series.durations.observe(reply.elapsedTime / 1000);
      done();
    });
  },
  { name: 'metrics', fastify: '5.x' },
);
let workerListenerAdded = false;

/** In a worker: answers the primary's collection requests with this worker's registry. */
export function listenInWorker(): void {
  if (workerListenerAdded || !cluster.isWorker) return;
  workerListenerAdded = true;
  process.on('message', (message: unknown) => {
    if (isPrimaryMessage(message) && message.type === 'dd:metrics-collect') {
      void workerRegistry.getMetricsAsJSON().then((metrics) => {
        process.send?.({ type: 'dd:metrics-report', id: message.id, metrics } satisfies WorkerMessage);
      });
    }
  });
}

/** The primary's own metrics, from its counts: worker restarts by reason. */
export function createPrimaryMetrics(restarts: Record<'exit' | 'blocked', number>): Registry {
  const registry = new Registry();
  const workerRestarts = new Counter({
    name: 'worker_restarts_total',
    help: 'Workers replaced after they died, by reason ("exit" or "blocked")',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  for (const [reason, count] of Object.entries(restarts)) workerRestarts.inc({ reason }, count);
  return registry;
}

/** Sums the workers' reports and the primary's registry into one exposition. */
export async function aggregateMetrics(
  reports: MetricsJson[],
  primary: Registry,
): Promise<MetricsExposition> {
  const aggregated = AggregatorRegistry.aggregate([...reports, await primary.getMetricsAsJSON()]);
  return { text: await aggregated.metrics(), contentType: aggregated.contentType };
}
