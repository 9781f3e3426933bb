import type { DocumentStore, StagedDocument, StagedDocumentStart } from './document-store.js';

/**
 * A staged write that collects the bytes in memory and stores them with one `put` at commit: correct, but its
 * memory grows with the file. A stopgap for stores without a streamed write of their own.
 */
export function bufferedStage(store: Pick<DocumentStore, 'put'>, start: StagedDocumentStart): StagedDocument {
  let chunks: Buffer[] = [];
  let state: 'open' | 'committed' | 'aborted' = 'open';
  return {
    async write(chunk) {
      if (state !== 'open') throw new Error(`staged document already ${state}`);
      chunks.push(chunk);
    },
    async commit(metadata) {
      if (state !== 'open') throw new Error(`staged document already ${state}`);
      const content = Buffer.concat(chunks);
      chunks = [];
      await store.put({
        serviceId: start.serviceId,
        documentId: start.documentId,
        key: start.key,
        content,
        metadata,
      });
      state = 'committed';
    },
    async abort() {
      if (state === 'committed') return;
      state = 'aborted';
      chunks = [];
    },
  };
}
