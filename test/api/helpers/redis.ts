import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from '../../helpers/ports.js';

/** Debian's redis-server on 127.0.0.1 and a random port, without persistence; stopped by `stop()`. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const url = `redis://127.0.0.1:${port}`;
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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
    if (up) {
      return {
        url,
        stop: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        },
      };
    }
    child.kill('SIGKILL');
  }
  throw new Error('could not start redis-server');
}
