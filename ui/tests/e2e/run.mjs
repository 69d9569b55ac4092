// Runs both end-to-end tests of the real app, one after the other (each starts its own app).
import { spawnSync } from 'node:child_process';

let failed = 0;
for (const t of ['app.mjs', 'sync.mjs']) {
  const r = spawnSync(process.execPath, [new URL(t, import.meta.url).pathname], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
console.log(`e2e: ${2 - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
