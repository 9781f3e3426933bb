import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UploadRefusedError, uploadDocument } from '../../src/upload-client.js';
import { createLogger } from '../../src/common/logging.js';
import { samplePdf } from '../../src/dev/sample-pdf.js';
import { writeServicesFile } from '../../src/directory/services-file.js';
import { type RunningSystem, startSystem } from '../../src/system.js';
import { freePort } from '../../harness/ports.js';
import { documentApiPaths } from '../../src/common/routes.js';

const A = {
  id: randomUUID(),
  name: 'Service A',
  contact_link: 'a@example.gov.uk',
  upload_tokens: ['token-for-a'],
};
const B = { id: randomUUID(), name: 'Service B', contact_link: 'b@example.gov.uk' };
let system: RunningSystem;

beforeAll(async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'dd-tokens-'));
  writeServicesFile(join(dataDir, 'services.json'), [A, B]);
  system = await startSystem({
    dataDir,
    apiPort: await freePort(),
    frontendPort: await freePort(),
    adminClientSecret: 'tokens-secret',
    apiEnv: { AUTH_TOKENS: 'global-token' },
    logger: createLogger({ app: 'tokens-test', level: 'silent' }),
  });
});
afterAll(() => system?.close());

const upload = (serviceId: string, token: string) =>
  uploadDocument({ apiUrl: system.apiUrl, token, serviceId, content: samplePdf(['x']) });

describe('upload tokens', () => {
  it('lets a per-service token upload for its own service only', async () => {
    expect((await upload(A.id, 'token-for-a')).url).toContain('/d/');
    await expect(upload(B.id, 'token-for-a')).rejects.toThrow(UploadRefusedError);
    await expect(upload(B.id, 'token-for-a')).rejects.toMatchObject({ status: 403 });
  });

  it('keeps the global AUTH_TOKENS working for every service', async () => {
    expect((await upload(A.id, 'global-token')).url).toContain('/d/');
    expect((await upload(B.id, 'global-token')).url).toContain('/d/');
  });

  it('refuses unknown tokens', async () => {
    await expect(upload(A.id, 'token-for-nobody')).rejects.toMatchObject({ status: 403 });
  });

  it('applies to the file check endpoint too', async () => {
    const check = (serviceId: string) =>
      fetch(`${system.apiUrl}${documentApiPaths.antivirusAndMimetypeCheck(serviceId)}`, {
        method: 'POST',
        headers: { authorization: 'Bearer token-for-a', 'content-type': 'application/json' },
        body: JSON.stringify({ document: samplePdf(['y']).toString('base64') }),
      });
    expect((await check(A.id)).status).toBe(200);
    expect((await check(B.id)).status).toBe(403);
  });
});
