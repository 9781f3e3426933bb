import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const scripts = fileURLToPath(new URL('../scripts/', import.meta.url));

export interface RunningRgw {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  dir: string;
  stop(): Promise<void>;
}

const REQUIRED = ['radosgw', 'radosgw-admin', 'ceph-mon', 'ceph-osd', 'ceph'];

function onPath(binary: string): boolean {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).concat(['/usr/bin', '/usr/sbin']);
  return dirs.some((dir) => {
    try {
      accessSync(join(dir, binary), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts a private single-node Ceph radosgw (scripts/start-rgw.sh) on random 127.0.0.1 ports for a test file.
 * Fails — never skips — when Debian's packages are missing: the S3 store is only tested against a real server.
 */
export async function startRgw(): Promise<RunningRgw> {
  const missing = REQUIRED.filter((binary) => !onPath(binary));
  if (missing.length > 0) {
    throw new Error(
      `The S3 store tests need Ceph's radosgw, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not ` +
        'installed. Install Debian\'s packages with "apt-get install -y --no-install-recommends radosgw ceph-mon ' +
        'ceph-osd" (or run "make system-deps" as root).',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'document-download-rgw-'));
  const stopSync = () => {
    spawnSync('bash', [join(scripts, 'stop-rgw.sh'), dir, '--remove'], { stdio: 'ignore' });
  };
  // If the test process ends without afterAll (a crash, a timeout), still take the daemons down.
  process.once('exit', stopSync);
  let stdout: string;
  // One retry: on a loaded machine a daemon can miss the script's deadlines, or two clusters race for a port.
  for (let attempt = 1; ; attempt++) {
    try {
      ({ stdout } = await run('bash', [join(scripts, 'start-rgw.sh'), dir], { timeout: 180_000 }));
      break;
    } catch (error) {
      stopSync();
      if (attempt < 2) continue;
      const detail =
        error instanceof Error && 'stderr' in error ? String(error.stderr).trim() : String(error);
      throw new Error(`radosgw did not start: ${detail}`, { cause: error });
    }
  }
  return rgwFromReport(stdout, dir, async () => {
    process.removeListener('exit', stopSync);
    await run('bash', [join(scripts, 'stop-rgw.sh'), dir, '--remove'], { timeout: 60_000 });
  });
}

/**
 * The radosgw that `scripts/start-rgw.sh DIR` reported (on stdout, and in DIR/rgw.env): its `KEY=value` lines
 * as a RunningRgw stopped by `stop`.
 */
export function rgwFromReport(report: string, dir: string, stop: () => Promise<void>): RunningRgw {
  const env = new Map<string, string>();
  for (const line of report.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) env.set(match[1] as string, match[2] as string);
  }
  const need = (name: string) => {
    const value = env.get(name);
    if (!value) throw new Error(`start-rgw.sh did not report ${name}`);
    return value;
  };
  return {
    endpoint: need('AWS_ENDPOINT_URL'),
    accessKeyId: need('AWS_ACCESS_KEY_ID'),
    secretAccessKey: need('AWS_SECRET_ACCESS_KEY'),
    region: need('AWS_REGION'),
    dir,
    stop,
  };
}
