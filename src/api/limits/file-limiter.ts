import { createHash } from 'node:crypto';
import { mkdir, open, readFile, readdir, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RateDecision, RateLimit, RateLimiter } from './rate-limiter.js';

/*
 * A sliding-window rate limit shared by every process on one machine, with no lock and no coordinator: the
 * file system's atomic exclusive create does the counting.
 *
 * Each key has a folder with `limit` slots. A slot's history is a series of files `{slot}.{generation}` holding
 * the time (ms) the attempt was accepted. An attempt lists the folder, reads each slot's newest file, and
 * takes a slot whose newest attempt is at least one interval old (or that was never used) by creating
 * `{slot}.{generation + 1}` with O_CREAT|O_EXCL. Only one process can create a given name, so a slot is
 * taken at most once per interval, and any window of `interval` holds at most `limit` accepted attempts —
 * exactly the sliding window, across processes, and still correct after a kill -9 at any point (a file is
 * either created or not; an empty, just-created file counts as taken now). Losers of a race re-read and try
 * another slot. Old generations are removed behind the newest two, so a slow reader never sees a slot empty.
 */

const SLOT_FILE = /^(\d+)\.(\d+)$/;
const MAX_ROUNDS = 200;

export class FileRateLimiter implements RateLimiter {
  constructor(
    private readonly root: string,
    private readonly rate: RateLimit,
  ) {}

  async consume(key: string): Promise<RateDecision> {
    const dir = join(this.root, createHash('sha256').update(key).digest('hex'));
    const intervalMs = this.rate.intervalSeconds * 1000;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = Date.now();
      const slots = await this.readSlots(dir, now);
      if (slots === undefined) continue; // a file vanished while reading: look again
      // Busy slots were taken within the interval; the rest (expired or never used) are free.
      const expired: number[] = [];
      let busy = 0;
      let soonest = Infinity;
      for (const [slot, newest] of slots) {
        if (newest.time <= now - intervalMs) expired.push(slot);
        else {
          busy++;
          soonest = Math.min(soonest, newest.time + intervalMs - now);
        }
      }
      if (busy >= this.rate.limit) {
        return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(soonest / 1000)) };
      }
      const slot = this.pickFreeSlot(slots, expired);
      const current = slots.get(slot);
      const generation = current ? current.generation + 1 : 0;
      if (await this.create(dir, `${slot}.${generation}`, now)) {
        if (current) void this.removeOlder(dir, slot, current.generation, current.older);
        return { allowed: true, retryAfterSeconds: 0 };
      }
    }
    // Extreme contention: refuse rather than risk counting wrong.
    return { allowed: false, retryAfterSeconds: 1 };
  }

  /** A free slot, chosen at random so that racing processes rarely want the same one. */
  private pickFreeSlot(slots: ReadonlyMap<number, unknown>, expired: number[]): number {
    const unused = this.rate.limit - slots.size;
    if (unused > 0 && (expired.length === 0 || Math.random() * (unused + expired.length) < unused)) {
      // Random indices first (cheap while few slots are in use), then a scan.
      for (let attempt = 0; attempt < 16; attempt++) {
        const slot = Math.floor(Math.random() * this.rate.limit);
        if (!slots.has(slot)) return slot;
      }
      for (let slot = 0; slot < this.rate.limit; slot++) if (!slots.has(slot)) return slot;
    }
    return expired[Math.floor(Math.random() * expired.length)] as number;
  }

  /** Removes the folders of keys not used for three intervals (run from the purge job). */
  async purge(now = Date.now()): Promise<number> {
    let removed = 0;
    const names = await readdir(this.root).catch(() => [] as string[]);
    for (const name of names) {
      const dir = join(this.root, name);
      const info = await stat(dir).catch(() => undefined);
      if (info?.isDirectory() && now - info.mtimeMs > 3 * this.rate.intervalSeconds * 1000) {
        await rm(dir, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  private async readSlots(
    dir: string,
    now: number,
  ): Promise<Map<number, { generation: number; time: number; older: number[] }> | undefined> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      await mkdir(dir, { recursive: true });
      names = [];
    }
    const newest = new Map<number, { generation: number; older: number[] }>();
    for (const name of names) {
      const match = SLOT_FILE.exec(name);
      if (!match) continue;
      const slot = Number(match[1]);
      const generation = Number(match[2]);
      if (slot >= this.rate.limit) continue;
      const known = newest.get(slot);
      if (!known) newest.set(slot, { generation, older: [] });
      else if (generation > known.generation) {
        known.older.push(known.generation);
        known.generation = generation;
      } else known.older.push(generation);
    }
    const result = new Map<number, { generation: number; time: number; older: number[] }>();
    let vanished = false;
    await Promise.all(
      [...newest].map(async ([slot, { generation, older }]) => {
        try {
          const path = join(dir, `${slot}.${generation}`);
          const text = await readFile(path, 'utf8');
          let time = Number(text);
          if (text === '' || !Number.isFinite(time)) {
            // Created by another process that has not written it yet (or died before writing): its
            // creation time is when the slot was taken.
            time = Math.min(now, (await stat(path)).mtimeMs);
          }
          result.set(slot, { generation, time, older });
        } catch (error) {
          if ((error as { code?: string }).code !== 'ENOENT') throw error;
          vanished = true;
        }
      }),
    );
    return vanished ? undefined : result;
  }

  private async create(dir: string, name: string, now: number): Promise<boolean> {
    let handle;
    try {
      handle = await open(join(dir, name), 'wx', 0o600);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'EEXIST') return false;
      if (code === 'ENOENT') {
        await mkdir(dir, { recursive: true });
        return false;
      }
      throw error;
    }
    try {
      await handle.writeFile(String(now));
    } finally {
      await handle.close();
    }
    return true;
  }

  private async removeOlder(dir: string, slot: number, previous: number, older: number[]): Promise<void> {
    // Keep the newest two generations; anything before `previous` can go.
    await Promise.all(
      older
        .filter((generation) => generation < previous)
        .map((generation) => unlink(join(dir, `${slot}.${generation}`)).catch(() => undefined)),
    );
  }
}
