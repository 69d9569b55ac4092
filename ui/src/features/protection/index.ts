// Protecting the people in the files (as crates/core/src/protection): the organisation's data
// protection screen (retention, held erasures, GDPR documents, audit log), legal bases of
// processing, erasing a file.
export { DataProtectionScreen } from './Retention';
