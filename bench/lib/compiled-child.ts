/**
 * Benchmark servers run as the product's are: compiled JavaScript under plain node with the production heap
 * flags, not under tsx (whose loader adds memory and start-up work the product does not have).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { paths } from '../../src/common/project-files.js';
import { type Child, startChild } from './child.js';

/** The heap flags `entrypoint.sh` gives node by default (its DEFAULT_HEAP_FLAGS), read from the script. */
export function productionHeapFlags(root = paths.root): string[] {
  const script = readFileSync(join(root, 'entrypoint.sh'), 'utf8');
  const flags = /^DEFAULT_HEAP_FLAGS="([^"]*)"/m.exec(script)?.[1];
  if (flags === undefined) throw new Error('entrypoint.sh no longer sets DEFAULT_HEAP_FLAGS');
  return flags.split(/\s+/).filter(Boolean);
}

/**
 * Bundles a TypeScript entry point and the project files it imports into one JavaScript file. Packages stay
 * where they are (imported from node_modules, as the product's compiled code does, so a CPU profile names
 * them); the file goes under node_modules/.cache so that those imports resolve.
 */
export async function compile(script: URL): Promise<URL> {
  const dir = join(paths.root, 'node_modules', '.cache', 'bench-compiled');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, basename(fileURLToPath(script)).replace(/\.ts$/, '.mjs'));
  await build({
    entryPoints: [fileURLToPath(script)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return pathToFileURL(outfile);
}

/** `script` compiled and started under plain node with the production heap flags (and `nodeArgs`). */
export async function startCompiledChild(
  script: URL,
  args: string[] = [],
  nodeArgs: string[] = [],
): Promise<Child> {
  return startChild(await compile(script), {
    args,
    nodeArgs: [...productionHeapFlags(), ...nodeArgs],
    plainNode: true,
  });
}
