import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
