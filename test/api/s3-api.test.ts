// The document API over HTTP with the S3 store on a real radosgw: what Notify's API uploads and what Notify's
// frontend reads, end to end, including objects written the way Notify's own API writes them.
import { randomBytes, randomUUID } from 'node:crypto';
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64url } from '../../src/common/ids.js';
import { createS3Store, type S3DocumentStore } from '../../src/api/store/s3-store.js';
import { SERVICE_ID, local, startApi, upload, type RunningApi } from '../helpers/api-harness.js';
import { pdf } from '../../harness/samples.js';
import { startRgw, type RunningRgw } from '../../harness/rgw.js';
import { documentApiPaths } from '../../src/common/routes.js';
import { sendMultipart } from './multipart-client.js';

const NOTIFY_EMAIL_HASH = '$argon2id$v=19$m=15360,t=2,p=1$TbksGnnfX+oTuuC9D2eAeg$wcqEhqGBGetCWH+DFqk4mQ';

let rgw: RunningRgw;
let store: S3DocumentStore;
let api: RunningApi;

beforeAll(async () => {
  rgw = await startRgw();
  store = createS3Store({
    bucket: `api-${randomUUID()}`,
    endpoint: rgw.endpoint,
    region: rgw.region,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
  });
  await store.ensureBucket();
  api = await startApi({}, { store });
}, 240_000);

afterAll(async () => {
  await api?.close();
  store?.close();
  await rgw?.stop();
}, 60_000);

/** Puts an object exactly as Notify's API does (boto3 put_object, SSE-C, urlencoded tags). */
async function putLikeNotify(options: {
  content: Buffer;
  mimetype: string;
  tagging: string;
  metadata?: Record<string, string>;
}): Promise<{ documentId: string; key: Buffer; objectKey: string }> {
  const documentId = randomUUID();
  const key = randomBytes(32);
  const objectKey = `${SERVICE_ID}/${documentId}`;
  await store.client.send(
    new PutObjectCommand({
      Bucket: store.bucket,
      Key: objectKey,
      Body: options.content,
      ContentType: options.mimetype,
      SSECustomerAlgorithm: 'AES256',
      SSECustomerKey: key.toString('base64'),
      Metadata: options.metadata ?? {},
      Tagging: options.tagging,
    }),
  );
  return { documentId, key, objectKey };
}

function todayTagging(retention = '4+weeks'): string {
  const createdAt = `${new Date().toISOString().slice(0, 19)}+00:00`;
  return `created-at=${encodeURIComponent(createdAt)}&retention-period=${retention}`;
}

function documentUrl(documentId: string, key: Buffer, suffix = ''): string {
  return `${api.url}${documentApiPaths.download(SERVICE_ID, documentId)}${suffix}?key=${bytesToBase64url(key)}`;
}

