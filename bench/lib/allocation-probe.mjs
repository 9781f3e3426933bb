// Loaded into a server under test with NODE_OPTIONS="--import …/allocation-probe.mjs": the first SIGUSR2 starts V8's
// sampling heap profiler counting every allocation (collected ones included), the second stops it and writes the
// profile to $BENCH_ALLOCATION_PROFILE. Plain JavaScript, so the product's compiled code runs as in production.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import process from 'node:process';

const out = process.env.BENCH_ALLOCATION_PROFILE;
if (out) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return;
    }
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (!error) writeFileSync(out, JSON.stringify(result.profile));
    });
  });
}
