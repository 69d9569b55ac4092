//! The documents an organisation keeps under the GDPR, generated from its settings: the record
//! of processing activities (Art. 30(1)) and a starting template for the data protection impact
//! assessment (Art. 35(7)), in Polish, English, Ukrainian or Russian, as HTML to complete, print
//! and sign. Their texts live in `crates/model/data/names/*.json` (`record`, `dpia`).

use punkt_model::vocab::ProcessingPurpose;

use crate::access::escape;
use crate::error::Result;
use crate::labels::Labels;
use crate::Punkt;

/// The security measures Punkt itself takes (Art. 32), named in the record.
const MEASURES: &[&str] = &[
    "measure_encryption",
    "measure_e2e",
    "measure_roles",
    "measure_devices",
    "measure_audit",
    "measure_erasure",
    "measure_reports",
    "measure_minimisation",
];

/// The risks the impact assessment starts from, each with the measures Punkt takes.
const RISKS: &[&str] = &[
    "lost_laptop",
    "origin_country",
    "staff_access",
    "reidentification",
    "server",
    "coercion",
    "deadline",
];

struct Doc {
    l: Labels,
    out: String,
}

impl Doc {
    fn new(lang: &str, title_key: (&str, &str)) -> Result<Doc> {
        let l = Labels::for_lang(lang)?;
        let title = escape(&l.text(title_key.0, title_key.1));
        let out = format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{padding:.3em .6em;border:1px solid #ccc;vertical-align:top;text-align:left}}table{{border-collapse:collapse;width:100%;margin-bottom:1em}}</style></head><body>\n<h1>{title}</h1>\n"
        );
        Ok(Doc { l, out })
    }

    fn t(&self, section: &str, key: &str) -> String {
        escape(&self.l.text(section, key))
    }

    fn p(&mut self, text: &str) {
        self.out.push_str(&format!("<p>{text}</p>\n"));
    }

    fn h2(&mut self, text: &str) {
        self.out.push_str(&format!("<h2>{text}</h2>\n"));
    }

    fn table(&mut self, head: &[String], rows: &[Vec<String>]) {
        self.out.push_str("<table>\n");
        if !head.is_empty() {
            self.out.push_str("<tr>");
            for h in head {
                self.out.push_str(&format!("<th>{h}</th>"));
            }
            self.out.push_str("</tr>\n");
        }
        for r in rows {
            self.out.push_str("<tr>");
            for c in r {
                self.out.push_str(&format!("<td>{c}</td>"));
            }
            self.out.push_str("</tr>\n");
        }
        self.out.push_str("</table>\n");
    }

    fn finish(mut self) -> String {
        self.out.push_str("</body></html>\n");
        self.out
    }
}

