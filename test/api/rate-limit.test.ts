import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileRateLimiter } from '../../src/api/limits/file-limiter.js';
import { RedisRateLimiter } from '../../src/api/limits/redis-limiter.js';
import type { RateLimiter } from '../../src/api/limits/rate-limiter.js';
import { AUTH_TOKEN, SERVICE_ID, startApi, uploadBody, type RunningApi } from '../helpers/api-harness.js';
import { startRedis } from '../helpers/redis.js';
import { pdf } from '../../harness/samples.js';
import { documentApiPaths } from '../../src/common/routes.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function countAllowed(limiter: RateLimiter, key: string, attempts: number): Promise<number> {
  const decisions = await Promise.all(Array.from({ length: attempts }, () => limiter.consume(key)));
  return decisions.filter((decision) => decision.allowed).length;
}

/** Uploads a document that needs email confirmation; returns where to authenticate and the key. */
async function emailProtectedDocument(baseUrl: string): Promise<{ authenticateUrl: string; key: string }> {
  const response = await fetch(`${baseUrl}${documentApiPaths.upload(SERVICE_ID)}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
    body: uploadBody(pdf(), { confirmation_email: 'person@example.com' }),
  });
  expect(response.status).toBe(201);
  const { document } = (await response.json()) as { document: { id: string; direct_file_url: string } };
  const key = new URL(document.direct_file_url).searchParams.get('key') as string;
  return { authenticateUrl: documentApiPaths.authenticate(SERVICE_ID, document.id), key };
}

/** 200 attempts at once, spread over the given servers; statuses counted. */
async function parallelAttempts(bases: string[], path: string, key: string, attempts = 200) {
  const statuses = await Promise.all(
    Array.from({ length: attempts }, async (_, index) => {
      const response = await fetch(`${bases[index % bases.length]}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          key,
          email_address: index % 2 ? 'person@example.com' : 'PERSON@example.com ',
        }),
      });
      const body = (await response.json()) as { error?: string; signed_data?: string };
      return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
    }),
  );
  const count = (status: number) => statuses.filter((s) => s.status === status).length;
  return { statuses, ok: count(200), limited: count(429), other: attempts - count(200) - count(429) };
}

/**
 * Strangers without the key (random keys on the real document, random documents) get cheap 403s that
 * neither use up the recipient's attempts nor leave state (`stateCount` reads what the limiter keeps); attempts
 * with the right key still count, up to the limit of 5 the API runs with.
 */
async function strangersCannotLockOut(baseUrl: string, stateCount: () => Promise<number>): Promise<void> {
  const { authenticateUrl, key } = await emailProtectedDocument(baseUrl);
  const attempt = async (path: string, attemptKey: string, email = 'person@example.com') =>
    (
      await fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ key: attemptKey, email_address: email }),
      })
    ).status;
  const randomKey = () => randomBytes(32).toString('base64url');
  const strangers = await Promise.all([
    ...Array.from({ length: 60 }, () => attempt(authenticateUrl, randomKey())),
    ...Array.from({ length: 60 }, () =>
      attempt(documentApiPaths.authenticate(SERVICE_ID, randomUUID()), randomKey()),
    ),
  ]);
  expect(new Set(strangers)).toEqual(new Set([403]));
  expect(await stateCount()).toBe(0);

  expect(await attempt(authenticateUrl, key)).toBe(200);
  expect(await stateCount()).toBe(1);
  for (let i = 0; i < 4; i++)
    expect(await attempt(authenticateUrl, key, 'someone.else@example.com')).toBe(403);
  expect(await attempt(authenticateUrl, key)).toBe(429);
  // A stranger is still answered 403 (not 429) and still adds nothing.
  expect(await attempt(authenticateUrl, randomKey())).toBe(403);
  expect(await stateCount()).toBe(1);
}

