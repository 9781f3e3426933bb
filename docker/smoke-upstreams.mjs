// Local stand-ins for the frontend's two upstreams, for scripts/container-smoke.sh: the service directory
// (GET /service/:id) and the document API (GET /services/:sid/documents/:did/check). Plain Node, no packages.
// Prints one JSON line with their URLs and a landing-page path, then serves until killed.
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import process from 'node:process';

const serviceId = '3a8e6e1c-0b52-4a7d-9c1e-5f0a2b3c4d5e';
const documentId = '9f1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';
const key = 'aOq0QX2yrcvUnqvmeF8kuKvM0Uz7u3oj3X8tSxsCGeU';
const b64 = (uuid) => Buffer.from(uuid.replaceAll('-', ''), 'hex').toString('base64url');

function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const directory = createServer((req, res) => {
  if (req.url === `/service/${serviceId}`) {
    return json(res, 200, {
      data: { name: 'Container Smoke Service', contact_link: 'https://www.gov.uk/contact' },
    });
  }
  json(res, 404, { result: 'error', message: 'No result found' });
});

const documentApi = createServer((req, res) => {
  if (req.url?.startsWith(`/services/${serviceId}/documents/${documentId}/check`)) {
    return json(res, 200, {
      document: {
        direct_file_url: `http://127.0.0.1:1/services/${serviceId}/documents/${documentId}.pdf?key=${key}`,
        confirm_email: false,
        size_in_bytes: 1234,
        file_extension: 'pdf',
        filename: 'letter.pdf',
        available_until: '2099-12-31',
      },
    });
  }
  json(res, 404, { error: 'No document' });
});

const listen = (server) =>
  new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
const [directoryPort, documentApiPort] = await Promise.all([listen(directory), listen(documentApi)]);
process.stdout.write(
  `${JSON.stringify({
    directory: `http://127.0.0.1:${directoryPort}`,
    documentApi: `http://127.0.0.1:${documentApiPort}`,
    landing: `/d/${b64(serviceId)}/${b64(documentId)}?key=${key}`,
  })}\n`,
);
