/**
 * What a V8 heap snapshot (`v8.writeHeapSnapshot`) holds, summed by kind: strings, code (bytecode, compiled
 * code, function metadata), closures, arrays, V8's own bookkeeping (hidden classes and the like), and plain
 * objects by constructor. Self sizes only: every byte is counted once, in the node that holds it.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  totalBytes: number;
  /** Bytes by kind, largest first. */
  byKind: [string, number][];
  /** Plain objects' bytes by constructor name, largest first. */
  objectsByConstructor: [string, number][];
}

const KIND_OF_TYPE: Readonly<Record<string, string>> = {
  string: 'strings',
  'concatenated string': 'strings',
  'sliced string': 'strings',
  code: 'code (bytecode, compiled code, function metadata)',
  closure: 'closures (function objects)',
  array: 'arrays and object property storage',
  hidden: "V8's own bookkeeping (hidden classes, descriptors, contexts)",
  'object shape': "V8's own bookkeeping (hidden classes, descriptors, contexts)",
  number: 'heap numbers',
  bigint: 'heap numbers',
  regexp: 'regular expressions',
  native: 'native objects (C++ wrappers)',
  synthetic: 'native objects (C++ wrappers)',
  object: 'objects',
};

export function summariseHeapSnapshot(file: string): HeapSummary {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const byKind = new Map<string, number>();
  const byConstructor = new Map<string, number>();
  let totalBytes = 0;
  const { nodes, strings } = snapshot;
  for (let i = 0; i < nodes.length; i += stride) {
    const size = nodes[i + sizeAt]!;
    if (size === 0) continue;
    const type = types[nodes[i + typeAt]!] ?? 'other';
    const kind = KIND_OF_TYPE[type] ?? type;
    totalBytes += size;
    byKind.set(kind, (byKind.get(kind) ?? 0) + size);
    if (kind === 'objects') {
      const name = strings[nodes[i + nameAt]!] ?? '(unknown)';
      byConstructor.set(name, (byConstructor.get(name) ?? 0) + size);
    }
  }
  const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return { totalBytes, byKind: sorted(byKind), objectsByConstructor: sorted(byConstructor) };
}
