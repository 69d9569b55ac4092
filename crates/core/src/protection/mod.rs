//! Protecting the people in the files (GDPR): the access document (Art. 15), the record of
//! processing and the DPIA (Art. 30, 35), legal bases per processing, erasure that really
//! erases, the retention rule, the organisation's settings (controller, projects, retention)
//! and the audit view.

pub mod access;
pub mod audit;
pub mod erase;
pub mod gdpr_records;
pub mod organisation;
pub mod processing;
pub mod retention;
