import { Loader, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** The pages shown of a PDF; a longer scan says how many more it has. */
const MAX_PAGES = 20;

function bytesOf(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A scanned decision in PDF, drawn page by page with pdf.js: the bytes never leave memory (no
 * temporary file, no viewer of the system). */
export function PdfView({ data }: { data: string }) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const [pages, setPages] = useState<number | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    let task: { destroy: () => Promise<void> } | null = null;
    (async () => {
      const pdfjs = await import('pdfjs-dist');
      const worker = await import('pdfjs-dist/build/pdf.worker.min.mjs?url');
      pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
      const loading = pdfjs.getDocument({ data: bytesOf(data), isEvalSupported: false, wasmUrl: './pdfjs-wasm/' });
      task = loading;
      const doc = await loading.promise;
      if (cancelled) return;
      setPages(doc.numPages);
      for (let n = 1; n <= Math.min(doc.numPages, MAX_PAGES) && !cancelled; n++) {
        const page = await doc.getPage(n);
        const viewport = page.getViewport({ scale: 1.4 });
        const canvas = document.createElement('canvas');
        canvas.width = viewport.width;
        canvas.height = viewport.height;
        canvas.style.maxWidth = '100%';
        canvas.dataset.testid = 'pdf-page';
        box.current?.appendChild(canvas);
        await page.render({ canvas, viewport }).promise;
      }
    })().catch((e: unknown) => !cancelled && setFailed(String(e)));
    return () => {
      cancelled = true;
      // The worker holds the decrypted PDF: end it when the view closes (or the app locks).
      void task?.destroy();
    };
  }, [data]);

  return (
    <Stack gap="xs">
      {pages === null && !failed && <Loader size="sm" />}
      {failed && (
        <Text c="red" data-testid="pdf-failed">
          {t('client.pdf_failed')} <Text span size="xs" c="dimmed">{failed}</Text>
        </Text>
      )}
      {pages !== null && pages > MAX_PAGES && <Text size="sm" c="dimmed">{t('client.pdf_more', { count: pages - MAX_PAGES })}</Text>}
      <div ref={box} style={{ display: 'flex', flexDirection: 'column', gap: 8 }} />
    </Stack>
  );
}
