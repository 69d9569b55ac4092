import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app is served from the Tauri binary (no dev server in the project's flow); relative
// asset paths let the Playwright tests serve the same build from a plain folder.
export default defineConfig({
  plugins: [react()],
  base: './',
  clearScreen: false,
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      output: {
        // pdf.js's worker is an .mjs asset: served as .js, every server gives it a script type.
        assetFileNames: (asset) =>
          (asset.names?.[0] ?? '').endsWith('.mjs') ? 'assets/[name]-[hash].js' : 'assets/[name]-[hash][extname]',
      },
    },
  },
});
