import { request } from 'undici';
import { documentApiPaths } from './common/routes.js';

export interface UploadRequest {
  /** Base URL of the document API, e.g. http://localhost:7000. */
  apiUrl: string;
  token: string;
  serviceId: string;
  content: Buffer;
  filename?: string;
  confirmationEmail?: string;
  retentionPeriod?: string;
  isCsv?: boolean;
}

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

/** Sends a document the way GOV.UK Notify's API does: base64 JSON to the document API's upload route. */
export async function uploadDocument(upload: UploadRequest): Promise<UploadedDocument> {
  const body: Record<string, unknown> = { document: upload.content.toString('base64') };
  if (upload.filename !== undefined) body.filename = upload.filename;
  if (upload.confirmationEmail !== undefined) body.confirmation_email = upload.confirmationEmail;
  if (upload.retentionPeriod !== undefined) body.retention_period = upload.retentionPeriod;
  if (upload.isCsv !== undefined) body.is_csv = upload.isCsv;

  const response = await request(
    `${upload.apiUrl.replace(/\/+$/, '')}${documentApiPaths.upload(upload.serviceId)}`,
    {
      method: 'POST',
      headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
  );
  const text = await response.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.statusCode !== 201) {
    const error = (json as { error?: unknown } | undefined)?.error;
    throw new UploadRefusedError(
      response.statusCode,
      typeof error === 'string' ? error : `the document API answered ${response.statusCode}`,
    );
  }
  const document = (json as { document?: UploadedDocument } | undefined)?.document;
  if (!document || typeof document.url !== 'string') {
    throw new UploadRefusedError(response.statusCode, 'the document API gave no document link');
  }
  return document;
}
