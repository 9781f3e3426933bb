/**
 * Where a server's CPU went, from a V8 .cpuprofile (what `node --cpu-prof` writes), over a window of its
 * samples: self time by file (package, project file, node module), by what the code is for (the frontend's
 * hooks, plugins, upstream clients, render …), and by function.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Share {
  name: string;
  ms: number;
  /** Of the busy (non-idle) samples. */
  share: number;
}

export interface ProfileAreas {
  /** Busy (non-idle) sampled time in the window. */
  busyMs: number;
  byFile: Share[];
  byConcern: Share[];
  /** A concern's time including everything it called (node internals, GC excepted). */
  concernInclusive: Share[];
  functions: Share[];
}

type Frame = ProfileNode['callFrame'];

/**
 * What the code is for, first rule that matches a frame's URL (or function name) wins. Order matters: the
 * frontend's own wrappers come before the packages they call.
 */
const CONCERNS: [string, RegExp][] = [
  // A benchmark's own server, compiled by bench/lib/compiled-child.ts.
  ["the benchmark server's own code", /node_modules\/\.cache\/bench-compiled\//],
  [
    'Nunjucks render (views.js and nunjucks)',
    /\/src\/frontend\/views\.js|node_modules\/(nunjucks|a-sync-waterfall|asap)\//,
  ],
  ['admin JWT signing', /\/src\/common\/jwt\.js/],
  ['upstream answers: JSON parsing', /\/src\/frontend\/clients\/upstream\.js#parseJson/],
  ['upstream clients (request building, metrics observer)', /\/src\/frontend\/clients\//],
  ['undici (upstream HTTP)', /node_modules\/undici\//],
  [
    'request context, tracing and access log',
    /\/src\/common\/(request-context|deadline-queue|tracing|redact|logging)\.js|node_modules\/(pino|sonic-boom|fast-redact|@pinojs\/redact|thread-stream|pino-std-serializers|quick-format-unescaped|on-exit-leak-free|safe-stable-stringify)\//,
  ],
  [
    'security headers and CSP nonce',
    /\/src\/common\/(security-headers|random-values)\.js|\/src\/frontend\/app\.js#setPageHeaders/,
  ],
  ['metrics hook', /\/src\/server\/metrics[^/]*\.js|node_modules\/prom-client\//],
  [
    'cookie and CSRF plugins',
    /node_modules\/(@fastify\/cookie|@fastify\/csrf-protection|@fastify\/csrf|cookie|cookie-signature)\//,
  ],
  ['date and size formatting', /\/src\/frontend\/format\.js|\/src\/common\/uk-dates\.js/],
  ['static and form-body plugins', /node_modules\/(@fastify\/static|@fastify\/formbody|@fastify\/send)\//],
  ['id and key decoding', /\/src\/common\/ids\.js/],
  ['frontend routes, journey and pages', /\/src\/frontend\//],
  ['server runtime (worker, watchdog)', /\/src\/server\//],
  ['other project code', /\/src\//],
  [
    'Fastify core (routing, hooks, reply)',
    /node_modules\/(fastify|find-my-way|avvio|fast-querystring|fast-json-stringify|@fastify\/[^/]+|rfdc|toad-cache|process-warning|abstract-logging|fast-decode-uri-component|ret|safe-regex2|secure-json-parse|light-my-request)\//,
  ],
  ['other packages', /node_modules\//],
];

const key = (frame: Frame) => `${frame.url}#${frame.functionName}`;

function concernOf(frame: Frame): string | undefined {
  if (!frame.url || frame.url.startsWith('node:')) return undefined;
  const id = key(frame);
  return CONCERNS.find(([, pattern]) => pattern.test(id))?.[0];
}

function fileOf(frame: Frame): string | undefined {
  const url = frame.url;
  if (!url) return undefined;
  const compiled = /node_modules\/\.cache\/bench-compiled\/(.*)$/.exec(url);
  if (compiled) return `bench (compiled) ${compiled[1]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `package ${pkg[1]}`;
  if (url.startsWith('node:')) return url;
  const project = /\/(src|bench)\/(.*)$/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

function functionLabel(frame: Frame): string {
  const where = fileOf(frame);
  return `${frame.functionName || '(anonymous)'}${where ? ` ${where}:${frame.lineNumber + 1}` : ''}`;
}

const ranked = (map: Map<string, number>, busyMs: number, count: number): Share[] =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms, share: ms / busyMs }));

/**
 * Summarises the samples of `path` taken between `fromUs` and `toUs` (V8's clock: microseconds of the
 * monotonic clock, which is what `process.hrtime` reads too, so a bench can give its measured window).
 */
export function profileAreas(path: string, fromUs = -Infinity, toUs = Infinity, count = 25): ProfileAreas {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stackOf = (id: number): Frame[] => {
    const frames: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame && frame.functionName !== '(root)') frames.push(frame);
    }
    return frames;
  };
  const stacks = new Map<number, Frame[]>();
  const byFile = new Map<string, number>();
  const byConcern = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  const add = (map: Map<string, number>, name: string, ms: number) =>
    map.set(name, (map.get(name) ?? 0) + ms);
  let busyMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const deltaUs = profile.timeDeltas[index] ?? 0;
    at += deltaUs;
    if (at < fromUs || at > toUs) return;
    let stack = stacks.get(id);
    if (!stack) stacks.set(id, (stack = stackOf(id)));
    const leaf = stack[0];
    if (!leaf || leaf.functionName === '(idle)') return;
    const ms = deltaUs / 1000;
    busyMs += ms;
    add(functions, functionLabel(leaf), ms);
    if (leaf.functionName === '(garbage collector)' || leaf.functionName === '(program)') {
      const name =
        leaf.functionName === '(program)'
          ? 'V8 and native code outside JS (program)'
          : 'V8 garbage collection';
      add(byFile, name, ms);
      add(byConcern, name, ms);
      return;
    }
    // Native leaves (builtins without a URL) count for the nearest JavaScript caller's file.
    add(byFile, stack.map(fileOf).find(Boolean) ?? '(native)', ms);
    // Node's own modules count for the code that called them: undici's socket writes are undici's.
    add(
      byConcern,
      stack.map(concernOf).find(Boolean) ?? 'node http, net and streams (no app code on the stack)',
      ms,
    );
    for (const concern of new Set(stack.map(concernOf).filter(Boolean) as string[]))
      add(inclusive, concern, ms);
  });
  return {
    busyMs,
    byFile: ranked(byFile, busyMs, count),
    byConcern: ranked(byConcern, busyMs, CONCERNS.length + 3),
    concernInclusive: ranked(inclusive, busyMs, CONCERNS.length),
    functions: ranked(functions, busyMs, count),
  };
}
