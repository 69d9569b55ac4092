//! Integration tests of punkt-model: one binary, so a cold build links once instead of once per file.

mod deadline_properties;
mod schema;
mod text_edits;
