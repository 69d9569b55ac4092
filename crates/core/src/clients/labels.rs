//! The names people read, per language (Polish, English, Ukrainian, Russian): vocabulary values
//! and the labels of documents Punkt writes (the access-request document, the XLSX report).
//! The same files the desktop app's catalogues are checked against
//! (`crates/model/data/names/*.json`).

use serde_json::Value;

use crate::error::{CoreError, Result};

/// The languages documents can be written in.
pub const LANGUAGES: &[&str] = &["pl", "en", "uk", "ru"];

pub(crate) struct Labels(Value);

impl Labels {
    pub(crate) fn for_lang(lang: &str) -> Result<Labels> {
        let text = match lang {
            "pl" => include_str!("../../../model/data/names/pl.json"),
            "en" => include_str!("../../../model/data/names/en.json"),
            "uk" => include_str!("../../../model/data/names/uk.json"),
            "ru" => include_str!("../../../model/data/names/ru.json"),
            _ => {
                return Err(CoreError::Invalid(format!(
                    "lang: '{lang}' is not one of {}",
                    LANGUAGES.join(", ")
                )))
            }
        };
        Ok(Labels(
            serde_json::from_str(text).expect("the names files are valid JSON (tested)"),
        ))
    }

    /// A label of one of the documents (`section` is `document` or `report`); the key itself
    /// when unnamed.
    pub(crate) fn text(&self, section: &str, key: &str) -> String {
        self.0[section][key].as_str().unwrap_or(key).to_string()
    }

    /// The name of a vocabulary value (the code itself when unnamed).
    pub(crate) fn vocab(&self, group: &str, code: &str) -> String {
        self.0["vocab"][group][code]
            .as_str()
            .unwrap_or(code)
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_loads_and_names_the_same_labels() {
        for section in ["report", "document", "record", "dpia"] {
            let keys = |l: &Labels| {
                let mut k = l.0[section]
                    .as_object()
                    .unwrap_or_else(|| panic!("a {section} section"))
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>();
                k.sort();
                k
            };
            let pl = keys(&Labels::for_lang("pl").unwrap());
            for lang in LANGUAGES {
                assert_eq!(
                    keys(&Labels::for_lang(lang).unwrap()),
                    pl,
                    "{lang} {section}"
                );
            }
        }
        assert!(Labels::for_lang("de").is_err());
    }
}
