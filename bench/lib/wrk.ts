import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const WRK = process.env.WRK ?? '/usr/bin/wrk';

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  /** Milliseconds. */
  p50: number;
  p90: number;
  p99: number;
  /** Socket errors (connect, read, write, timeout) plus non-2xx/3xx responses. */
  errors: number;
  errorDetail: string;
  raw: string;
}

export interface WrkOptions {
  connections: number;
  seconds: number;
  threads?: number;
  timeoutSeconds?: number;
}

/** Runs wrk with --latency against one URL and reads its report. */
export async function runWrk(url: string, options: WrkOptions): Promise<WrkResult> {
  const args = [
    `-t${options.threads ?? 2}`,
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    `--timeout`,
    `${options.timeoutSeconds ?? 10}s`,
    '--latency',
    url,
  ];
  const { stdout } = await run(WRK, args, { maxBuffer: 1 << 20 });
  return parseWrk(stdout);
}

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (!match) throw new Error(`cannot read wrk duration "${text}"`);
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

export function parseWrk(output: string): WrkResult {
  const percentile = (p: number) => {
    const match = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(output);
    if (!match) throw new Error(`no ${p}% latency in wrk output:\n${output}`);
    return duration(match[1] as string);
  };
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(output);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (!total || !rate) throw new Error(`cannot read wrk output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const badStatus = non2xx ? Number(non2xx[1]) : 0;
  return {
    requests: Number(total[1]),
    seconds: duration(`${total[2]}${total[3]}`) / 1000,
    requestsPerSecond: Number(rate[1]),
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
    errors: socketErrors + badStatus,
    errorDetail: [socket?.[0], non2xx?.[0]].filter(Boolean).join('; ') || 'none',
    raw: output,
  };
}
