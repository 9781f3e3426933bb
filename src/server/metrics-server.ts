import { createServer, type Server } from 'node:http';
import type { Logger } from '../common/logging.js';
import { NO_STORE } from '../common/security-headers.js';

export interface MetricsExposition {
  text: string;
  contentType: string;
}

/**
 * The primary's metrics listener: `GET /metrics` answers the whole cluster's metrics (collected from every
 * worker) on its own port, bound to loopback unless configured otherwise, so the public port never serves
 * them. Anything else on it is a 404.
 */
export function serveMetrics(
  where: { port: number; host: string },
  collect: () => Promise<MetricsExposition>,
  logger: Logger,
): Server {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    collect().then(
      ({ text, contentType }) => {
        response.writeHead(200, { 'content-type': contentType, 'cache-control': NO_STORE });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        logger.error({ event: 'metrics_failed', err }, 'could not collect the metrics');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics unavailable\n');
      },
    );
  });
  server.on('error', (err) => {
    logger.error(
      { event: 'metrics_listen_failed', err, port: where.port, host: where.host },
      `metrics could not listen on ${where.host}:${where.port}`,
    );
  });
  server.listen(where.port, where.host, () => {
    logger.info(
      { event: 'metrics_listening', port: where.port, host: where.host },
      `metrics on http://${where.host}:${where.port}/metrics`,
    );
  });
  // Never what keeps the primary alive.
  server.unref();
  return server;
}
