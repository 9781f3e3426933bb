// Checks that `npm ci` really installed what package-lock.json describes, so an image can never be built on a
// broken tree. npm 10 has been seen ending `npm ci` with "Exit handler never called!" and exit status 0, leaving
// node_modules/pino without its index.js: the build stayed green and `web` crashed at start.
//
//   node verify-installed-tree.mjs DIR [--omit=dev]
//
// DIR holds package.json, package-lock.json and node_modules. Every package the lock file installs (dev ones too
// unless --omit=dev) must be there at its locked version with its entry files present, and every production
// dependency must import. Exits 1 with one line per problem otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [dirArgument, ...flags] = process.argv.slice(2);
if (!dirArgument) {
  process.stderr.write('usage: node verify-installed-tree.mjs DIR [--omit=dev]\n');
  process.exit(2);
}
const dir = resolve(dirArgument);
const omitDev = flags.includes('--omit=dev');
const problems = [];

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const lock = readJson(join(dir, 'package-lock.json'));
const manifest = readJson(join(dir, 'package.json'));

/** Conditions of `exports` that Node follows here; others (types, browser, react-native…) are not loaded. */
const NODE_CONDITIONS = new Set(['node', 'import', 'require', 'module-sync', 'default']);

/**
 * Files a package names as its entry points for Node: the file targets of `exports` (no patterns) when it has
 * one, else `main`. A package with neither (types or a native binary only) is checked for presence alone.
 */
function entryFiles(pkg) {
  const files = new Set();
  const walk = (target) => {
    if (typeof target === 'string') {
      if (target.startsWith('./') && !target.includes('*')) files.add(target);
    } else if (Array.isArray(target)) target.forEach(walk);
    else if (target && typeof target === 'object') {
      for (const [key, value] of Object.entries(target)) {
        if (key.startsWith('.') || NODE_CONDITIONS.has(key)) walk(value);
      }
    }
  };
  if (pkg.exports !== undefined) walk(pkg.exports);
  else if (typeof pkg.main === 'string') files.add(pkg.main);
  return [...files];
}

/** `main` may omit its extension or name a folder, as require() allows. */
function fileExists(packageDir, file) {
  const path = join(packageDir, file);
  return ['', '.js', '.json', '.node', '/index.js', '/index.json'].some((suffix) =>
    existsSync(path + suffix),
  );
}

for (const [location, entry] of Object.entries(lock.packages ?? {})) {
  if (location === '' || entry.link) continue;
  if (omitDev && entry.dev) continue;
  const packageDir = join(dir, location);
  const manifestFile = join(packageDir, 'package.json');
  if (!existsSync(manifestFile)) {
    // Optional packages for other platforms (native binaries) are skipped by npm on purpose.
    // So are dev dependencies that production packages name only as optional peers, pruned from such trees.
    if (!entry.optional && !(omitDev && entry.devOptional)) problems.push(`${location}: missing`);
    continue;
  }
  const installed = readJson(manifestFile);
  if (entry.version && installed.version !== entry.version) {
    problems.push(`${location}: version ${installed.version}, the lock file says ${entry.version}`);
    continue;
  }
  for (const file of entryFiles(installed)) {
    if (!fileExists(packageDir, file)) problems.push(`${location}: entry ${file} is missing`);
  }
}

// Then load each production dependency as the app will: its entry and every module that entry pulls in.
const requireFromDir = createRequire(join(dir, 'package.json'));
for (const name of Object.keys(manifest.dependencies ?? {})) {
  try {
    await import(entryUrl(name));
  } catch (err) {
    problems.push(`${name}: cannot be loaded (${err instanceof Error ? err.message.split('\n')[0] : err})`);
  }
}

/** Where `import(name)` from DIR leads: require's resolution, or for ESM-only packages their `import` export. */
function entryUrl(name) {
  try {
    return pathToFileURL(requireFromDir.resolve(name)).href;
  } catch {
    const packageDir = join(dir, 'node_modules', name);
    const pkg = readJson(join(packageDir, 'package.json'));
    const pick = (target) => {
      if (typeof target === 'string') return target;
      if (Array.isArray(target)) return target.map(pick).find(Boolean);
      if (target && typeof target === 'object') {
        for (const condition of ['node', 'import', 'default']) {
          const found = target[condition] === undefined ? undefined : pick(target[condition]);
          if (found) return found;
        }
      }
      return undefined;
    };
    const file = pick(pkg.exports?.['.'] ?? pkg.exports) ?? pkg.main ?? 'index.js';
    return pathToFileURL(join(packageDir, file)).href;
  }
}

if (problems.length > 0) {
  process.stderr.write(
    `The installed tree in ${dir} is incomplete:\n${problems.map((p) => `  ${p}\n`).join('')}`,
  );
  process.exit(1);
}
const count = Object.keys(lock.packages ?? {}).length - 1;
process.stdout.write(
  `Installed tree in ${dir} verified (${count} lock entries, production dependencies load)\n`,
);
