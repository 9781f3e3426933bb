import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signNotifyToken } from '../../src/common/jwt.js';
import { newTraceId } from '../../src/common/tracing.js';
import { serviceDirectoryRoutes } from '../../src/directory/routes.js';
import {
  ServicesFile,
  ServicesFileError,
  parseServicesFile,
  writeServicesFile,
} from '../../src/directory/services-file.js';
import { ServiceDirectoryClient } from '../../src/frontend/clients/service-directory.js';
import { JsonUpstream } from '../../src/frontend/clients/upstream.js';
import { documentApiPaths } from '../../src/common/routes.js';

const ID = '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e';
const SECRET = 'directory-secret';

describe('services file', () => {
  it('reads services and normalises ids', () => {
    const records = parseServicesFile(
      JSON.stringify({
        services: [{ id: ID.toUpperCase(), name: 'Tax', contact_link: 'a@b.com', upload_tokens: ['t'] }],
      }),
    );
    expect(records).toEqual([{ id: ID, name: 'Tax', contact_link: 'a@b.com', upload_tokens: ['t'] }]);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no list', '{}', /no "services" list/],
    ['a bad id', JSON.stringify({ services: [{ id: 'x', name: 'a', contact_link: '' }] }), /UUID/],
    ['no name', JSON.stringify({ services: [{ id: ID, name: ' ', contact_link: '' }] }), /"name"/],
    [
      'a duplicate',
      JSON.stringify({ services: [1, 2].map(() => ({ id: ID, name: 'a', contact_link: '' })) }),
      /twice/,
    ],
    [
      'bad tokens',
      JSON.stringify({ services: [{ id: ID, name: 'a', contact_link: '', upload_tokens: [''] }] }),
      /upload_tokens/,
    ],
  ])('refuses %s with a clear message', (_name, text, message) => {
    expect(() => parseServicesFile(text)).toThrow(ServicesFileError);
    expect(() => parseServicesFile(text)).toThrow(message);
  });

  it('picks up changes written while running', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'services-')), 'services.json');
    let clock = 0;
    const file = new ServicesFile(path, () => clock);
    expect(file.list()).toEqual([]);
    writeServicesFile(path, [{ id: ID, name: 'Tax', contact_link: '', upload_tokens: ['token-1'] }]);
    clock += 1001;
    expect(file.find(ID)?.name).toBe('Tax');
    expect(file.serviceForToken('token-1')?.id).toBe(ID);
    expect(file.serviceForToken('token-2')).toBeUndefined();
  });
});

describe('services file lookups that miss', () => {
  const OTHER = '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
  const newFile = () => join(mkdtempSync(join(tmpdir(), 'services-')), 'services.json');

  it('look at the file again before saying a service is unknown, however soon after a change', () => {
    const path = newFile();
    writeServicesFile(path, [{ id: ID, name: 'Tax', contact_link: '' }]);
    const file = new ServicesFile(path, () => 0); // the clock never moves: no throttle window ever ends
    expect(file.find(ID)?.name).toBe('Tax');
    expect(file.find(OTHER)).toBeUndefined();
    writeServicesFile(path, [...file.list(), { id: OTHER, name: 'Passports', contact_link: '' }]);
    expect(file.find(OTHER)?.name).toBe('Passports');
    writeServicesFile(path, [
      ...file.list(),
      { id: '0d2e9b6a-7e4f-4c3a-9f1e-2b8d6c5a4e31', name: 'Third', contact_link: '' },
    ]);
    expect(file.find('0D2E9B6A-7E4F-4C3A-9F1E-2B8D6C5A4E31')?.name).toBe('Third');
  });

  it('find a just-added upload token at once too', () => {
    const path = newFile();
    writeServicesFile(path, []);
    const file = new ServicesFile(path, () => 0);
    expect(file.serviceForToken('new-token')).toBeUndefined();
    writeServicesFile(path, [{ id: ID, name: 'Tax', contact_link: '', upload_tokens: ['new-token'] }]);
    expect(file.serviceForToken('new-token')?.id).toBe(ID);
  });

  it('keep the last good list while the file is broken, and take the repaired one at once', () => {
    const path = newFile();
    writeServicesFile(path, [{ id: ID, name: 'Tax', contact_link: '' }]);
    const file = new ServicesFile(path, () => 0);
    writeFileSync(`${path}.tmp`, '{ broken');
    renameSync(`${path}.tmp`, path);
    expect(file.find(OTHER)).toBeUndefined();
    expect(file.find(ID)?.name).toBe('Tax');
    writeServicesFile(path, [{ id: OTHER, name: 'Passports', contact_link: '' }]);
    expect(file.find(OTHER)?.name).toBe('Passports');
  });
});

