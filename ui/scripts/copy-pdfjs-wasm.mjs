// pdf.js decodes JPEG 2000 and JBIG2 images (common in scanned decisions) with WebAssembly
// modules it loads from `wasmUrl`: copy them next to the built UI (public/ is copied as is).
import { cpSync, mkdirSync } from 'node:fs';

const from = new URL('../node_modules/pdfjs-dist/wasm/', import.meta.url);
const to = new URL('../public/pdfjs-wasm/', import.meta.url);
mkdirSync(to, { recursive: true });
cpSync(from, to, { recursive: true });
