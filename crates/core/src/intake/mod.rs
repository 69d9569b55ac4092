//! Ways people come into the store in bulk or in the field: a spreadsheet import, a visit to a
//! closed centre (several people, one write each), and the demo data for trying Punkt out.

pub mod demo;
pub mod import;
pub mod visit;
