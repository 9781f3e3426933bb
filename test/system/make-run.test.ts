// `make run` as a newcomer runs it: from a copy of the repository, wait for the printed link, open it,
// then Ctrl-C. The copy shares this checkout's installed node_modules (hard links) so the test measures the
// build and start, not the npm registry.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/common/project-files.js';
import { recipientRoutes } from '../../src/common/routes.js';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import { EICAR } from '../helpers/clamd.js';
import { journeyPageOf } from '../helpers/journey-links.js';
import { freePort } from '../../harness/ports.js';

let child: ChildProcess | undefined;
afterAll(() => {
  // Whatever is left of make and its children, if the test did not get to stop them.
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
});

function copyRepository(): string {
  const copy = mkdtempSync(join(tmpdir(), 'dd-make-run-'));
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: projectRoot }).toString('utf8');
  execFileSync('xargs', ['-0', 'cp', '-a', '--parents', '-t', copy], { cwd: projectRoot, input: files });
  execFileSync('cp', ['-al', join(projectRoot, 'node_modules'), join(copy, 'node_modules')]);
  // The copy counts as installed: its package files are older than the install stamp.
  const old = new Date('2000-01-01T00:00:00Z');
  for (const file of ['package.json', 'package-lock.json']) utimesSync(join(copy, file), old, old);
  return copy;
}

function waitForLink(
  process: ChildProcess,
  timeoutMs: number,
): Promise<{ link: string; email: string; output: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`no link within ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const link = /^\s+(http:\/\/localhost:\d+\/d\/\S+)$/m.exec(output)?.[1];
      const email = /confirm the email address: (\S+)/.exec(output)?.[1];
      if (link && email) {
        clearTimeout(timer);
        resolve({ link, email, output });
      }
    };
    process.stdout?.on('data', read);
    process.stderr?.on('data', read);
    process.on('exit', (code) => reject(new Error(`make run exited with ${code}:\n${output}`)));
  });
}

function spawnCollect(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const run = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    run.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    run.on('error', reject);
    run.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('make run', () => {
  it(
    'builds, starts the whole system with virus scanning, prints a working link, and stops cleanly on Ctrl-C',
    { timeout: 360_000 },
    async () => {
      const copy = copyRepository();
      const [apiPort, frontendPort, antivirusPort] = [await freePort(), await freePort(), await freePort()];
      const started = Date.now();
      child = spawn('make', ['run'], {
        cwd: copy,
        detached: true,
        env: {
          ...process.env,
          API_PORT: String(apiPort),
          FRONTEND_PORT: String(frontendPort),
          ANTIVIRUS_PORT: String(antivirusPort),
          DATA_DIR: join(copy, 'data'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const { link, email, output } = await waitForLink(child, 300_000);
      const seconds = (Date.now() - started) / 1000;
      expect(link.startsWith(`http://localhost:${frontendPort}/d/`)).toBe(true);
      expect(email).toBe('you@example.com');

      const page = await fetch(link);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Demo Department sent you a file to download.');
      expect(html).toContain(journeyPageOf(link, recipientRoutes.confirmEmail));
      // clamd is installed here (make system-deps, CI): uploads are scanned for real.
      expect(output).toContain('Virus scanning: on (ClamAV ');
      // The CLI as a newcomer runs it next to make run: none of the API's variables, not even DATA_DIR.
      const plainEnv = Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !['NOTIFY_ENVIRONMENT', 'AUTH_TOKENS', 'DATA_DIR'].includes(name),
        ),
      );
      const cli = (args: string[]) =>
        spawnCollect(process.execPath, [join(copy, 'dist', 'src', 'cli.js'), ...args], plainEnv);
      const upload = (file: string) =>
        cli([
          'upload',
          file,
          '--service',
          'd0c5d0c5-0000-4000-8000-000000000001',
          '--api',
          `http://localhost:${apiPort}`,
          '--json',
        ]);
      writeFileSync(join(copy, 'eicar.txt'), EICAR);
      writeFileSync(join(copy, 'clean.pdf'), samplePdf(['A clean letter']));
      const virus = await upload(join(copy, 'eicar.txt'));
      expect(virus.code).not.toBe(0);
      expect(virus.stderr).toContain('File did not pass the virus scan');
      const clean = await upload(join(copy, 'clean.pdf'));
      expect(clean.code).toBe(0);
      const uploaded = JSON.parse(clean.stdout) as {
        service_id: string;
        document_id: string;
        url: string;
        direct_file_url: string;
      };
      expect(uploaded.url.startsWith(`http://localhost:${frontendPort}/d/`)).toBe(true);
      expect((await fetch(uploaded.direct_file_url)).status).toBe(200);

      // block and unblock reach make run's store (./data) with nothing set.
      const block = await cli(['block', uploaded.service_id, uploaded.document_id]);
      expect(block.stderr).toBe('');
      expect(block.code).toBe(0);
      const blocked = await fetch(uploaded.direct_file_url);
      expect(blocked.status).toBe(403);
      expect(await blocked.json()).toEqual({ error: 'Access to the document has been blocked' });
      expect((await cli(['unblock', uploaded.service_id, uploaded.document_id])).code).toBe(0);
      expect((await fetch(uploaded.direct_file_url)).status).toBe(200);

      console.log(
        `make run printed a working link after ${seconds.toFixed(1)} s (with node_modules installed)`,
      );

      const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
      const stopAt = Date.now();
      process.kill(-(child.pid as number), 'SIGINT');
      const code = await Promise.race([
        exited,
        new Promise((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
      ]);
      console.log(`make run stopped after ${Date.now() - stopAt} ms`);
      expect(code).not.toBe('timeout');
      await expect(fetch(link)).rejects.toThrow();
      await expect(fetch(`http://localhost:${antivirusPort}/_status`)).rejects.toThrow();
    },
  );
});
