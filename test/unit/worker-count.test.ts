// The default worker count (usable CPUs, cgroup quota respected, at most 10) and the connection capacity
// shared between the workers: pure logic over given cgroup files.
import { describe, expect, it } from 'vitest';
import { cgroupCpuLimit, type CpuSources, usableCpus } from '../../src/server/cpus.js';
import { loadServerSettings } from '../../src/server/settings.js';

function sources(files: Record<string, string>, parallelism = 8): CpuSources {
  return { readFile: (path) => files[path], availableParallelism: () => parallelism };
}

const app = { port: 7001, requestTimeoutMs: 30_000, logLevel: 'info' };

describe('usable CPUs', () => {
  it('reads a cgroup v2 quota (cpu.max), rounding a fraction of a CPU up', () => {
    const v2 = (max: string) =>
      sources({ '/proc/self/cgroup': '0::/\n', '/sys/fs/cgroup/cpu.max': `${max}\n` });
    expect(cgroupCpuLimit(v2('150000 100000'))).toBe(2);
    expect(cgroupCpuLimit(v2('50000 100000'))).toBe(1);
    expect(cgroupCpuLimit(v2('max 100000'))).toBeUndefined();
    expect(usableCpus(v2('300000 100000'))).toBe(3);
    expect(usableCpus(v2('max 100000'))).toBe(8);
  });

  it('takes the smallest quota along the cgroup and its ancestors', () => {
    const nested = sources({
      '/proc/self/cgroup': '0::/kubepods/pod1/container\n',
      '/sys/fs/cgroup/kubepods/pod1/container/cpu.max': 'max 100000',
      '/sys/fs/cgroup/kubepods/pod1/cpu.max': '200000 100000',
      '/sys/fs/cgroup/kubepods/cpu.max': '400000 100000',
    });
    expect(usableCpus(nested)).toBe(2);
  });

  it('reads a cgroup v1 CFS quota, -1 meaning none, also when the path is not visible in the container', () => {
    const v1 = (quota: string, path = '/') =>
      sources({
        '/proc/self/cgroup': `4:memory:${path}\n2:cpu,cpuacct:${path}\n`,
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': `${quota}\n`,
        '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
      });
    expect(usableCpus(v1('100000'))).toBe(1);
    expect(usableCpus(v1('-1'))).toBe(8);
    expect(usableCpus(v1('250000', '/docker/0123abcd'))).toBe(3);
  });

  it('never exceeds the CPUs the process may be scheduled on, and is at least 1', () => {
    const generous = sources({ '/proc/self/cgroup': '0::/', '/sys/fs/cgroup/cpu.max': '800000 100000' }, 2);
    expect(usableCpus(generous)).toBe(2);
    expect(usableCpus(sources({}, 0))).toBe(1);
    expect(usableCpus(sources({}, 4))).toBe(4);
  });
});

describe('worker count and connections', () => {
  it('starts one worker per usable CPU by default, at most 10', () => {
    expect(loadServerSettings({}, app, 2).workers).toBe(2);
    expect(loadServerSettings({}, app, 1).workers).toBe(1);
    expect(loadServerSettings({}, app, 64).workers).toBe(10);
  });

  it('lets WEB_CONCURRENCY override the default', () => {
    expect(loadServerSettings({ WEB_CONCURRENCY: '7' }, app, 2).workers).toBe(7);
    expect(loadServerSettings({ WEB_CONCURRENCY: '1' }, app, 8).workers).toBe(1);
    expect(() => loadServerSettings({ WEB_CONCURRENCY: '0' }, app, 2)).toThrow(/WEB_CONCURRENCY/);
  });

  it('keeps the seed’s 10 × 1000 connections across however many workers run', () => {
    const capacity = (env: Record<string, string>, cpus: number) => {
      const settings = loadServerSettings(env, app, cpus);
      return { workers: settings.workers, perWorker: settings.workerConnections };
    };
    expect(capacity({}, 2)).toEqual({ workers: 2, perWorker: 5000 });
    expect(capacity({}, 16)).toEqual({ workers: 10, perWorker: 1000 });
    expect(capacity({ WEB_CONCURRENCY: '1' }, 2)).toEqual({ workers: 1, perWorker: 10_000 });
    expect(capacity({ WEB_CONCURRENCY: '3' }, 2)).toEqual({ workers: 3, perWorker: 3334 });
    expect(capacity({ WORKER_CONNECTIONS: '250' }, 2)).toEqual({ workers: 2, perWorker: 250 });
  });
});
