export * from './bindings';
export type { JsonValue } from './json';
export { api, IpcError, newJob, onLockedCommand } from './commands';
export { onKeyRotation, onLocked, onSyncProgress } from './events';
