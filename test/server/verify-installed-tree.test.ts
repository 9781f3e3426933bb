// docker/verify-installed-tree.mjs, the image build's check after `npm ci`, against small hand-made trees.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../docker/verify-installed-tree.mjs', import.meta.url));
let dir: string;

function write(path: string, content: unknown): void {
  const file = join(dir, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
}

/** A tree as `npm ci --omit=dev` leaves it: a CommonJS and an ESM-only dependency, one dev dependency absent. */
function completeTree(): void {
  dir = mkdtempSync(join(tmpdir(), 'verify-tree-'));
  write('package.json', { name: 'app', dependencies: { logger: '1.0.0', 'esm-only': '2.0.0' } });
  write('package-lock.json', {
    lockfileVersion: 3,
    packages: {
      '': { name: 'app' },
      'node_modules/logger': { version: '1.0.0' },
      'node_modules/esm-only': { version: '2.0.0' },
      'node_modules/tool': { version: '3.0.0', dev: true },
      'node_modules/native-darwin': { version: '1.0.0', optional: true },
    },
  });
  write('node_modules/logger/package.json', { name: 'logger', version: '1.0.0', main: 'logger.js' });
  write('node_modules/logger/logger.js', "module.exports = require('./lib/format.js');");
  write('node_modules/logger/lib/format.js', 'module.exports = (s) => s;');
  write('node_modules/esm-only/package.json', {
    name: 'esm-only',
    version: '2.0.0',
    type: 'module',
    exports: { '.': { types: './index.d.ts', import: './index.js' } },
  });
  write('node_modules/esm-only/index.js', 'export const answer = 42;');
}

function verify(...flags: string[]) {
  const run = spawnSync(process.execPath, [script, dir, ...flags], { encoding: 'utf8' });
  return { status: run.status, out: run.stdout + run.stderr };
}

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('verify-installed-tree (image build check)', () => {
  it('accepts a complete production tree', () => {
    completeTree();
    const result = verify('--omit=dev');
    expect(result.out).toMatch(/verified/);
    expect(result.status).toBe(0);
  });

  it('fails when a package lost its entry file (the "Exit handler never called!" install)', () => {
    completeTree();
    rmSync(join(dir, 'node_modules/logger/logger.js'));
    const result = verify('--omit=dev');
    expect(result.status).toBe(1);
    expect(result.out).toContain('node_modules/logger: entry logger.js is missing');
  });

  it('fails when a file the entry loads is missing', () => {
    completeTree();
    rmSync(join(dir, 'node_modules/logger/lib/format.js'));
    const result = verify('--omit=dev');
    expect(result.status).toBe(1);
    expect(result.out).toMatch(/logger: cannot be loaded/);
  });

  it('fails on a missing package, a wrong version, and a dev package when dev ones are expected', () => {
    completeTree();
    rmSync(join(dir, 'node_modules/esm-only'), { recursive: true });
    write('node_modules/logger/package.json', { name: 'logger', version: '0.9.0', main: 'logger.js' });
    const result = verify();
    expect(result.status).toBe(1);
    expect(result.out).toContain('node_modules/esm-only: missing');
    expect(result.out).toContain('node_modules/logger: version 0.9.0, the lock file says 1.0.0');
    expect(result.out).toContain('node_modules/tool: missing');
    expect(result.out).not.toContain('native-darwin');
  });
});
