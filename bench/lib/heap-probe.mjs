// Loaded into a server under test with NODE_OPTIONS="--import …/heap-probe.mjs" (cluster workers inherit it):
// on SIGUSR2 the process writes what V8 says about its heap, space by space, to $BENCH_HEAP_PROBE_DIR/PID.json.
// Plain JavaScript, so the product's compiled code runs as it does in production, without tsx.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import v8 from 'node:v8';

const dir = process.env.BENCH_HEAP_PROBE_DIR;
if (dir) {
  process.on('SIGUSR2', () => {
    const report = {
      pid: process.pid,
      memoryUsage: process.memoryUsage(),
      heap: v8.getHeapStatistics(),
      spaces: v8.getHeapSpaceStatistics(),
    };
    // Written aside and renamed, so the reader never sees half a file.
    const file = join(dir, `${process.pid}.json`);
    writeFileSync(`${file}.part`, JSON.stringify(report));
    renameSync(`${file}.part`, file);
  });
}
