// Sync with the organisation's server and its people and laptops (crates/core/src/sync).
export { SyncScreen } from './Sync';
