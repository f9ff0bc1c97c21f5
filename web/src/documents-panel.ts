/**
 * The documents panel: share a file with everyone (progress while it goes), receive what others share. A received
 * file can be saved once its SHA-256 matches the one its sharer announced (the SDK checks it as chunks arrive).
 */
import { DocumentError, toHex, type IncomingDocument } from 'ephemera/client';
import { formatBytes, h } from './dom.js';
import type { MeetingContext } from './context.js';

/** Reads a File as an async iterable of chunks (read again for each pass the SDK needs). */
async function* chunksOf(file: Blob): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      if (value !== undefined) yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

export function documentsPanel(ctx: MeetingContext): HTMLElement {
  const { client } = ctx;
  const list = h('ul', { class: 'documents', 'aria-label': 'Shared files' });
  const input = h('input', { id: 'share-file', type: 'file' });
  // Received files live in this page's memory until it leaves the meeting; then they are let go.
  const urls: string[] = [];
  client.on('close', () => {
    for (const u of urls.splice(0)) URL.revokeObjectURL(u);
  });

  input.addEventListener('change', () => {
    for (const file of [...(input.files ?? [])]) {
      const progress = h('progress', { max: Math.max(1, file.size), value: 0, 'aria-label': `Sending ${file.name}` });
      const status = h('span', { class: 'status' }, 'Preparing…');
      const item = h('li', { class: 'document outgoing', 'data-state': 'sending' }, h('span', { class: 'doc-name' }, `${file.name} (${formatBytes(file.size)})`), progress, status);
      list.prepend(item);
      client
        .shareDocument(() => chunksOf(file), {
          name: file.name,
          type: file.type || 'application/octet-stream',
          onProgress: (sent) => {
            progress.value = sent;
            status.textContent = `Sending ${Math.round((100 * sent) / Math.max(1, file.size))} %`;
          },
        })
        .then((r) => {
          progress.value = file.size;
          item.dataset.state = 'sent';
          item.dataset.sha256 = r.sha256;
          status.textContent = r.dropped.length > 0 ? `Sent; ${r.dropped.length} left before the end.` : 'Sent to everyone.';
        })
        .catch((e: Error) => {
          item.dataset.state = 'failed';
          status.textContent = `Not sent: ${e instanceof DocumentError && e.reason !== '' ? e.reason : e.message}`;
        });
    }
    input.value = '';
  });

  client.on('documentOffered', (doc: IncomingDocument) => {
    const progress = h('progress', { max: Math.max(1, doc.size), value: 0, 'aria-label': `Receiving ${doc.name}` });
    const status = h('span', { class: 'status' }, 'Receiving…');
    const item = h(
      'li',
      { class: 'document incoming', 'data-state': 'receiving', 'data-transfer': doc.transferId },
      h('span', { class: 'doc-name' }, `${doc.name} (${formatBytes(doc.size)}) from ${ctx.nameOf(doc.from)}`),
      progress,
      status,
    );
    list.prepend(item);
    const parts: Uint8Array[] = [];
    let received = 0;
    doc
      .receive((chunk) => {
        parts.push(chunk.slice());
        received += chunk.length;
        progress.value = received;
      })
      .then(() => {
        const hex = toHex(doc.sha256);
        const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: doc.type || 'application/octet-stream' }));
        urls.push(url);
        parts.length = 0;
        item.dataset.state = 'verified';
        item.dataset.sha256 = hex;
        status.replaceChildren(
          h('span', { class: 'hash' }, `SHA-256 verified (${hex.slice(0, 12)}…)`),
          ' ',
          h('a', { class: 'save button', href: url, download: doc.name }, `Save ${doc.name}`),
        );
        ctx.announce(`${doc.name} received and verified.`);
      })
      .catch((e: Error) => {
        parts.length = 0;
        item.dataset.state = 'failed';
        status.textContent = `Not received: ${e instanceof DocumentError && e.reason !== '' ? e.reason : e.message}`;
      });
  });

  return h(
    'section',
    { class: 'panel documents-panel', 'aria-labelledby': 'docs-heading' },
    h('h2', { id: 'docs-heading' }, 'Files'),
    h('label', { for: 'share-file', class: 'button' }, 'Share a file'),
    input,
    list,
  );
}
