import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/*
 * Who owns a temporary file of the local store, written into its name: the host, the process id and the
 * process's start time. After a crash, the store removes the temporaries of writers that are gone without
 * waiting for them to age. A process id alone would not do: in a container the restarted API gets the very same
 * ids, so the start time (from /proc, in clock ticks since boot) tells a new process from the one that died.
 * Temporaries written on another host (a shared volume) cannot be checked that way and are removed by age.
 */

export interface WriteOwner {
  host: string;
  pid: number;
  /** The process's start time from /proc/PID/stat; undefined where there is no /proc. */
  startTicks: string | undefined;
}

/** This host, as a short name-safe tag. */
export function hostTag(name = hostname()): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 8);
}

/** Field 22 of /proc/PID/stat (start time since boot), or undefined when the process does not exist. */
export function processStartTicks(pid: number, readStat = defaultReadStat): string | undefined {
  const stat = readStat(pid);
  if (stat === undefined) return undefined;
  // The command name (field 2) may hold spaces and parentheses: count from the last ")".
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[19];
  return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
}

function defaultReadStat(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

let current: WriteOwner | undefined;

export function currentOwner(): WriteOwner {
  current ??= { host: hostTag(), pid: process.pid, startTicks: processStartTicks(process.pid) };
  return current;
}

/** The owner as it goes into a file name: `host-pid-ticks` (`host-pid-x` without /proc). */
export function formatOwner(owner: WriteOwner): string {
  return `${owner.host}-${owner.pid}-${owner.startTicks ?? 'x'}`;
}

export function parseOwner(tag: string): WriteOwner | undefined {
  const match = /^([0-9a-f]{8})-(\d+)-(\d+|x)$/.exec(tag);
  if (!match) return undefined;
  return {
    host: match[1] as string,
    pid: Number(match[2]),
    startTicks: match[3] === 'x' ? undefined : match[3],
  };
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Whether the writer of a temporary file is certainly gone: on this host, its process no longer runs (or a
 * different process, started at another time, has its id). Undefined when that cannot be known (another host,
 * or no start time to compare): the caller falls back on the file's age.
 */
export function ownerIsGone(
  owner: WriteOwner,
  here: {
    host: string;
    startTicksOf: (pid: number) => string | undefined;
    exists: (pid: number) => boolean;
  } = {
    host: currentOwner().host,
    startTicksOf: (pid) => processStartTicks(pid),
    exists: processExists,
  },
): boolean | undefined {
  if (owner.host !== here.host) return undefined;
  if (owner.startTicks === undefined) return here.exists(owner.pid) ? undefined : true;
  return here.startTicksOf(owner.pid) !== owner.startTicks;
}
