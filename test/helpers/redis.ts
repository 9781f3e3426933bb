import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../harness/ports.js';

export interface RunningRedis {
  url: string;
  /** Kills the server (SIGKILL, as a crash would); a no-op when it is not running. */
  stop(): Promise<void>;
  /** Starts the server again on the same port (empty: no persistence), after `stop()`. */
  restart(): Promise<void>;
}

/** redis-server on `port`, answering PING; undefined when it did not come up (the port was taken, say). */
async function spawnRedis(port: number): Promise<ChildProcess | undefined> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const probe = new Redis(`redis://127.0.0.1:${port}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined); // refused until the server is up: expected while polling
  let up = false;
  for (let i = 0; i < 100 && child.exitCode === null; i++) {
    try {
      await probe.connect();
      up = (await probe.ping()) === 'PONG';
      break;
    } catch {
      probe.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  probe.disconnect();
  if (up) return child;
  child.kill('SIGKILL');
  return undefined;
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Debian's redis-server on 127.0.0.1 and a random port, without persistence; stopped by `stop()`. */
export async function startRedis(): Promise<RunningRedis> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    let child = await spawnRedis(port);
    if (!child) continue;
    return {
      url: `redis://127.0.0.1:${port}`,
      stop: async () => {
        if (child) await kill(child);
      },
      restart: async () => {
        if (child) await kill(child);
        child = await spawnRedis(port);
        if (!child) throw new Error(`could not restart redis-server on port ${port}`);
      },
    };
  }
  throw new Error('could not start redis-server');
}
