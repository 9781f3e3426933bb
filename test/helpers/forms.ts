import { parseHtml } from './frontend-harness.js';

/** The CSRF cookie and token from a confirm page, as a browser would keep them. */
export interface FormSession {
  cookie: string;
  token: string;
}

export async function formSession(response: Response): Promise<FormSession> {
  const html = await response.text();
  const token = parseHtml(html)('input[type="hidden"][name="csrf_token"]').attr('value');
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('_csrf='));
  if (!token || !setCookie) throw new Error('the confirm page did not set up a CSRF token');
  return { cookie: setCookie.split(';')[0] as string, token };
}

export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
