import { Counter } from 'prom-client';
import { workerRegistry } from '../server/metrics.js';

/** Scans by outcome: `clean`, `virus`, `too_large`, `unavailable` (clamd down or slow), `bad_request`. */
const scans = new Counter({
  name: 'antivirus_scans_total',
  help: 'Files scanned, by outcome (clean, virus, too_large, unavailable, bad_request)',
  labelNames: ['outcome'] as const,
  registers: [workerRegistry],
});

export type ScanOutcome = 'clean' | 'virus' | 'too_large' | 'unavailable' | 'bad_request';

export function countScan(outcome: ScanOutcome): void {
  scans.inc({ outcome });
}
