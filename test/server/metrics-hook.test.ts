// The metrics hook counts every response once, however often the registry is read in between.
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsPlugin, workerRegistry } from '../../src/server/metrics.js';

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
});
