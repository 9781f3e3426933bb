// The metrics hook counts every response once, however often the registry is read in between.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { metricsPlugin, observeUpstream, workerRegistry } from '../../src/server/metrics.js';

const app = Fastify();
let base = '';
beforeAll(async () => {
  await app.register(metricsPlugin);
  app.get('/counted/:id', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => app.close());

const line = (metrics: string, name: string, labels: string) =>
  new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(metrics)?.[1];

describe('metrics hook', () => {
  it('counts and times each response by method, route pattern and status, once', async () => {
    const labels = 'method="GET",route="/counted/:id",status="200"';
    const notFound = 'method="GET",route="unmatched",status="404"';
    for (const id of ['a', 'b', 'c']) expect((await fetch(`${base}/counted/${id}`)).status).toBe(200);
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    let metrics = await workerRegistry.metrics();
    expect(line(metrics, 'http_requests_total', labels)).toBe('3');
    expect(line(metrics, 'http_requests_total', notFound)).toBe('1');
    // Read again with nothing new: the same counts.
    metrics = await workerRegistry.metrics();
    expect(line(metrics, 'http_requests_total', labels)).toBe('3');
    for (const id of ['d', 'e']) await fetch(`${base}/counted/${id}`);
    metrics = await workerRegistry.metrics();
    expect(line(metrics, 'http_requests_total', labels)).toBe('5');
    expect(line(metrics, 'http_request_duration_seconds_count', labels)).toBe('5');
    expect(line(metrics, 'http_request_duration_seconds_bucket', `le="60",${labels}`)).toBe('5');
    expect(line(metrics, 'http_requests_total', notFound)).toBe('1');
  });

  it("reports upstream durations exactly as prom-client's own histogram would, also once aggregated", async () => {
    const reference = new Registry();
    const histogram = new Histogram({
      name: 'upstream_request_duration_seconds',
      help: 'Time of calls to upstream services, by upstream name and status (a number, "timeout" or "error")',
      labelNames: ['upstream', 'status'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [reference],
    });
    const calls: [string, number | 'error', number][] = [
      ['compared-a', 200, 0.004],
      ['compared-a', 200, 0.005],
      ['compared-a', 200, 0.0051],
      ['compared-a', 404, 0.3],
      ['compared-b', 'error', 61],
      ['compared-b', 200, 60],
    ];
    for (const [upstream, status, seconds] of calls) {
      observeUpstream(upstream, status, seconds);
      histogram.observe({ upstream, status: String(status) }, seconds);
    }
    const ours = (text: string) =>
      text
        .split('\n')
        .filter(
          (l) => l.includes('upstream="compared-') || (l.startsWith('# ') && l.includes('upstream_request')),
        );
    const [metrics, expected] = [await workerRegistry.metrics(), await reference.metrics()];
    expect(ours(metrics)).toEqual(ours(expected));
    expect(ours(metrics).length).toBeGreaterThan(40);
    // The primary sums the workers' JSON: two workers' reports, doubled.
    const summed = async (registry: Registry) =>
      ours(
        await AggregatorRegistry.aggregate([
          await registry.getMetricsAsJSON(),
          await registry.getMetricsAsJSON(),
        ]).metrics(),
      );
    expect(await summed(workerRegistry)).toEqual(await summed(reference));
  });
});
