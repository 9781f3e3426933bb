import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { projectRoot } from '../common/project-files.js';
import { ClamdClient } from './clamd.js';
import type { ClamdAddress } from './config.js';

/** A clamd of our own (scripts/start-clamd.sh) on the project's test signatures: for tests and `make run`. */
export interface LocalClamd {
  address: ClamdAddress;
  /** CLAMD_SOCKET for the antivirus service: the socket path, or tcp://127.0.0.1:port. */
  socketSetting: string;
  dir: string;
  pid: number;
  client: ClamdClient;
  /** Stops clamd (SIGTERM, then SIGKILL after 10 s); removes its folder when it made one. */
  stop(): Promise<void>;
  /** The same without waiting, for a process that is exiting. */
  stopNow(): void;
}

export interface LocalClamdOptions {
  /** Where its config, signatures and socket go; a new folder under the system's temporary one by default. */
  dir?: string;
  /** Listen on 127.0.0.1:port instead of a Unix socket. */
  tcpPort?: number;
  /**
   * The largest file it must scan whole (MAX_STREAMED_FILE_SIZE for scripts/start-clamd.sh, which sizes
   * clamd's limits from it); otherwise the environment's setting or its default.
   */
  maxFileSize?: number;
  /** How long to wait for its first PONG. */
  startTimeoutMs?: number;
}

/** Whether Debian's clamav-daemon (clamd) is installed: on PATH or in /usr/sbin. */
export function clamdInstalled(path: string = process.env.PATH ?? ''): boolean {
  return [...path.split(delimiter), '/usr/sbin'].some((dir) => {
    try {
      accessSync(join(dir, 'clamd'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export async function startLocalClamd(options: LocalClamdOptions = {}): Promise<LocalClamd> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'dd-clamd-'));
  const address: ClamdAddress =
    options.tcpPort !== undefined
      ? { host: '127.0.0.1', port: options.tcpPort }
      : { path: join(dir, 'clamd.sock') };
  const child = spawn('bash', [join(projectRoot, 'scripts', 'start-clamd.sh'), dir], {
    env: {
      ...process.env,
      ...(options.tcpPort !== undefined ? { CLAMD_TCP_PORT: String(options.tcpPort) } : {}),
      ...(options.maxFileSize !== undefined
        ? {
            MAX_STREAMED_FILE_SIZE: String(options.maxFileSize),
            MAX_DECODED_FILE_SIZE: String(options.maxFileSize),
          }
        : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const client = new ClamdClient({ address, timeoutMs: 2000 });
  const stop = async () => {
    await stopProcess(child, exited);
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPong(client, child, options.startTimeoutMs ?? 60_000, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    address,
    socketSetting: 'path' in address ? address.path : `tcp://${address.host}:${address.port}`,
    dir,
    pid: child.pid as number,
    client,
    stop,
    stopNow: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      if (ownDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPong(
  client: ClamdClient,
  child: ChildProcess,
  timeoutMs: number,
  output: () => string,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`clamd exited before answering:\n${output()}`);
    }
    try {
      await client.ping();
      return;
    } catch {
      if (Date.now() - started > timeoutMs) throw new Error(`clamd did not answer PING:\n${output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

async function stopProcess(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
