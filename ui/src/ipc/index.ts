export * from './bindings';
export type { JsonValue } from './json';
export { api, IpcError, onLockedCommand } from './commands';
export { onLocked, onSyncProgress } from './events';
