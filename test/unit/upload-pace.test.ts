import { afterEach, describe, expect, it } from 'vitest';
import type { ApiError } from '../../src/api/errors.js';
import { UPLOAD_STALLED, UPLOAD_TOO_SLOW, UploadPace } from '../../src/api/requests/upload-pace.js';

const LIMITS = { stallTimeoutMs: 15_000, minBytesPerSecond: 1000, windowMs: 30_000 };
let clock = 0;
const paces: UploadPace[] = [];

function pace(limits = LIMITS): UploadPace {
  clock = 0;
  const made = new UploadPace(limits, () => clock);
  paces.push(made);
  return made;
}

/** Advances the clock a second at a time, receiving `bytesPerSecond` each second, checking each time. */
function run(made: UploadPace, seconds: number, bytesPerSecond: number): void {
  for (let second = 0; second < seconds && !made.signal.aborted; second++) {
    clock += 1000;
    if (bytesPerSecond > 0) made.received(bytesPerSecond);
    made.check();
  }
}

function reason(made: UploadPace): string | undefined {
  const error = made.signal.reason as ApiError | undefined;
  if (error) expect(error.statusCode).toBe(408);
  return error?.message;
}

afterEach(() => paces.splice(0).forEach((made) => made.stop()));

describe('the pace of a streamed upload', () => {
  it('lets a slow but steady upload go on for as long as it takes', () => {
    const made = pace();
    run(made, 600, 1500);
    expect(made.signal.aborted).toBe(false);
  });

  it('ends an upload that sends nothing for the stall timeout', () => {
    const made = pace();
    run(made, 20, 5000);
    run(made, 14, 0);
    expect(made.signal.aborted).toBe(false);
    run(made, 1, 0);
    expect(reason(made)).toBe(UPLOAD_STALLED);
  });

  it('ends an upload whose rate over the window falls below the minimum, never before a whole window', () => {
    const made = pace();
    run(made, 29, 100);
    expect(made.signal.aborted).toBe(false);
    run(made, 2, 100);
    expect(reason(made)).toBe(UPLOAD_TOO_SLOW);
  });

  it('judges the last window, not the whole upload: a fast start does not excuse a crawl later', () => {
    const made = pace();
    run(made, 30, 100_000);
    run(made, 29, 100);
    expect(made.signal.aborted).toBe(false);
    run(made, 3, 100);
    expect(reason(made)).toBe(UPLOAD_TOO_SLOW);
  });

  it('does not count time spent waiting for the scanner or the store against the client', async () => {
    const made = pace();
    let release = () => {};
    const held = made.heldBackBy(new Promise<void>((resolve) => (release = resolve)));
    run(made, 60, 0);
    expect(made.signal.aborted).toBe(false);
    release();
    await held;
    run(made, 14, 0);
    expect(made.signal.aborted).toBe(false);
  });

  it('has no rate rule when the minimum is 0', () => {
    const made = pace({ ...LIMITS, minBytesPerSecond: 0 });
    run(made, 120, 1);
    expect(made.signal.aborted).toBe(false);
  });
});
