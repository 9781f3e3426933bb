import type { MetricsJson, PrimaryMessage } from './messages.js';

export const METRICS_COLLECT_TIMEOUT_MS = 2000;

/** A worker asked for its metrics. */
export interface MetricsSource {
  readonly process: { readonly id: number; isConnected(): boolean; send(message: PrimaryMessage): void };
}

/**
 * The primary's side of a metrics scrape: asks every listening worker for its registry over IPC and gathers
 * what arrives within the timeout (a worker that does not answer in time is left out, not waited for).
 */
export class MetricsCollection {
  /** Open collections by id: each takes one worker's report. */
  private readonly pending = new Map<number, (workerId: number, metrics: MetricsJson) => void>();
  private nextId = 0;

  constructor(private readonly timeoutMs = METRICS_COLLECT_TIMEOUT_MS) {}

  collect(asked: readonly MetricsSource[]): Promise<MetricsJson[]> {
    const id = this.nextId++;
    const reports = new Map<number, MetricsJson>();
    return new Promise<MetricsJson[]>((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve([...reports.values()]);
      };
      const timer = setTimeout(finish, this.timeoutMs);
      this.pending.set(id, (workerId, report) => {
        reports.set(workerId, report);
        if (reports.size >= asked.length) finish();
      });
      if (asked.length === 0) finish();
      for (const { process } of asked) {
        if (process.isConnected()) process.send({ type: 'dd:metrics-collect', id });
      }
    });
  }

  /** A worker's report for collection `id`; ignored once that collection has finished. */
  receive(id: number, workerId: number, metrics: MetricsJson): void {
    this.pending.get(id)?.(workerId, metrics);
  }
}
