/**
 * Local store download CPU: process CPU per MiB to open and stream a document, in process and over HTTP (a plain
 * node:http server piping `open()`'s body to the response, the download route's store-side work), for 1 MiB and
 * 100 MiB documents and the chunk sizes given. Run by hand: `npx tsx bench/store-throughput.ts [chunk KiB...]`;
 * prints a Markdown table (copied into bench/results/store-throughput.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { LocalDocumentStore } from '../src/api/store/local-store.js';

const MIB = 1024 * 1024;
const chunkSizes = (process.argv.slice(2).length ? process.argv.slice(2) : ['64', '256']).map(
  (kib) => Number(kib) * 1024,
);
const SID = randomUUID();

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'dd-store-bench-'));
  const rows: string[] = [];
  try {
    for (const chunkBytes of chunkSizes) {
      const store = new LocalDocumentStore({ root, chunkBytes, durable: false });
      const server = createServer((request, response) => {
        const [documentId, key] = (request.url ?? '').slice(1).split('/') as [string, string];
        store.open(SID, documentId, Buffer.from(key, 'base64url')).then(
          (opened) => {
            response.writeHead(200, { 'content-length': String(opened.metadata.size) });
            return pipeline(opened.body, response);
          },
          () => response.writeHead(404).end(),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as { port: number }).port;
      for (const sizeMiB of [1, 100]) {
        const documentId = randomUUID();
        const key = randomBytes(32);
        const staged = await store.stage({ serviceId: SID, documentId, key });
        for (let at = 0; at < sizeMiB; at++) await staged.write(randomBytes(MIB));
        await staged.commit({
          mimetype: 'application/pdf',
          createdAt: new Date(),
          retentionPeriod: '1 weeks',
        });
        const rounds = sizeMiB === 1 ? 300 : 6;
        // In process: open and read every byte.
        let before = cpuMs();
        for (let round = 0; round < rounds; round++) {
          const { body } = await store.open(SID, documentId, key);
          for await (const chunk of body) void chunk;
        }
        const inProcess = (cpuMs() - before) / (rounds * sizeMiB);
        // Over HTTP: the server's CPU and the client's are both in this process; the client's share is
        // measured alone (same bytes from a buffer) and taken off.
        const url = `http://127.0.0.1:${port}/${documentId}/${key.toString('base64url')}`;
        before = cpuMs();
        for (let round = 0; round < rounds; round++) {
          const response = await fetch(url);
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) void chunk;
        }
        const http = (cpuMs() - before) / (rounds * sizeMiB);
        rows.push(
          `| ${chunkBytes / 1024} KiB | ${sizeMiB} MiB | ${inProcess.toFixed(2)} | ${http.toFixed(2)} |`,
        );
      }
      server.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(
    `Node ${process.version}, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), ${new Date().toISOString()}\n`,
  );
  console.log(
    '| chunk | document | open + read, CPU ms/MiB | HTTP download (server + fetch client), CPU ms/MiB |',
  );
  console.log('| --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

await main();
