import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newTraceId } from '../../src/common/tracing.js';
import {
  NOT_FOUND_TTL_MS,
  ServiceDirectoryClient,
  type ServiceDirectoryOptions,
} from '../../src/frontend/clients/service-directory.js';
import { JsonUpstream } from '../../src/frontend/clients/upstream.js';
import { RecordingServer } from '../helpers/recording-server.js';

// The service cache on a clock the test moves, against a real local directory that records every lookup.
const directory = new RecordingServer();
let upstream: JsonUpstream;
let clock: number;
const KNOWN = new Set<string>();

beforeAll(async () => {
  upstream = new JsonUpstream('service-directory', await directory.start());
});
afterAll(async () => {
  await upstream.close();
  await directory.stop();
});
beforeEach(() => {
  directory.reset();
  clock = 1_700_000_000_000;
  KNOWN.clear();
  directory.handler = (request) => {
    const id = request.url.split('/').pop() ?? '';
    return KNOWN.has(id)
      ? { status: 200, json: { data: { name: `Service ${id.slice(0, 4)}`, contact_link: '' } } }
      : { status: 404, json: { result: 'error', message: 'No result found' } };
  };
});

function serviceId(n: number): string {
  return `${String(n).padStart(8, '0')}-0b52-4a7d-9c1e-5f0a2b3c4d5e`;
}

function client(options: Partial<ServiceDirectoryOptions> = {}): ServiceDirectoryClient {
  return new ServiceDirectoryClient(upstream, {
    clientId: 'notify-admin',
    clientSecret: 'secret',
    now: () => clock,
    ...options,
  });
}

const context = () => ({
  trace: { traceId: newTraceId(), spanId: '0123456789abcdef' },
  signal: new AbortController().signal,
});

function lookups(id: string): number {
  return directory.requests.filter((r) => r.url === `/service/${id}`).length;
}

describe('the service cache', () => {
  it('serves a found service up to its TTL and never after', async () => {
    const services = client({ cacheTtlMs: 30_000 });
    KNOWN.add(serviceId(1));
    expect(await services.getService(serviceId(1), context())).toEqual({
      name: 'Service 0000',
      contactLink: '',
    });
    clock += 30_000;
    await services.getService(serviceId(1), context());
    expect(lookups(serviceId(1))).toBe(1);
    clock += 1;
    await services.getService(serviceId(1), context());
    expect(lookups(serviceId(1))).toBe(2);
  });

  it('counts the TTL from when it asked, however long the directory took to answer', async () => {
    const services = client({ cacheTtlMs: 30_000 });
    KNOWN.add(serviceId(1));
    const answer = directory.handler;
    directory.handler = (request) => {
      clock += 20_000; // the directory answers 20 s after being asked
      return answer(request);
    };
    await services.getService(serviceId(1), context());
    directory.handler = answer;
    clock += 10_000; // 30 s after asking
    await services.getService(serviceId(1), context());
    expect(lookups(serviceId(1))).toBe(1);
    clock += 1;
    await services.getService(serviceId(1), context());
    expect(lookups(serviceId(1))).toBe(2);
  });

  it('does not keep an answer that arrives after its TTL', async () => {
    const services = client({ cacheTtlMs: 1_000 });
    KNOWN.add(serviceId(1));
    const answer = directory.handler;
    directory.handler = (request) => {
      clock += 1_000;
      return answer(request);
    };
    await services.getService(serviceId(1), context());
    await services.getService(serviceId(1), context());
    expect(lookups(serviceId(1))).toBe(2);
  });

  it('remembers an unknown service briefly, so repeats of a made-up id do not each reach the directory', async () => {
    const services = client({ cacheTtlMs: 30_000 });
    for (let i = 0; i < 5; i += 1) expect(await services.getService(serviceId(9), context())).toBeUndefined();
    expect(lookups(serviceId(9))).toBe(1);
    clock += NOT_FOUND_TTL_MS + 1;
    KNOWN.add(serviceId(9)); // added to the directory since
    expect(await services.getService(serviceId(9), context())).toBeDefined();
    expect(lookups(serviceId(9))).toBe(2);
  });

  it('never remembers an unknown service for longer than the TTL itself', async () => {
    const services = client({ cacheTtlMs: 1_000 });
    await services.getService(serviceId(9), context());
    clock += 1_001;
    await services.getService(serviceId(9), context());
    expect(lookups(serviceId(9))).toBe(2);
  });

  it('holds a bounded number of services, evicting the least recently used', async () => {
    const services = client({ cacheTtlMs: 30_000, cacheMaxEntries: 3 });
    for (const n of [1, 2, 3, 4]) KNOWN.add(serviceId(n));
    for (const n of [1, 2, 3]) await services.getService(serviceId(n), context());
    await services.getService(serviceId(1), context()); // 1 is now the most recently used
    await services.getService(serviceId(4), context()); // evicts 2
    for (const n of [1, 3, 4]) await services.getService(serviceId(n), context());
    expect([1, 2, 3, 4].map((n) => lookups(serviceId(n)))).toEqual([1, 1, 1, 1]);
    await services.getService(serviceId(2), context());
    expect(lookups(serviceId(2))).toBe(2);
  });

  it('keeps real services however many unknown ids are tried', async () => {
    const services = client({ cacheTtlMs: 30_000, cacheMaxEntries: 3 });
    KNOWN.add(serviceId(1));
    await services.getService(serviceId(1), context());
    for (let n = 100; n < 120; n += 1) await services.getService(serviceId(n), context());
    await services.getService(serviceId(1), context());
    expect(lookups(serviceId(1))).toBe(1);
    await services.getService(serviceId(100), context()); // long since evicted from the bounded 404 cache
    expect(lookups(serviceId(100))).toBe(2);
  });

  it('does not remember failures', async () => {
    const services = client({ cacheTtlMs: 30_000 });
    directory.handler = () => ({ status: 500, json: { error: 'boom' } });
    await expect(services.getService(serviceId(1), context())).rejects.toThrow();
    await expect(services.getService(serviceId(1), context())).rejects.toThrow();
    expect(lookups(serviceId(1))).toBe(2);
  });

  it("asks on every request with a TTL of 0, as Notify's frontend does", async () => {
    const services = client({ cacheTtlMs: 0 });
    KNOWN.add(serviceId(1));
    for (let i = 0; i < 3; i += 1) {
      await services.getService(serviceId(1), context());
      await services.getService(serviceId(2), context());
    }
    expect([lookups(serviceId(1)), lookups(serviceId(2))]).toEqual([3, 3]);
  });
});
