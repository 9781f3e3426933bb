/**
 * What a download costs radosgw: its CPU (and its OSD's) per download, from /proc/PID/stat, for the requests
 * our download makes and for the requests Notify's API makes for the same objects (GetObjectTagging, then
 * GetObject with SSE-C), on one private radosgw started by harness/rgw.ts.
 *
 *   npx tsx bench/s3-download.ts [--downloads N] [--repeat N]
 *
 * Prints a Markdown table: per way of downloading, the S3 requests it makes and radosgw's CPU per download.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { startRgw } from '../harness/rgw.js';
import { createS3Store, type S3DocumentStore } from '../src/api/store/s3-store.js';

const { values } = parseArgs({
  options: {
    downloads: { type: 'string', default: '200' },
    repeat: { type: 'string', default: '3' },
  },
});
const downloads = Number(values.downloads);
const repeat = Number(values.repeat);
const MIB = 1024 * 1024;

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function drain(body: unknown): Promise<void> {
  if (!(body instanceof Readable)) throw new Error('no body stream');
  for await (const chunk of body) void chunk;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Way {
  name: string;
  download(store: S3DocumentStore, serviceId: string, documentId: string, key: Buffer): Promise<void>;
}

async function main(): Promise<void> {
  const rgw = await startRgw();
  const rgwPid = Number(readFileSync(join(rgw.dir, 'run', 'client.rgw.a.pid'), 'utf8'));
  const osdPid = Number(readFileSync(join(rgw.dir, 'run', 'osd.0.pid'), 'utf8'));
  const options = {
    bucket: `bench-${randomUUID()}`,
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  };
  const store = createS3Store(options);
  // The store as it was: every open reads the tags itself.
  const storeBefore = createS3Store({ ...options, recentTagsMs: 0 });
  const sse = (key: Buffer) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') });
  const ways: Way[] = [
    {
      name: 'ours at first: look-up (tags + HEAD), then open (tags + GET)',
      async download(_, serviceId, documentId, key) {
        await storeBefore.getMetadata(serviceId, documentId, key);
        await drain((await storeBefore.open(serviceId, documentId, key)).body);
      },
    },
    {
      name: 'ours next: look-up (tags + HEAD), then open with its tags (GET)',
      async download(s, serviceId, documentId, key) {
        await s.getMetadata(serviceId, documentId, key);
        await drain((await s.open(serviceId, documentId, key)).body);
      },
    },
    {
      name: 'ours now, the route opening first (tags + GET): what Notify’s API sends',
      async download(s, serviceId, documentId, key) {
        await drain((await s.open(serviceId, documentId, key)).body);
      },
    },
    {
      name: 'GetObject alone',
      async download(s, serviceId, documentId, key) {
        const object = await s.client.send(
          new GetObjectCommand({ Bucket: s.bucket, Key: `${serviceId}/${documentId}`, ...sse(key) }),
        );
        await drain(object.Body);
      },
    },
    {
      name: 'HeadObject alone',
      async download(s, serviceId, documentId, key) {
        await s.client.send(
          new HeadObjectCommand({ Bucket: s.bucket, Key: `${serviceId}/${documentId}`, ...sse(key) }),
        );
      },
    },
    {
      name: 'GetObjectTagging alone',
      async download(s, serviceId, documentId) {
        await s.client.send(
          new GetObjectTaggingCommand({ Bucket: s.bucket, Key: `${serviceId}/${documentId}` }),
        );
      },
    },
  ];
  const sizes = [
    { label: '100 KB', bytes: 100_000 },
    { label: '1 MiB', bytes: MIB },
  ];
  try {
    await store.ensureBucket();
    const documents = [];
    for (const size of sizes) {
      const document = {
        serviceId: randomUUID(),
        documentId: randomUUID(),
        key: randomBytes(32),
        content: randomBytes(size.bytes),
        metadata: { mimetype: 'application/pdf', createdAt: new Date(), retentionPeriod: '1 weeks' },
      };
      await store.put(document);
      documents.push({ size, document });
    }
    const results = new Map<string, { rgw: number[]; osd: number[] }>();
    for (let round = 0; round < repeat; round++) {
      for (const { size, document } of documents) {
        for (const way of ways) {
          const { serviceId, documentId, key } = document;
          for (let warm = 0; warm < 10; warm++) await way.download(store, serviceId, documentId, key);
          const rgwBefore = cpuMs(rgwPid);
          const osdBefore = cpuMs(osdPid);
          for (let done = 0; done < downloads; done++) await way.download(store, serviceId, documentId, key);
          const entry = results.get(`${size.label}|${way.name}`) ?? { rgw: [], osd: [] };
          entry.rgw.push((cpuMs(rgwPid) - rgwBefore) / downloads);
          entry.osd.push((cpuMs(osdPid) - osdBefore) / downloads);
          results.set(`${size.label}|${way.name}`, entry);
        }
      }
    }
    console.log(
      `radosgw (Debian Ceph, memstore OSD) on 127.0.0.1, ${cpus().length} CPU(s) (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()[0]?.toFixed(1)}, ${new Date().toISOString()}; ${downloads} downloads one at a time per row, median of ${repeat} rounds\n`,
    );
    console.log('| object | requests | radosgw CPU ms/download | OSD CPU ms/download |');
    console.log('| --- | --- | ---: | ---: |');
    for (const [name, entry] of results) {
      const [label, way] = name.split('|') as [string, string];
      console.log(
        `| ${label} | ${way} | ${median(entry.rgw).toFixed(2)} | ${median(entry.osd).toFixed(2)} |`,
      );
    }
  } finally {
    store.close();
    storeBefore.close();
    await rgw.stop();
  }
}

await main();
