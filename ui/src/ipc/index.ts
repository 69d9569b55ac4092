export * from './bindings';
export type { JsonValue } from './json';
export { api, IpcError } from './commands';
export { onLocked, onSyncProgress } from './events';
