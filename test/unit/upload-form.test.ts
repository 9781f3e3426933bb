// What the upload client sends, against what the OpenAPI description says the API takes: the JSON body and the
// multipart form's fields, with every optional field set.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import description from '../../src/api/openapi.json' with { type: 'json' };
import { JSON_UPLOAD_LIMIT, uploadFields, type UploadRequest } from '../../src/upload-client.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const schemas = JSON.parse(
  JSON.stringify(description.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'),
) as Record<string, object>;
const validate = (name: string, value: unknown) =>
  ajv.validate({ $ref: `#/$defs/${name}`, $defs: schemas }, value) ? [] : ajv.errors;

const upload: UploadRequest = {
  apiUrl: 'http://localhost:7000',
  token: 't',
  serviceId: '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e',
  content: Buffer.from('a,b\n1,2\n'),
  filename: 'table.csv',
  confirmationEmail: 'me@example.com',
  retentionPeriod: '4 weeks',
  isCsv: true,
  language: 'cy',
};

describe('the upload client and the description of the upload', () => {
  it("sends files up to Notify's JSON limit (2 MiB + 1 KiB) as JSON", () => {
    expect(JSON_UPLOAD_LIMIT).toBe(2 * 1024 * 1024 + 1024);
  });

  it('sends the fields in the order the form puts them: the file last', () => {
    expect(uploadFields(upload).map(([name]) => name)).toEqual([
      'confirmation_email',
      'retention_period',
      'filename',
      'is_csv',
      'language',
    ]);
    expect(uploadFields({ ...upload, isCsv: false, language: undefined })).toContainEqual(['is_csv', false]);
    expect(uploadFields({ apiUrl: '', token: '', serviceId: '', content: Buffer.alloc(1) })).toEqual([]);
  });

  it('a JSON body the description accepts', () => {
    const body = { document: upload.content.toString('base64'), ...Object.fromEntries(uploadFields(upload)) };
    expect(validate('UploadRequest', body)).toEqual([]);
    expect(validate('UploadRequest', { ...body, language: 'fr' })).not.toEqual([]);
  });

  it('a form the description accepts: every field as text', () => {
    const form = Object.fromEntries(uploadFields(upload).map(([name, value]) => [name, String(value)]));
    expect(validate('UploadForm', { ...form, document: 'a,b' })).toEqual([]);
    expect(validate('UploadForm', { ...form, document: 'a,b', is_csv: 'yes' })).not.toEqual([]);
    expect(validate('UploadForm', form)).not.toEqual([]);
  });
});
