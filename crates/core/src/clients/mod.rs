//! The person's file and what hangs on it: the file's input and view types (`dto`), its
//! sections and their readers, concurrent values shown side by side (`conflicts`), history,
//! likely duplicates and their merge, search and the home screen's board (read from the index,
//! never by loading documents), attachments, drafts, referrals between organisations, and the
//! vocabularies and labels the front ends name things by. `indexing` turns a document into its
//! index rows.

pub mod attachments;
pub mod concurrent;
pub mod conflicts;
pub mod deadlines;
pub mod drafts;
pub mod dto;
pub mod duplicates;
pub mod file;
pub mod history;
pub mod home;
pub mod indexing;
pub mod labels;
pub mod referrals;
pub mod search;
pub mod sections;
pub mod vocabulary;
