import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { paths } from '../../src/common/project-files.js';
import { stopProcess } from './child.js';

export interface RuntimeServer {
  process: ChildProcess;
  port: number;
  /** Log lines the server wrote on stdout so far. */
  logLines(): number;
  /** SIGTERM (graceful stop), SIGKILL if it takes longer than 15 s. */
  stop(): Promise<void>;
}

/** How the runtime is started: src/bin/web.ts under tsx unless told otherwise (`entrypoint.sh web`, say). */
export interface RuntimeCommand {
  file: string;
  args: string[];
}

const UNDER_TSX: RuntimeCommand = { file: process.execPath, args: ['--import', 'tsx', 'src/bin/web.ts'] };

/**
 * The production server runtime (src/bin/web.ts: primary + workers) under tsx, listening on a random port
 * of 127.0.0.1, with the environment given. Its JSON log lines on stdout are read (to find the port the
 * primary announces) and then counted and dropped, as a log shipper would.
 */
export async function startWebRuntime(
  env: Record<string, string>,
  command: RuntimeCommand = UNDER_TSX,
): Promise<RuntimeServer> {
  const child = spawn(command.file, command.args, {
    cwd: paths.root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let lines = 0;
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${command.args.join(' ')} did not start in 60 s`)),
      60_000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines += 1;
      if (!line.includes('"server_started"')) return;
      const { port: announced } = JSON.parse(line) as { port?: number };
      if (typeof announced === 'number') {
        clearTimeout(timer);
        resolve(announced);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.args.join(' ')} exited with ${code} before it was listening`));
    });
  });
  return {
    process: child,
    port,
    logLines: () => lines,
    stop: () => stopProcess(child),
  };
}
