import { openAsBlob } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { FormData, request } from 'undici';
import { documentApiPaths } from './common/routes.js';

/**
 * The largest file sent as Notify's base64 JSON upload (Notify's file limit, 2 MiB + 1 KiB): larger files go
 * as a streamed multipart form, which only this document API takes.
 */
export const JSON_UPLOAD_LIMIT = 2 * 1024 * 1024 + 1024;

/** The recipient pages' languages a sending service can choose. */
export const UPLOAD_LANGUAGES = ['en', 'cy'] as const;
export type UploadLanguage = (typeof UPLOAD_LANGUAGES)[number];

/** The file: its bytes, or a path to stream it from (read whole only when it is small enough for JSON). */
export type UploadSource = { content: Buffer } | { path: string };

export type UploadRequest = UploadSource & {
  /** Base URL of the document API, e.g. http://localhost:7000. */
  apiUrl: string;
  token: string;
  serviceId: string;
  filename?: string;
  confirmationEmail?: string;
  retentionPeriod?: string;
  isCsv?: boolean;
  language?: UploadLanguage;
  /** Files larger than this many bytes are sent as a multipart form (default JSON_UPLOAD_LIMIT). */
  jsonLimit?: number;
};

export interface UploadedDocument {
  id: string;
  /** The recipient link to put in the email. */
  url: string;
  direct_file_url: string;
  mimetype: string;
}

export class UploadRefusedError extends Error {
  override readonly name = 'UploadRefusedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Uploads a document to the document API. A file up to `jsonLimit` goes the way GOV.UK Notify's API sends it
 * (base64 in JSON), so the client works against Notify's document API too; a larger one goes as
 * `multipart/form-data`, streamed from disk without holding the file in memory.
 */
export async function uploadDocument(upload: UploadRequest): Promise<UploadedDocument> {
  const size = 'content' in upload ? upload.content.length : (await stat(upload.path)).size;
  const { body, contentType } =
    size > (upload.jsonLimit ?? JSON_UPLOAD_LIMIT)
      ? { body: await multipartBody(upload), contentType: undefined }
      : { body: await jsonBody(upload), contentType: 'application/json' };

  const response = await request(
    `${upload.apiUrl.replace(/\/+$/, '')}${documentApiPaths.upload(upload.serviceId)}`,
    {
      method: 'POST',
      // undici writes the multipart Content-Type itself, with the form's boundary.
      headers: {
        authorization: `Bearer ${upload.token}`,
        ...(contentType ? { 'content-type': contentType } : {}),
      },
      body,
    },
  );
  return readAnswer(response.statusCode, await response.body.text());
}

/** The upload's optional fields under the names both forms use, in the order a form sends them. */
export function uploadFields(upload: UploadRequest): Array<[string, string | boolean]> {
  const fields: Array<[string, string | boolean | undefined]> = [
    ['confirmation_email', upload.confirmationEmail],
    ['retention_period', upload.retentionPeriod],
    ['filename', upload.filename],
    ['is_csv', upload.isCsv],
    ['language', upload.language],
  ];
  return fields.filter((field): field is [string, string | boolean] => field[1] !== undefined);
}

async function jsonBody(upload: UploadRequest): Promise<string> {
  const content = 'content' in upload ? upload.content : await readFile(upload.path);
  return JSON.stringify({
    document: content.toString('base64'),
    ...Object.fromEntries(uploadFields(upload)),
  });
}

/**
 * The multipart form: the text fields first, so the API has them before the file, then the file in the part
 * `document`. A file on disk is a file-backed Blob, read in chunks as the request is sent.
 */
async function multipartBody(upload: UploadRequest): Promise<FormData> {
  const form = new FormData();
  for (const [name, value] of uploadFields(upload)) form.append(name, String(value));
  const file =
    'content' in upload ? new Blob([new Uint8Array(upload.content)]) : await openAsBlob(upload.path);
  const partName = upload.filename ?? ('path' in upload ? basename(upload.path) : 'document');
  form.append('document', file, partName);
  return form;
}

function readAnswer(status: number, text: string): UploadedDocument {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status !== 201) {
    const error = (json as { error?: unknown } | undefined)?.error;
    throw new UploadRefusedError(
      status,
      typeof error === 'string' ? error : `the document API answered ${status}`,
    );
  }
  const document = (json as { document?: UploadedDocument } | undefined)?.document;
  if (!document || typeof document.url !== 'string') {
    throw new UploadRefusedError(status, 'the document API gave no document link');
  }
  return document;
}
