// Only ui/src/ipc may import @tauri-apps/*: the screens (ui/src/features/*), the shared
// components and the shell talk to the backend through one typed gateway, so a mocked IPC
// layer tests them and a renamed command breaks in one place. Every folder under ui/src but
// ipc/ is checked, whatever the feature folders are.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../src', import.meta.url).pathname;
const bad = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (p !== join(root, 'ipc')) walk(p);
    } else if (/\.(ts|tsx)$/.test(name) && /from\s+['"]@tauri-apps\//.test(readFileSync(p, 'utf8'))) {
      bad.push(relative(root, p));
    }
  }
}
walk(root);
if (bad.length) {
  console.error(`only src/ipc may import @tauri-apps/*; found in: ${bad.join(', ')}`);
  process.exit(1);
}
