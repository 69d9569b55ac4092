import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { KeyRotation, SyncProgress } from './bindings';

/** The store locked itself after the idle time. */
export function onLocked(handler: () => void): Promise<UnlistenFn> {
  return listen('punkt://locked', () => handler());
}

export function onSyncProgress(handler: (p: SyncProgress) => void): Promise<UnlistenFn> {
  return listen<SyncProgress>('punkt://sync-progress', (e) => handler(e.payload));
}

/** Where a change of the data key is (`KeyRotation`). */
export function onKeyRotation(handler: (p: KeyRotation) => void): Promise<UnlistenFn> {
  return listen<KeyRotation>('punkt://key-rotation', (e) => handler(e.payload));
}
