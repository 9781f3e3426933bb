// Removes from a production install the packages the lock file marks `devOptional`: dev dependencies of the
// project that a production package names only as an optional peer (i18next's optional peer `typescript`).
// `npm ci --omit=dev` keeps them, and `--omit=optional` would also drop the native binaries production needs.
//   node prune-dev-optional.mjs DIR
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import process from 'node:process';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: node prune-dev-optional.mjs DIR\n');
  process.exit(2);
}
const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8'));
const pruned = Object.entries(lock.packages ?? {})
  .filter(([location, entry]) => location !== '' && entry.devOptional)
  .map(([location]) => resolve(dir, location))
  .filter((path) => existsSync(path));
for (const path of pruned) rmSync(path, { recursive: true, force: true });

const bin = join(dir, 'node_modules', '.bin');
let links = [];
try {
  links = readdirSync(bin);
} catch {
  // no .bin folder: nothing links into the pruned packages
}
for (const name of links) {
  const target = resolve(bin, readlinkSync(join(bin, name)));
  if (pruned.some((path) => target.startsWith(path + '/'))) rmSync(join(bin, name), { force: true });
}
process.stdout.write(`Pruned ${pruned.length} dev-only optional package(s) from ${dir}\n`);