describe('file rate limiter (no Redis)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'dd-limit-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('accepts exactly the limit of 200 parallel attempts, per key', async () => {
    const limiter = new FileRateLimiter(root, { limit: 50, intervalSeconds: 300 });
    expect(await countAllowed(limiter, 'a', 200)).toBe(50);
    expect(await countAllowed(limiter, 'b', 10)).toBe(10);
    const refused = await limiter.consume('a');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterSeconds).toBeGreaterThan(290);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(300);
  });

  it('slides: room comes back as old attempts leave the window, not before', async () => {
    const limiter = new FileRateLimiter(root, { limit: 3, intervalSeconds: 1 });
    expect(await countAllowed(limiter, 'slide', 3)).toBe(3);
    await sleep(500);
    expect(await countAllowed(limiter, 'slide', 3)).toBe(0);
    const wait = await limiter.consume('slide');
    expect(wait).toEqual({ allowed: false, retryAfterSeconds: 1 });
    await sleep(600);
    expect(await countAllowed(limiter, 'slide', 5)).toBe(3);
    for (let round = 0; round < 3; round++) {
      await sleep(1050);
      expect(await countAllowed(limiter, 'slide', 4)).toBe(3);
    }
  });

  it('stays cheap with a very large limit', async () => {
    const limiter = new FileRateLimiter(root, { limit: 1_000_000, intervalSeconds: 300 });
    const started = Date.now();
    expect(await countAllowed(limiter, 'large', 100)).toBe(100);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('purges the folders of keys unused for a while', async () => {
    const limiter = new FileRateLimiter(root, { limit: 1, intervalSeconds: 1 });
    await limiter.consume('old');
    expect(await limiter.purge(Date.now() + 10_000)).toBeGreaterThanOrEqual(1);
    expect((await limiter.consume('old')).allowed).toBe(true);
  });
});

describe('authenticate attempts without the key (no Redis)', () => {
  it('do not count and create no folder under DATA_DIR/rate-limits', async () => {
    const api = await startApi({ DOCUMENT_AUTHENTICATION_RATE_LIMIT: '5' });
    try {
      const folders = async () =>
        (await readdir(join(api.dataDir, 'rate-limits')).catch(() => [] as string[])).length;
      await strangersCannotLockOut(api.url, folders);
    } finally {
      await api.close();
    }
  }, 60_000);
});

describe('rate limit across worker processes without Redis', () => {
  const children: ChildProcess[] = [];
  let dataDir: string;

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  it('200 parallel authenticate attempts over two processes: exactly 50 get through', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'dd-multi-'));
    const env = {
      ...process.env,
      NOTIFY_ENVIRONMENT: 'test',
      AUTH_TOKENS: AUTH_TOKEN,
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'false',
      DATA_DIR: dataDir,
    };
    const ports = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<number>((resolve, reject) => {
            const child = spawn(
              process.execPath,
              ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'api-process.ts')],
              { env, stdio: ['ignore', 'pipe', 'inherit'] },
            );
            children.push(child);
            child.once('exit', (code) => reject(new Error(`api process exited ${code}`)));
            child.stdout.on('data', (chunk: Buffer) => {
              const match = /listening (\d+)/.exec(chunk.toString());
              if (match) resolve(Number(match[1]));
            });
          }),
      ),
    );
    const bases = ports.map((port) => `http://127.0.0.1:${port}`);
    const { authenticateUrl, key } = await emailProtectedDocument(bases[0] as string);
    const result = await parallelAttempts(bases, authenticateUrl, key);
    expect(result.other).toBe(0);
    expect(result.ok).toBe(50);
    expect(result.limited).toBe(150);
    const refused = result.statuses.find((s) => s.status === 429);
    expect(Number(refused?.retryAfter)).toBeGreaterThan(0);
    expect(refused?.body).toEqual({ error: 'Too many requests - more than 50 in the last 300 seconds' });
  }, 60_000);
});

