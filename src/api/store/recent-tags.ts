/**
 * Tags just read by a metadata look-up, kept for the one `open` of the same object that follows it (a download
 * asks for the metadata, decides from it, then opens the file): the open takes them instead of asking S3 again.
 * An entry serves one open at most, within `ttlMs`; blocking or deleting through the store drops it.
 */
export class RecentTags {
  private readonly entries = new Map<string, { tags: Record<string, string>; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  remember(objectName: string, tags: Record<string, string>): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(objectName);
    // Oldest first (insertion order): drop the stale ones, and the oldest beyond the bound.
    const now = this.now();
    for (const [name, entry] of this.entries) {
      if (now - entry.at < this.ttlMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(name);
    }
    this.entries.set(objectName, { tags, at: now });
  }

  /** The tags remembered for this object if still fresh; either way the entry is used up. */
  take(objectName: string): Record<string, string> | undefined {
    const entry = this.entries.get(objectName);
    if (!entry) return undefined;
    this.entries.delete(objectName);
    return this.now() - entry.at < this.ttlMs ? entry.tags : undefined;
  }

  forget(objectName: string): void {
    this.entries.delete(objectName);
  }
}
