import { randomFillSync } from 'node:crypto';

// Every response takes four random values (trace id, span ids, CSP nonce). One CSPRNG call per value cost
// ~3 % of a page's CPU; drawing them from a buffer filled 4 KiB at a time costs a copy. Each byte is handed out
// once, as node:crypto's own randomUUID does with its cache.
const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafe(POOL_SIZE);
let offset = POOL_SIZE;

function take(bytes: number): Buffer {
  if (offset + bytes > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const slice = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return slice;
}

/** `bytes` fresh random bytes from the CSPRNG, as lowercase hex. */
export function randomHex(bytes: number): string {
  return take(bytes).toString('hex');
}

/** `bytes` fresh random bytes from the CSPRNG, as base64. */
export function randomBase64(bytes: number): string {
  return take(bytes).toString('base64');
}
