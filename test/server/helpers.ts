// Runs an entry point as a real primary + workers in a child process and reads its JSON log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../harness/ports.js';

export const fixtureEntry = fileURLToPath(new URL('./fixtures/serve.ts', import.meta.url));

export type LogLine = Record<string, unknown> & { event?: string; message?: string; pid?: number };

export interface RunningServer {
  child: ChildProcess;
  port: number;
  /** Where the primary serves the cluster's metrics (METRICS_PORT). */
  metricsPort: number;
  logs: LogLine[];
  stderr: () => string;
  /** Resolves with the first log line (already seen or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/**
 * Starts `entry` (a TypeScript file, run through tsx) and waits until every worker listens. With
 * `entrypoint`, runs `entrypoint.sh <entrypoint>` instead: the built code as production runs it.
 */
export async function startServer(
  env: Record<string, string>,
  entry = fixtureEntry,
  { waitForWorkers = true, entrypoint }: { waitForWorkers?: boolean; entrypoint?: string } = {},
): Promise<RunningServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const metricsPort = env.METRICS_PORT ? Number(env.METRICS_PORT) : await freePort();
  const [command, args] = entrypoint
    ? [fileURLToPath(new URL('../../entrypoint.sh', import.meta.url)), [entrypoint]]
    : [process.execPath, ['--import', 'tsx', entry]];
  const child = spawn(command, args, {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: '2',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters = new Set<() => void>();
  let errText = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ message: line, unparsed: true });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (errText += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
      for (const wake of waiters) wake();
    }),
  );

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = logs.find(match);
        if (found) {
          cleanup();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(new Error(`server exited before the expected log line; stderr: ${errText}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no matching log line within ${timeoutMs} ms; stderr: ${errText}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const server: RunningServer = {
    child,
    port,
    metricsPort,
    logs,
    stderr: () => errText,
    waitForLog,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  // Workers load the app through tsx: slow when the machine is busy, hence the generous wait.
  if (waitForWorkers) {
    await waitForLog((line) => line.event === 'server_started', 60_000);
    // The workers' own lines come through another buffer: wait for each of them too.
    const workers = Number(env.WEB_CONCURRENCY ?? 2);
    await waitForLog(() => logs.filter((line) => line.event === 'worker_started').length >= workers);
  }
  return server;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET on 127.0.0.1; a fresh connection unless an agent is given. */
export function get(port: number, path: string, agent?: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Pids of the workers that said they listen, in order. */
export function startedWorkers(server: RunningServer): number[] {
  return server.logs.filter((line) => line.event === 'worker_started').map((line) => line.pid!);
}

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends batches of concurrent slow requests on fresh connections until every one of `workers` workers has
 * answered some (the kernel decides which worker accepts a connection). Returns the pids and the request count.
 */
export async function reachAllWorkers(
  port: number,
  workers: number,
): Promise<{ pids: Set<number>; requests: number }> {
  const pids = new Set<number>();
  let requests = 0;
  for (let batch = 0; batch < 20 && pids.size < workers; batch += 1) {
    const answers = await Promise.all(Array.from({ length: 16 }, () => get(port, '/slow?ms=150')));
    requests += answers.length;
    for (const answer of answers) pids.add((JSON.parse(answer.body) as { pid: number }).pid);
  }
  return { pids, requests };
}
