import { readFileSync } from 'node:fs';

/**
 * Where a process's resident memory is, from /proc/PID/smaps: the node binary's own pages (code, V8's
 * snapshot, ICU data: file-backed, shared by every process running it), V8's heap (anonymous mappings of its
 * 256 KiB pages and larger), malloc's heap and the rest.
 */
export function residentByKind(pid: number): Record<string, number> {
  const kinds: Record<string, number> = {};
  let kind = 'other';
  try {
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const mapping = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (mapping) {
        const size = parseInt(mapping[2]!, 16) - parseInt(mapping[1]!, 16);
        const name = mapping[3]!;
        kind = name.endsWith('/node')
          ? 'node binary (shared)'
          : name === '[heap]'
            ? 'malloc heap'
            : name === '' && size >= 256 * 1024
              ? 'V8 heap pages and other large anonymous maps'
              : name.includes('.so')
                ? 'shared libraries'
                : 'other';
      } else if (line.startsWith('Rss:')) {
        kinds[kind] = (kinds[kind] ?? 0) + Number(/(\d+)/.exec(line)![1]) * 1024;
      }
    }
  } catch {
    // the process is gone
  }
  return kinds;
}
