// `make run`'s process when its terminal closes (SIGHUP): it stops what it started, clamd included.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/common/project-files.js';
import { freePort } from '../../harness/ports.js';

const dataDir = mkdtempSync(join(tmpdir(), 'dd-hangup-'));
let child: ChildProcess | undefined;
let clamdPid: number | undefined;
afterAll(() => {
  for (const pid of [child?.pid, clamdPid]) {
    try {
      if (pid) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function untilOutput(process: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    process.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
    process.on('exit', (code) => reject(new Error(`exited with ${code} first:\n${output}`)));
  });
}

describe('make run and a closed terminal', () => {
  it('stops the servers and its clamd on SIGHUP', async () => {
    const [apiPort, frontendPort, antivirusPort] = await Promise.all([freePort(), freePort(), freePort()]);
    child = spawn(process.execPath, ['--import', 'tsx', 'src/dev/run-local.ts'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        API_PORT: String(apiPort),
        FRONTEND_PORT: String(frontendPort),
        ANTIVIRUS_PORT: String(antivirusPort),
        DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await untilOutput(child, 'Press Ctrl-C to stop.', 90_000);
    const children = execFileSync('pgrep', ['-P', String(child.pid), 'clamd'])
      .toString()
      .trim();
    clamdPid = Number(children.split('\n')[0]);
    expect(isRunning(clamdPid)).toBe(true);

    const exited = once(child, 'exit');
    child.kill('SIGHUP');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(isRunning(clamdPid)).toBe(false);
    const answer = await fetch(`http://127.0.0.1:${apiPort}/_status`).catch((error: unknown) => error);
    expect(answer).toBeInstanceOf(Error);
  }, 120_000);
});
