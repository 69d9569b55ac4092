// Counting for donors (crates/core/src/reports): reports with the consortium count, group activities.
export { Activities } from './Activities';
export { Reports } from './Reports';
