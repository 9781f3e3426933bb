import { readFileSync, readdirSync } from 'node:fs';

/** The direct children of a process (a primary's workers), from /proc; none when it is gone. */
export function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** Resident memory (VmRSS) in bytes; 0 when the process is gone. */
export function rssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Fields of /proc/PID/smaps_rollup in bytes; 0 for each when the process is gone. */
function rollupBytes(pid: number, fields: string[]): number {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
    return fields.reduce((sum, field) => sum + kb(field), 0) * 1024;
  } catch {
    return 0;
  }
}

/** Pages this process alone holds (USS): what one more worker costs; RSS also counts pages shared with others. */
export const privateBytes = (pid: number): number => rollupBytes(pid, ['Private_Clean', 'Private_Dirty']);

/**
 * Proportional set size: each shared page counted as its share among the processes mapping it (the node binary's
 * pages, shared by the primary and every worker, count a third in each of three processes).
 */
export const pssBytes = (pid: number): number => rollupBytes(pid, ['Pss']);
