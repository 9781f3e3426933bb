/**
 * The baseline: a bare node:http "hello" server on 127.0.0.1, in one process or (`bare-server.ts N`) in N
 * node:cluster workers sharing one port, like the production runtime's workers.
 */
import cluster from 'node:cluster';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportReady } from './child.js';

const workers = Number(process.argv[2] ?? '1');
const hello = Buffer.from('hello');

function serve(onListening: (port: number) => void): void {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': hello.length });
    res.end(hello);
  });
  server.keepAliveTimeout = 90_000;
  server.listen(0, '127.0.0.1', () => onListening((server.address() as AddressInfo).port));
}

if (workers <= 1) {
  serve((port) => reportReady(port, async () => undefined));
} else if (cluster.isPrimary) {
  // Workers listening on port 0 in a cluster all share the one port the primary picks.
  let listening = 0;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === workers) {
      reportReady(address.port, async () => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
      });
    }
  });
  for (let i = 0; i < workers; i++) cluster.fork();
} else {
  serve(() => undefined);
}
