import type { Registry } from 'prom-client';

/** One registry's metrics as prom-client's getMetricsAsJSON() gives them: what workers send for aggregation. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Messages between the primary and its workers over the cluster IPC channel. */
export type WorkerMessage =
  | { type: 'dd:heartbeat' }
  | { type: 'dd:listening'; port: number }
  | { type: 'dd:metrics-report'; id: number; metrics: MetricsJson };

export type PrimaryMessage = { type: 'dd:shutdown' } | { type: 'dd:metrics-collect'; id: number };

const WORKER_MESSAGE_TYPES: ReadonlySet<string> = new Set<WorkerMessage['type']>([
  'dd:heartbeat',
  'dd:listening',
  'dd:metrics-report',
]);
const PRIMARY_MESSAGE_TYPES: ReadonlySet<string> = new Set<PrimaryMessage['type']>([
  'dd:shutdown',
  'dd:metrics-collect',
]);

/** One guard for both directions: an IPC message is ours when its `type` is one the receiver knows. */
function messageGuard<M extends { type: string }>(types: ReadonlySet<string>) {
  return (value: unknown): value is M =>
    typeof value === 'object' && value !== null && types.has((value as { type?: unknown }).type as string);
}

export const isWorkerMessage = messageGuard<WorkerMessage>(WORKER_MESSAGE_TYPES);
export const isPrimaryMessage = messageGuard<PrimaryMessage>(PRIMARY_MESSAGE_TYPES);
