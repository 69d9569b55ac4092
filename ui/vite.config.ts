import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The app is served from the Tauri binary (no dev server in the project's flow); relative
// asset paths let the Playwright tests serve the same build from a plain folder.
export default defineConfig({
  plugins: [react()],
  base: './',
  clearScreen: false,
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
});
