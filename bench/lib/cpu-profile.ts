import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Self time by function (name and place), largest first. */
  functions: { name: string; ms: number; share: number }[];
  /** Self time by where the code lives: a package under node_modules, node's internals, src/, or (idle/gc). */
  areas: { name: string; ms: number; share: number }[];
  /** Total (inclusive) time of named project and package functions: what the time was spent doing. */
  inclusive: { name: string; ms: number; share: number }[];
}

function area(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return 'node internals';
  const project = /\/(src|bench|test)\/(.*)$/.exec(url);
  if (project) return `${project[1]}/${(project[2] as string).split('/').slice(0, 2).join('/')}`;
  return url;
}

function top(map: Map<string, number>, totalMs: number, count: number) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms, share: ms / totalMs }));
}

/** Self time per function and per area from a V8 .cpuprofile (as written by node --cpu-prof). */
export function summariseProfile(path: string, count = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (frame: ProfileNode['callFrame']) => {
    const place = frame.url
      ? `${frame.url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${frame.lineNumber + 1}`
      : '';
    return `${frame.functionName || '(anonymous)'}${place ? ` ${place}` : ''}`;
  };
  const inclusive = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame || !frame.functionName || !/\/(src|node_modules)\//.test(frame.url)) continue;
      seen.add(label(frame));
    }
    for (const name of seen)
      inclusive.set(name, (inclusive.get(name) ?? 0) + (profile.timeDeltas[index] ?? 0) / 1000);
  });
  const functions = new Map<string, number>();
  const areas = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    totalUs += us;
    const name = label(frame);
    functions.set(name, (functions.get(name) ?? 0) + us / 1000);
    const where = area(frame.url, frame.functionName);
    areas.set(where, (areas.get(where) ?? 0) + us / 1000);
  }
  const totalMs = totalUs / 1000;
  return {
    totalMs,
    functions: top(functions, totalMs, count),
    areas: top(areas, totalMs, count),
    inclusive: top(inclusive, totalMs, count * 2),
  };
}