describe('rate limit with Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const apis: RunningApi[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    for (const api of apis) await api.close();
    await rm(apis[0]?.config.store.dataDir ?? '/nonexistent', { recursive: true, force: true });
    await redis?.stop();
  });

  it('the sliding window script counts exactly, and slides', async () => {
    const client = new Redis(redis.url);
    try {
      const limiter = new RedisRateLimiter(client, { limit: 50, intervalSeconds: 300 });
      expect(await countAllowed(limiter, 'k', 200)).toBe(50);
      const refused = await limiter.consume('k');
      expect(refused.allowed).toBe(false);
      expect(refused.retryAfterSeconds).toBeGreaterThan(290);
      const fast = new RedisRateLimiter(client, { limit: 2, intervalSeconds: 1 }, 'fast:');
      expect(await countAllowed(fast, 'k', 5)).toBe(2);
      await sleep(1100);
      expect(await countAllowed(fast, 'k', 5)).toBe(2);
      expect(await client.pttl('fast:k')).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });

  it('200 parallel authenticate attempts over two app instances sharing Redis: exactly 50 get through', async () => {
    // Two instances (as two replicas would be) sharing the Redis server and, like replicas on S3, the documents.
    const shared = await mkdtemp(join(tmpdir(), 'dd-redis-'));
    const env = { REDIS_ENABLED: 'true', REDIS_URL: redis.url, DATA_DIR: shared };
    apis.push(await startApi(env), await startApi(env));
    const { authenticateUrl, key } = await emailProtectedDocument((apis[0] as RunningApi).url);
    const result = await parallelAttempts(
      apis.map((api) => api.url),
      authenticateUrl,
      key,
    );
    expect(result.statuses.filter((s) => s.status !== 200 && s.status !== 429)).toEqual([]);
    expect(result.other).toBe(0);
    expect(result.ok).toBe(50);
    expect(result.limited).toBe(150);
  }, 60_000);

  it('shares the file-check cache through Redis', async () => {
    const [first, second] = apis as [RunningApi, RunningApi];
    const check = async (api: RunningApi) =>
      fetch(`${api.url}${documentApiPaths.antivirusAndMimetypeCheck(SERVICE_ID)}`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${AUTH_TOKEN}`, 'Content-Type': 'application/json' },
        body: uploadBody(pdf('cached')),
      });
    const client = new Redis(redis.url);
    try {
      const before = await client.keys('document-download:file-checks:*');
      expect((await check(first)).status).toBe(200);
      const keys = (await client.keys('document-download:file-checks:*')).filter((k) => !before.includes(k));
      expect(keys.length).toBe(1);
      expect(await client.ttl(keys[0] as string)).toBeGreaterThan(86_000);
      expect(JSON.parse((await client.get(keys[0] as string)) as string)).toEqual({
        mimetype: 'application/pdf',
      });
    } finally {
      client.disconnect();
    }
    expect(await (await check(second)).json()).toEqual({ mimetype: 'application/pdf' });
  });

  it('does not count attempts without the key, and keeps no Redis key for them', async () => {
    const api = await startApi({
      REDIS_ENABLED: 'true',
      REDIS_URL: redis.url,
      DOCUMENT_AUTHENTICATION_RATE_LIMIT: '5',
    });
    const client = new Redis(redis.url);
    try {
      const before = await client.keys('document-download:authenticate:*');
      await strangersCannotLockOut(
        api.url,
        async () =>
          (await client.keys('document-download:authenticate:*')).filter((k) => !before.includes(k)).length,
      );
    } finally {
      client.disconnect();
      await api.close();
    }
  }, 60_000);

  it('refuses authentication (503 JSON) while Redis is down, rather than not counting', async () => {
    const { authenticateUrl, key } = await emailProtectedDocument((apis[0] as RunningApi).url);
    await redis.stop();
    const response = await fetch(`${(apis[0] as RunningApi).url}${authenticateUrl}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key, email_address: 'person@example.com' }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ error: 'Service unavailable' });
  }, 30_000);
});
