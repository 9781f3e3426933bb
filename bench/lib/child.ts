import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** What a benchmark child process sends its parent once it is listening. */
export interface ReadyMessage {
  ready: true;
  port: number;
}

export interface Child {
  process: ChildProcess;
  port: number;
  /** Sends a message and waits for the first reply that has `replyKey`. */
  ask(message: unknown, replyKey: string): Promise<Record<string, unknown>>;
  /** Asks the child to close and exit (so a --cpu-prof profile gets written), killing it if it does not. */
  stop(): Promise<void>;
}

/** The node binary benchmark servers run under: BENCH_NODE, else the one running the bench. */
export const benchNode = (): string => process.env.BENCH_NODE || process.execPath;

/**
 * Forks a TypeScript file under tsx with an IPC channel and waits for its "ready" message. `nodeArgs` go to
 * node itself (e.g. --cpu-prof). `plainNode`: the script is JavaScript, run without tsx, under the node binary
 * BENCH_NODE names if set (another Node version's, as `bench/lean-landing.ts --node` sets it).
 */
export async function startChild(
  script: URL,
  options: { args?: string[]; nodeArgs?: string[]; env?: NodeJS.ProcessEnv; plainNode?: boolean } = {},
): Promise<Child> {
  const child = fork(fileURLToPath(script), options.args ?? [], {
    execArgv: [...(options.plainNode ? [] : ['--import', 'tsx']), ...(options.nodeArgs ?? [])],
    execPath: options.plainNode ? benchNode() : process.execPath,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script.pathname} did not start in 60 s`)), 60_000);
    child.on('message', (message: Partial<ReadyMessage>) => {
      if (message.ready && typeof message.port === 'number') {
        clearTimeout(timer);
        resolve(message.port);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script.pathname} exited with ${code} before it was ready`));
    });
  });
  return {
    process: child,
    port,
    ask(message, replyKey) {
      return new Promise((resolve) => {
        const listener = (reply: unknown) => {
          if (typeof reply === 'object' && reply !== null && replyKey in reply) {
            child.off('message', listener);
            resolve(reply as Record<string, unknown>);
          }
        };
        child.on('message', listener);
        child.send(message as Parameters<ChildProcess['send']>[0]);
      });
    },
    stop: () => stopProcess(child, () => child.send('stop'), 10_000),
  };
}

/** In a child: tell the parent the port, and exit cleanly when told to stop (or when the parent goes). */
export function reportReady(port: number, stop: () => Promise<void>): void {
  const exit = () => void stop().finally(() => process.exit(0));
  process.on('message', (message) => {
    if (message === 'stop') exit();
  });
  process.on('disconnect', exit);
  process.send?.({ ready: true, port } satisfies ReadyMessage);
}

/** Asks a child process to stop (`ask`, SIGTERM by default), kills it after `graceMs`, and waits for its exit. */
export async function stopProcess(
  child: ChildProcess,
  ask: () => void = () => child.kill('SIGTERM'),
  graceMs = 15_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  ask();
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