describe('GET /service/{id}', () => {
  let app: FastifyInstance;
  let baseUrl: string;

  beforeAll(async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'services-')), 'services.json');
    writeFileSync(
      path,
      JSON.stringify({ services: [{ id: ID, name: 'Tax <office>', contact_link: 'https://tax.example' }] }),
    );
    app = Fastify();
    await app.register(serviceDirectoryRoutes, {
      services: new ServicesFile(path),
      adminClientSecret: SECRET,
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  const get = (id: string, authorization?: string) =>
    fetch(`${baseUrl}/service/${id}`, { headers: authorization ? { authorization } : {} });

  it("answers the frontend's own client in Notify's shape", async () => {
    const client = new ServiceDirectoryClient(new JsonUpstream('directory', baseUrl), {
      clientId: 'notify-admin',
      clientSecret: SECRET,
    });
    const context = {
      trace: { traceId: newTraceId(), spanId: '0123456789abcdef' },
      signal: new AbortController().signal,
    };
    expect(await client.getService(ID, context)).toEqual({
      name: 'Tax <office>',
      contactLink: 'https://tax.example',
    });
    expect(await client.getService('9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d', context)).toBeUndefined();
  });

  it('returns the service data', async () => {
    const response = await get(ID, `Bearer ${signNotifyToken('notify-admin', SECRET)}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      data: { id: ID, name: 'Tax <office>', contact_link: 'https://tax.example', active: true },
    });
  });

  it('refuses missing, wrong, stale and foreign tokens', async () => {
    expect((await get(ID)).status).toBe(401);
    expect((await get(ID, 'Basic abc')).status).toBe(403);
    expect((await get(ID, `Bearer ${signNotifyToken('notify-admin', 'wrong')}`)).status).toBe(403);
    const stale = signNotifyToken('notify-admin', SECRET, Math.floor(Date.now() / 1000) - 60);
    expect((await get(ID, `Bearer ${stale}`)).status).toBe(403);
    expect((await get(ID, `Bearer ${signNotifyToken('someone-else', SECRET)}`)).status).toBe(403);
  });

  it('answers 404 for unknown or malformed ids', async () => {
    const token = `Bearer ${signNotifyToken('notify-admin', SECRET)}`;
    expect((await get('9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d', token)).status).toBe(404);
    expect((await get('not-a-uuid', token)).status).toBe(404);
  });
});

describe('the API with SERVICES_FILE', () => {
  it('serves the directory from the configured file and takes its upload tokens', async () => {
    const { buildApi } = await import('../../src/api/app.js');
    const { loadApiConfig } = await import('../../src/api/config.js');
    const { createLogger } = await import('../../src/common/logging.js');
    const dir = mkdtempSync(join(tmpdir(), 'api-services-'));
    const path = join(dir, 'services.json');
    writeServicesFile(path, [{ id: ID, name: 'Tax', contact_link: '', upload_tokens: ['own-token'] }]);
    const config = loadApiConfig({
      NOTIFY_ENVIRONMENT: 'test',
      DATA_DIR: dir,
      SERVICES_FILE: path,
      ADMIN_CLIENT_SECRET: SECRET,
    });
    expect(config.serviceDirectory).toEqual({ servicesFile: path, adminClientSecret: SECRET });
    const api = await buildApi(config, { logger: createLogger({ app: 'api-test', level: 'silent' }) });
    try {
      const response = await api.inject({
        url: `/service/${ID}`,
        headers: { authorization: `Bearer ${signNotifyToken('notify-admin', SECRET)}` },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ data: { name: 'Tax' } });
      const upload = (token: string, serviceId: string) =>
        api.inject({
          method: 'POST',
          url: documentApiPaths.upload(serviceId),
          headers: { authorization: `Bearer ${token}` },
          payload: { document: Buffer.from('%PDF-1.4\n%%EOF\n').toString('base64') },
        });
      expect((await upload('own-token', ID)).statusCode).not.toBe(403);
      expect((await upload('own-token', '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d')).statusCode).toBe(403);
    } finally {
      await api.close();
    }
  });

  it('has no directory without SERVICES_FILE', async () => {
    const { loadApiConfig } = await import('../../src/api/config.js');
    expect(loadApiConfig({ NOTIFY_ENVIRONMENT: 'test' }).serviceDirectory).toBeUndefined();
  });
});
