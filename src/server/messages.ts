import type { Registry } from 'prom-client';

/** One registry's metrics as prom-client's getMetricsAsJSON() gives them: what workers send for aggregation. */
export type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

/** Messages between the primary and its workers over the cluster IPC channel. */
export type WorkerMessage =
  | { type: 'dd:heartbeat' }
  | { type: 'dd:listening'; port: number }
  | { type: 'dd:metrics-report'; id: number; metrics: MetricsJson };

export type PrimaryMessage = { type: 'dd:shutdown' } | { type: 'dd:metrics-collect'; id: number };

function isMessage(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return isMessage(value) && value.type.startsWith('dd:');
}

export function isPrimaryMessage(value: unknown): value is PrimaryMessage {
  return isMessage(value) && value.type.startsWith('dd:');
}
