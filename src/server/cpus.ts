import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** What the CPU count is read from; a test gives its own files. */
export interface CpuSources {
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): string | undefined;
  /** CPUs this process may be scheduled on (os.availableParallelism(): affinity, and on newer libuv the quota). */
  availableParallelism(): number;
}

export const systemCpuSources: CpuSources = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  availableParallelism,
};

/** `/a/b` → [`/a/b`, `/a`, ``]: a limit set on any ancestor cgroup applies too. */
function selfAndAncestors(cgroupPath: string): string[] {
  const parts = cgroupPath.split('/').filter(Boolean);
  return parts.map((_, i) => `/${parts.slice(0, parts.length - i).join('/')}`).concat('');
}

/** CPUs one quota allows: `quota` µs of CPU time per `period` µs, rounded up (1.5 CPUs → 2). */
function cpusOf(quota: number, period: number): number | undefined {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return undefined;
  return Math.max(1, Math.ceil(quota / period));
}

/**
 * The CPU limit of this process's cgroup (the smallest along its ancestors), as a container runtime sets it
 * for `--cpus`: cgroup v2 `cpu.max` ("max 100000" or "150000 100000"), or v1 `cpu.cfs_quota_us` (-1: none)
 * over `cpu.cfs_period_us`. Undefined when there is no limit. Where the cgroup path of /proc/self/cgroup is
 * not visible (a container without its own cgroup namespace), the mount's root is the container's cgroup.
 */
export function cgroupCpuLimit(sources: CpuSources): number | undefined {
  const membership = sources.readFile('/proc/self/cgroup') ?? '';
  const limits: number[] = [];
  for (const line of membership.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (controllers === undefined || path === undefined) continue;
    if (controllers === '') {
      for (const dir of selfAndAncestors(path)) {
        const [quota, period] = (sources.readFile(`/sys/fs/cgroup${dir}/cpu.max`) ?? '').trim().split(/\s+/);
        const cpus = quota === 'max' ? undefined : cpusOf(Number(quota), Number(period));
        if (cpus !== undefined) limits.push(cpus);
      }
    } else if (controllers.split(',').includes('cpu')) {
      for (const mount of [
        `/sys/fs/cgroup/${controllers}`,
        '/sys/fs/cgroup/cpu,cpuacct',
        '/sys/fs/cgroup/cpu',
      ]) {
        for (const dir of selfAndAncestors(path)) {
          const quota = sources.readFile(`${mount}${dir}/cpu.cfs_quota_us`);
          const period = sources.readFile(`${mount}${dir}/cpu.cfs_period_us`);
          const cpus = quota && period ? cpusOf(Number(quota), Number(period)) : undefined;
          if (cpus !== undefined) limits.push(cpus);
        }
      }
    }
  }
  return limits.length > 0 ? Math.min(...limits) : undefined;
}

/** CPUs this process may use: its scheduling affinity, capped by its cgroup CPU quota. At least 1. */
export function usableCpus(sources: CpuSources = systemCpuSources): number {
  const limit = cgroupCpuLimit(sources);
  return Math.max(1, Math.min(sources.availableParallelism(), limit ?? Number.POSITIVE_INFINITY));
}