describe('document API with the S3 store', () => {
  it('creates a streamed upload with its type and fields, so committing it needs no second upload', async () => {
    const sent: string[] = [];
    store.client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommandsForTest' },
    );
    try {
      const head = pdf('streamed to S3');
      // Past one 5 MiB part, so the multipart upload is created while the file is still arriving.
      const file = [head, ...Array.from({ length: 6 }, () => randomBytes(1024 * 1024))];
      const answer = await sendMultipart(api, [
        { field: 'filename', value: 'report.pdf' },
        { field: 'confirmation_email', value: 'someone@example.com' },
        { file },
      ]);
      expect(answer.status).toBe(201);
      expect(answer.body.document.mimetype).toBe('application/pdf');
      expect(sent.filter((name) => name === 'CreateMultipartUploadCommand')).toHaveLength(1);
      expect(sent).not.toContain('GetObjectCommand');
      const object = await store.client.send(
        new HeadObjectCommand({
          Bucket: store.bucket,
          Key: `${SERVICE_ID}/${answer.body.document.id}`,
          SSECustomerAlgorithm: 'AES256',
          SSECustomerKey: Buffer.from(
            new URL(answer.body.document.url).searchParams.get('key') as string,
            'base64url',
          ).toString('base64'),
        }),
      );
      expect(object.ContentType).toBe('application/pdf');
      expect(object.Metadata?.filename).toBe('report.pdf');
      expect(object.Metadata?.['hashed-recipient-email']).toMatch(/^\$argon2id\$/);
    } finally {
      store.client.middlewareStack.remove('recordCommandsForTest');
    }
  });

  it('uploads into S3 in Notify’s layout and downloads the same bytes', async () => {
    const content = pdf('S3 round trip');
    const uploaded = await upload(api, content, { filename: 'Résumé ☃.pdf', retention_period: '3 weeks' });
    expect(uploaded.status).toBe(201);
    const { id, direct_file_url: directFileUrl } = uploaded.body.document;

    // Encrypted with SSE-C: the object is there, but unreadable without the key from the link.
    const objectKey = `${SERVICE_ID}/${id}`;
    await expect(
      store.client.send(new HeadObjectCommand({ Bucket: store.bucket, Key: objectKey })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    const tagging = await store.client.send(
      new GetObjectTaggingCommand({ Bucket: store.bucket, Key: objectKey }),
    );
    const tags = Object.fromEntries((tagging.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
    expect(tags['retention-period']).toBe('3 weeks');

    const response = await fetch(local(api, directFileUrl));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(response.headers.get('content-length')).toBe(String(content.length));
    expect(response.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''R%C3%A9sum%C3%A9%20%E2%98%83.pdf",
    );
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
  });

  it('serves a document Notify’s API wrote: check, email gate, authenticate, download, ranges', async () => {
    const content = pdf('Written by Notify');
    const { documentId, key } = await putLikeNotify({
      content,
      mimetype: 'application/pdf',
      tagging: todayTagging(),
      metadata: {
        'hashed-recipient-email': NOTIFY_EMAIL_HASH,
        filename: String.raw`Donn\xe9es \u2013 2024.pdf`,
      },
    });

    const check = await fetch(documentUrl(documentId, key, '/check'));
    expect(check.status).toBe(200);
    const { document } = (await check.json()) as { document: Record<string, unknown> };
    expect(document).toMatchObject({
      confirm_email: true,
      size_in_bytes: content.length,
      file_extension: 'pdf',
      filename: 'Données – 2024.pdf',
    });
    expect(document['available_until']).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const gated = await fetch(documentUrl(documentId, key), { redirect: 'manual' });
    expect(gated.status).toBe(302);
    await gated.body?.cancel();

    const denied = await fetch(`${api.url}${documentApiPaths.authenticate(SERVICE_ID, documentId)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: bytesToBase64url(key), email_address: 'someone.else@example.com' }),
    });
    expect(denied.status).toBe(403);
    const authenticated = await fetch(`${api.url}${documentApiPaths.authenticate(SERVICE_ID, documentId)}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: bytesToBase64url(key), email_address: 'test@example.com' }),
    });
    expect(authenticated.status).toBe(200);
    const { signed_data: signedData } = (await authenticated.json()) as { signed_data: string };
    const cookie = `document_access_signed_data=${encodeURIComponent(signedData)}`;

    const download = await fetch(documentUrl(documentId, key, '.pdf'), { headers: { cookie } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain(
      "filename*=UTF-8''Donn%C3%A9es%20%E2%80%93%202024.pdf",
    );
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);

    const partial = await fetch(documentUrl(documentId, key), { headers: { cookie, range: 'bytes=9-40' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 9-40/${content.length}`);
    expect(Buffer.from(await partial.arrayBuffer()).equals(content.subarray(9, 41))).toBe(true);
  });

  it('answers 404 for a wrong key, exactly as for a missing document', async () => {
    const { documentId } = await putLikeNotify({
      content: Buffer.from('a,b\n1,2\n'),
      mimetype: 'text/csv',
      tagging: todayTagging(),
    });
    const wrongKey = await fetch(documentUrl(documentId, randomBytes(32), '/check'));
    const missing = await fetch(documentUrl(randomUUID(), randomBytes(32), '/check'));
    expect(wrongKey.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await wrongKey.json()).toEqual(await missing.json());
  });

  it('answers 403 once an operator tags the object blocked=yes', async () => {
    const { documentId, key, objectKey } = await putLikeNotify({
      content: pdf('blocked'),
      mimetype: 'application/pdf',
      tagging: todayTagging(),
    });
    expect((await fetch(documentUrl(documentId, key, '/check'))).status).toBe(200);
    const current = await store.client.send(
      new GetObjectTaggingCommand({ Bucket: store.bucket, Key: objectKey }),
    );
    await store.client.send(
      new PutObjectTaggingCommand({
        Bucket: store.bucket,
        Key: objectKey,
        Tagging: { TagSet: [...(current.TagSet ?? []), { Key: 'blocked', Value: 'Yes' }] },
      }),
    );
    expect((await fetch(documentUrl(documentId, key, '/check'))).status).toBe(403);
    expect((await fetch(documentUrl(documentId, key))).status).toBe(403);
  });

  it('answers 410 for a document past its retention and leaves it in S3 (deleting is purge’s job)', async () => {
    const { documentId, key, objectKey } = await putLikeNotify({
      content: pdf('old'),
      mimetype: 'application/pdf',
      tagging: 'created-at=2020-01-01T10%3A00%3A00%2B00%3A00&retention-period=1+weeks',
    });
    expect((await fetch(documentUrl(documentId, key, '/check'))).status).toBe(410);
    expect((await fetch(documentUrl(documentId, key))).status).toBe(410);
    expect((await fetch(documentUrl(documentId, key, '/check'))).status).toBe(410);
    const tags = await store.client.send(
      new GetObjectTaggingCommand({ Bucket: store.bucket, Key: objectKey }),
    );
    expect(tags.TagSet?.length).toBeGreaterThan(0);
    expect(await store.purgeExpired(new Date())).toBeGreaterThanOrEqual(1);
    await expect(
      store.client.send(new GetObjectTaggingCommand({ Bucket: store.bucket, Key: objectKey })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 404 } });
  });
});
