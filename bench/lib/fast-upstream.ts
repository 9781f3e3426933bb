/**
 * Instant local upstreams for the frontend benchmark, in their own process: the service directory
 * (`GET /service/:id`) and the document API (`GET .../check`) answered from prepared bytes, keep-alive on.
 * A document whose id starts with CONFIRM_DOCUMENT_PREFIX asks the recipient to confirm their email address.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { reportReady } from './child.js';

const CONFIRM_DOCUMENT_PREFIX = 'c0ffee';

const serviceBody = Buffer.from(
  JSON.stringify({ data: { name: 'Apply for a licence', contact_link: 'https://example.gov.uk/contact' } }),
);

function documentBody(path: string): Buffer {
  const match = /^\/services\/([\w-]+)\/documents\/([\w-]+)\/check\?key=([\w-]+)$/.exec(path);
  return Buffer.from(
    JSON.stringify({
      document: {
        direct_file_url: `http://localhost:7000/services/${match?.[1]}/documents/${match?.[2]}.pdf?key=${match?.[3]}`,
        confirm_email: match?.[2]?.startsWith(CONFIRM_DOCUMENT_PREFIX) === true,
        size_in_bytes: 1_258_291,
        file_extension: 'pdf',
        filename: 'letter.pdf',
        available_until: '2099-12-31',
      },
    }),
  );
}

const server = createServer((req, res) => {
  const url = req.url ?? '';
  let status = 200;
  let body: Buffer;
  if (req.method === 'GET' && url.startsWith('/service/')) body = serviceBody;
  else if (req.method === 'GET' && url.includes('/check?')) body = documentBody(url);
  else {
    status = 404;
    body = Buffer.from('{"error":"not found"}');
  }
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 90_000;
server.listen(0, '127.0.0.1', () => {
  reportReady((server.address() as AddressInfo).port, async () => {
    server.closeAllConnections();
    server.close();
  });
});
