import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/project-files.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

const COMPILED_CLI = join(projectRoot, 'dist', 'src', 'cli.js');

/**
 * Runs the built `document-download ARGS` as its own process, the way a person would: with this process's
 * environment plus `env`, or with `env` alone (`inheritEnv: false`), to show which variables a command needs.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  {
    inheritEnv = true,
    onSpawn,
  }: {
    inheritEnv?: boolean;
    /** Told the CLI process's id once it runs. */ onSpawn?: (pid: number) => void;
  } = {},
): Promise<CliResult> {
  if (!existsSync(COMPILED_CLI)) throw new Error(`${COMPILED_CLI} is missing: run "npm run build" first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COMPILED_CLI, ...args], {
      cwd: projectRoot,
      env: inheritEnv ? { ...process.env, ...env } : env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) onSpawn?.(child.pid);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