impl Punkt {
    /// The record of processing activities (GDPR Art. 30(1)) in `lang`, from the
    /// organisation's settings and retention rule.
    pub fn processing_record(&self, lang: &str) -> Result<String> {
        let settings = self.org_settings()?;
        let rule = self.retention_rule()?;
        let mut d = Doc::new(lang, ("record", "title"))?;
        let today = self.today().to_string();
        let note = d.t("record", "basis_note").replace("{{date}}", &today);
        d.p(&note);

        let c = &settings.controller;
        let given = |v: &Option<String>| {
            v.as_deref()
                .map(escape)
                .unwrap_or_else(|| format!("<em>{}</em>", d.t("record", "not_set")))
        };
        let name = if c.legal_name.is_empty() {
            escape(self.organisation())
        } else {
            escape(&c.legal_name)
        };
        let rows = vec![
            vec![d.t("record", "name"), name],
            vec![d.t("record", "address"), given(&c.address)],
            vec![d.t("record", "contact"), given(&c.contact)],
            vec![d.t("record", "registry"), given(&c.registry)],
            vec![
                d.t("record", "dpo"),
                c.dpo
                    .as_deref()
                    .map(escape)
                    .unwrap_or_else(|| d.t("record", "no_dpo")),
            ],
        ];
        let title = d.t("record", "controller");
        d.h2(&title);
        d.table(&[], &rows);

        let title = d.t("record", "activities");
        d.h2(&title);
        let retention = escape(&crate::retention::described(rule, &d.l, "record"));
        for purpose in ProcessingPurpose::ALL {
            let p = purpose.as_str();
            let name = escape(&d.l.vocab("processing_purpose", p));
            d.out.push_str(&format!("<h3>{name}</h3>\n"));
            let mut recipients = vec![d.t("record", "recipients_processor")];
            recipients.push(match purpose {
                ProcessingPurpose::Representation => d.t("record", "recipients_representation"),
                ProcessingPurpose::Referral => d.t("record", "recipients_referral"),
                _ => d.t("record", "recipients_none"),
            });
            let data = match purpose {
                ProcessingPurpose::LegalAid
                | ProcessingPurpose::Representation
                | ProcessingPurpose::SocialSupport
                | ProcessingPurpose::PsychologicalSupport => format!(
                    "{} {}",
                    d.t("record", "data_common"),
                    d.t("record", &format!("data_{p}"))
                ),
                _ => d.t("record", &format!("data_{p}")),
            };
            let rows = vec![
                vec![d.t("record", "purpose"), name],
                vec![d.t("record", "subjects"), d.t("record", "subjects_all")],
                vec![d.t("record", "data"), data],
                vec![d.t("record", "bases"), d.t("record", &format!("bases_{p}"))],
                vec![d.t("record", "recipients"), recipients.join("<br>")],
                vec![d.t("record", "transfers"), d.t("record", "transfers_none")],
                vec![d.t("record", "retention"), retention.clone()],
            ];
            d.table(&[], &rows);
        }
        let title = d.t("record", "measures");
        d.h2(&title);
        d.out.push_str("<ul>\n");
        for m in MEASURES {
            let item = d.t("record", m);
            d.out.push_str(&format!("<li>{item}</li>\n"));
        }
        d.out.push_str("</ul>\n");
        Ok(d.finish())
    }

    /// A starting template for the data protection impact assessment (GDPR Art. 35(7)) in
    /// `lang`: the description points at the record, the scale is this laptop's, the risks
    /// Punkt knows of come with the measures it takes, and the rest is left to fill in.
    pub fn dpia_template(&self, lang: &str) -> Result<String> {
        let mut d = Doc::new(lang, ("dpia", "title"))?;
        let today = self.today();
        let intro = d.t("dpia", "intro").replace("{{date}}", &today.to_string());
        d.p(&intro);
        let title = d.t("dpia", "description");
        d.h2(&title);
        let text = d.t("dpia", "description_text");
        d.p(&text);
        let files = self.store.count_clients()?;
        let year_ago = today - chrono::Duration::days(365);
        let consultations = self
            .report(year_ago, today, &Default::default())?
            .total
            .consultations;
        let rows = vec![
            vec![files.to_string(), d.t("dpia", "scale_files")],
            vec![
                consultations.to_string(),
                d.t("dpia", "scale_consultations"),
            ],
        ];
        d.table(&[], &rows);
        let title = d.t("dpia", "necessity");
        d.h2(&title);
        d.out.push_str("<ul>\n");
        for k in [
            "necessity_purpose",
            "necessity_minimisation",
            "necessity_retention",
            "necessity_information",
            "necessity_rights",
        ] {
            let item = d.t("dpia", k);
            d.out.push_str(&format!("<li>{item}</li>\n"));
        }
        d.out.push_str("</ul>\n");
        let title = d.t("dpia", "risks");
        d.h2(&title);
        let head = vec![
            d.t("dpia", "risk"),
            d.t("dpia", "likelihood"),
            d.t("dpia", "severity"),
            d.t("dpia", "measures_col"),
        ];
        let rows: Vec<Vec<String>> = RISKS
            .iter()
            .map(|r| {
                vec![
                    d.t("dpia", &format!("risk_{r}")),
                    "…".to_string(),
                    "…".to_string(),
                    d.t("dpia", &format!("measure_{r}")),
                ]
            })
            .collect();
        d.table(&head, &rows);
        let title = d.t("dpia", "conclusion");
        d.h2(&title);
        for k in ["conclusion_text", "opinion", "approved"] {
            let text = d.t("dpia", k);
            d.p(&text);
        }
        Ok(d.finish())
    }
}
