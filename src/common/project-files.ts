import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
}

/** The folder holding package.json, whether running from src/ (tsx) or dist/src/ (compiled). */
export const projectRoot = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

export const paths = {
  root: projectRoot,
  views: join(projectRoot, 'src', 'frontend', 'views'),
  govukFrontend: join(projectRoot, 'node_modules', 'govuk-frontend', 'dist'),
  staticDir: join(projectRoot, 'dist', 'static'),
  assetManifest: join(projectRoot, 'dist', 'static', 'manifest.json'),
  versionFile: join(projectRoot, 'dist', 'version.json'),
};

/** A configured path: absolute as given, relative to the project root (not the current folder) otherwise. */
export function projectPath(value: string): string {
  return isAbsolute(value) ? value : join(projectRoot, value);
}

/** DATA_DIR as every entry point reads it: the documents, counters and services file live here. */
export function dataDirFrom(value: string | undefined): string {
  return projectPath(value?.trim() || 'data');
}
