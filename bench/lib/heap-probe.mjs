// Loaded into a server under test with NODE_OPTIONS="--import …/heap-probe.mjs" (cluster workers inherit it):
// on SIGUSR2 the process writes what V8 says about its heap, space by space, to $BENCH_HEAP_PROBE_DIR/PID.json,
// after a heap snapshot to PID.heapsnapshot when $BENCH_HEAP_SNAPSHOT is set.
// Plain JavaScript, so the product's compiled code runs as it does in production, without tsx.
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import v8 from 'node:v8';

const dir = process.env.BENCH_HEAP_PROBE_DIR;
if (dir) {
  process.on('SIGUSR2', () => {
    const file = join(dir, `${process.pid}.json`);
    // Before the figures below: writing a snapshot collects garbage first, so they would not be comparable.
    const spacesBefore = v8.getHeapSpaceStatistics();
    const memoryBefore = process.memoryUsage();
    if (process.env.BENCH_HEAP_SNAPSHOT) v8.writeHeapSnapshot(join(dir, `${process.pid}.heapsnapshot`));
    const report = {
      pid: process.pid,
      memoryUsage: memoryBefore,
      heap: v8.getHeapStatistics(),
      spaces: spacesBefore,
    };
    // Written aside and renamed, so the reader never sees half a file.
    writeFileSync(`${file}.part`, JSON.stringify(report));
    renameSync(`${file}.part`, file);
  });
}
