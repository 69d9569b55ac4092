// ESLint for the UI (`npm run lint`, run by scripts/test.sh): @eslint/js and typescript-eslint
// recommended, and React's rules of hooks (with the React Compiler's checks that come with them).
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Build output, screenshots, pdf.js's copied files; bindings.ts is generated from Rust (ts-rs).
  { ignores: ['dist/', 'test-output/', 'public/pdfjs-wasm/', 'src/ipc/bindings.ts'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // The app: runs in the webview.
    files: ['src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat['recommended-latest']],
    languageOptions: { globals: globals.browser },
  },
  {
    // The test runners and build scripts run in Node; the callbacks they hand to the page
    // (page.evaluate, browser.execute) run in the browser.
    files: ['**/*.{js,mjs}', 'vite.config.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    // The fake backend is a classic script injected into every page of the screen tests.
    files: ['tests/mock-backend.js'],
    languageOptions: { sourceType: 'script', globals: globals.browser },
  },
);
