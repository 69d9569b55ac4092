//! Access requests (GDPR Art. 15): everything this store holds on one person, as JSON and as a
//! readable document in the person's language. Restricted sections are included when this
//! laptop's role may read them, and listed as withheld otherwise (a psychologist exports
//! those); referrals made from the file are included with what they shared. Every export is
//! recorded for the audit log.

use base64::Engine as _;
use serde::Serialize;

use crate::dto::ClientView;
use crate::error::{CoreError, Result};
use crate::history::HistoryEntry;
use crate::referrals::ReferralView;
use crate::sections::SectionView;
use crate::Punkt;

/// One attachment with its bytes (base64).
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentCopy {
    pub id: String,
    pub name: String,
    pub mime: String,
    /// `None` when the bytes have not reached this laptop (sync first).
    pub base64: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccessRequest {
    pub generated_at: String,
    /// The controller of the file.
    pub organisation: String,
    pub file: ClientView,
    /// Who changed the file and when (devices and authors, newest first).
    pub history: Vec<HistoryEntry>,
    pub attachments: Vec<AttachmentCopy>,
    /// The restricted sections this laptop's role may read, with their notes (the others are
    /// listed in `file.sections` with `readable: false`).
    pub sections: Vec<SectionView>,
    /// Referrals made from the file: what was shared with which organisation, and their course.
    pub referrals: Vec<ReferralView>,
    /// What Art. 15(1) GDPR says the person must be told besides the data: the purposes and
    /// bases are `file.processing`.
    pub article_15: Article15,
}

/// Art. 15(1)(c)-(h) GDPR: who received the data, how long it is kept. The rights, the source,
/// automated decisions and transfers are the same for everyone Punkt holds (the document says
/// them).
#[derive(Debug, Clone, Serialize)]
pub struct Article15 {
    /// Member organisations the person was referred to (each once).
    pub recipients: Vec<String>,
    /// The organisation's retention rule, when it has one.
    pub retention: Option<crate::retention::RetentionRule>,
}

impl Punkt {
    /// Everything held on the person of file `id` (a merged file gives its survivor's), as an
    /// export: recorded for the audit log.
    pub fn access_request(&self, id: &str) -> Result<AccessRequest> {
        let req = self.collect_access_request(id)?;
        self.record_event("export", Some(&req.file.id), "access request (JSON)")?;
        Ok(req)
    }

    fn collect_access_request(&self, id: &str) -> Result<AccessRequest> {
        let file = self.client_view(id)?;
        let history = self.client_history(&file.id)?;
        let mut attachments = Vec::with_capacity(file.attachments.len());
        for a in &file.attachments {
            let base64 = match self.attachment(&file.id, &a.id) {
                Ok(c) => Some(base64::engine::general_purpose::STANDARD.encode(c.bytes)),
                Err(crate::CoreError::NotReceived(_)) => None,
                Err(e) => return Err(e),
            };
            attachments.push(AttachmentCopy {
                id: a.id.clone(),
                name: a.name.clone(),
                mime: a.mime.clone(),
                base64,
            });
        }
        let mut sections = Vec::new();
        for r in file.sections.iter().filter(|r| r.readable) {
            match self.section(&file.id, &r.id) {
                Ok(v) => sections.push(v),
                // Listed in the file; its notes have not reached this laptop.
                Err(CoreError::NotReceived(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let mut referrals = Vec::new();
        for r in &file.referrals {
            match self.referral(&r.id) {
                Ok(v) => referrals.push(v),
                Err(CoreError::NotReceived(_) | CoreError::UnknownClient(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let mut recipients: Vec<String> = referrals
            .iter()
            .map(|r| r.to_organisation.clone())
            .collect();
        recipients.sort();
        recipients.dedup();
        Ok(AccessRequest {
            generated_at: self.now_text(),
            organisation: file.organisation.clone(),
            file,
            history,
            attachments,
            sections,
            referrals,
            article_15: Article15 {
                recipients,
                retention: self.retention_rule()?,
            },
        })
    }
}

pub(crate) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The document's labels and vocabulary names, escaped for HTML.
struct Labels(crate::labels::Labels);

impl Labels {
    /// A label of the document.
    fn doc(&self, key: &str) -> String {
        escape(&self.0.text("document", key))
    }
    /// The name of a vocabulary value (the code itself when unnamed).
    fn vocab(&self, group: &str, code: &str) -> String {
        escape(&self.0.vocab(group, code))
    }

    /// A section of the document: its heading (the label `key`) and a table of `rows`, or
    /// "none".
    fn section(&self, out: &mut String, key: &str, rows: Vec<Vec<String>>) {
        out.push_str(&format!("<h2>{}</h2>\n", self.doc(key)));
        if rows.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", self.doc("none")));
            return;
        }
        out.push_str("<table>\n");
        for r in rows {
            out.push_str("<tr>");
            for cell in r {
                out.push_str(&format!("<td>{cell}</td>"));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }

    /// A section with a row for each of `items`.
    fn table<T>(&self, out: &mut String, key: &str, items: &[T], row: impl Fn(&T) -> Vec<String>) {
        self.section(out, key, items.iter().map(row).collect());
    }
}

impl Punkt {
    /// The access request as a readable HTML document in `lang` (pl, en, uk, ru): the same
    /// content as [`Punkt::access_request`], attachments listed (their bytes are in the JSON).
    pub fn access_document(&self, id: &str, lang: &str) -> Result<String> {
        let l = Labels(crate::labels::Labels::for_lang(lang)?);
        let req = self.collect_access_request(id)?;
        self.record_event(
            "export",
            Some(&req.file.id),
            &format!("access request (document, {lang})"),
        )?;
        let f = &req.file;
        let p = &f.person;
        let e = |s: &str| escape(s);
        let opt = |s: &Option<String>| s.as_deref().map(escape).unwrap_or_default();
        let mut out = String::new();
        out.push_str(&format!(
            "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>body{{font-family:sans-serif;max-width:52em;margin:2em auto}}td{{padding:.2em .6em;border-bottom:1px solid #ddd;vertical-align:top}}</style></head><body>\n<h1>{title}</h1>\n",
            title = l.doc("title")
        ));
        let intro = l
            .doc("intro")
            .replace("{{organisation}}", &e(&req.organisation))
            .replace(
                "{{date}}",
                &e(&req.generated_at[..10.min(req.generated_at.len())]),
            );
        out.push_str(&format!(
            "<p>{intro}</p>\n<p>{}: {}</p>\n",
            l.doc("controller"),
            e(&req.organisation)
        ));

        let mut person = vec![vec![
            l.doc("names"),
            e(format!("{} {}", p.given_names, p.family_name).trim()),
        ]];
        let original = [opt(&p.given_names_original), opt(&p.family_name_original)].join(" ");
        if !original.trim().is_empty() {
            person.push(vec![l.doc("names_original"), original.trim().to_string()]);
        }
        person.push(vec![l.doc("birth_date"), opt(&p.birth_date)]);
        person.push(vec![l.doc("sex"), l.vocab("sex", &p.sex)]);
        person.push(vec![l.doc("citizenship"), e(&p.citizenships.join(", "))]);
        person.push(vec![l.doc("languages"), e(&p.languages.join(", "))]);
        for (k, v) in &p.contact {
            person.push(vec![format!("{} ({})", l.doc("contact"), e(k)), e(v)]);
        }
        for i in &p.identifiers {
            person.push(vec![l.vocab("identifier", &i.kind), e(&i.number)]);
        }
        l.section(&mut out, "person", person);
        // Vulnerabilities: the file's, and the sensitive ones when this laptop's role reads
        // them (else said to be withheld, as restricted notes are).
        let mut needs: Vec<Vec<String>> = f
            .vulnerabilities
            .iter()
            .map(|v| vec![l.vocab("vulnerability", v)])
            .collect();
        if !f.sensitive_visible {
            needs.push(vec![l.doc("sensitive_withheld")]);
        }
        l.section(&mut out, "vulnerabilities", needs);
        l.table(&mut out, "purposes", &f.processing, |r| {
            vec![
                l.vocab("processing_purpose", &r.purpose),
                l.vocab("legal_basis", &r.basis),
                format!("{} – {}", e(&r.since), opt(&r.ended_on)),
                if r.in_force {
                    l.doc("in_force")
                } else {
                    l.doc("ended")
                },
            ]
        });
        l.table(&mut out, "legal_status", &f.legal_status, |s| {
            vec![
                l.vocab("legal_status", &s.status),
                format!("{} – {}", opt(&s.from), opt(&s.until)),
                opt(&s.centre),
            ]
        });
        l.table(&mut out, "matters", &f.matters, |m| {
            vec![
                l.vocab("matter_kind", &m.kind),
                opt(&m.authority),
                opt(&m.reference),
                l.vocab("matter_status", &m.status),
            ]
        });
        l.table(&mut out, "consultations", &f.consultations, |c| {
            let place = match &c.place {
                crate::dto::PlaceInput::Point { city } => {
                    format!("{}, {}", l.vocab("place", "point"), e(city))
                }
                crate::dto::PlaceInput::Centre { centre } => {
                    format!("{}, {}", l.vocab("place", "centre"), e(centre))
                }
                crate::dto::PlaceInput::Remote => l.vocab("place", "remote"),
            };
            let services = c
                .services
                .iter()
                .map(|s| l.vocab("service", s))
                .collect::<Vec<_>>()
                .join(", ");
            vec![e(&c.date), place, services, e(&c.note)]
        });
        l.table(&mut out, "deadlines", &f.deadlines, |d| {
            vec![
                e(&d.due),
                match self.rules().get(&d.rule) {
                    Ok(r) => e(match lang {
                        "pl" => &r.names.pl,
                        "uk" => &r.names.uk,
                        "ru" => &r.names.ru,
                        _ => &r.names.en,
                    }),
                    Err(_) => l.vocab("rule", &d.rule),
                },
                format!("{}: {}", l.doc("from"), e(&d.from)),
            ]
        });
        l.table(&mut out, "consents", &f.consents, |c| {
            vec![
                e(&c.clause),
                format!("{}: {}", l.doc("given_on"), e(&c.given_on)),
                c.withdrawn_on
                    .as_ref()
                    .map(|w| format!("{}: {}", l.doc("withdrawn_on"), e(w)))
                    .unwrap_or_default(),
            ]
        });
        out.push_str(&format!(
            "<h2>{}</h2>\n<p>{}</p>\n",
            l.doc("summary"),
            if f.summary.is_empty() {
                l.doc("none")
            } else {
                e(&f.summary).replace('\n', "<br>")
            }
        ));
        l.table(&mut out, "attachments", &f.attachments, |a| {
            vec![e(&a.name), e(&a.mime), e(&a.added_at)]
        });
        let mut restricted: Vec<Vec<String>> = Vec::new();
        for r in &f.sections {
            let name = l.vocab("section", &r.section);
            match req.sections.iter().find(|s| s.id == r.id) {
                Some(s) => {
                    for n in &s.notes {
                        restricted.push(vec![name.clone(), e(&n.date), e(&n.text)]);
                    }
                }
                // Readable by this role but not on this laptop yet: missing, not withheld.
                None if r.readable => {
                    restricted.push(vec![name, e(&r.created_at), l.doc("not_received")])
                }
                None => restricted.push(vec![name, e(&r.created_at), l.doc("withheld")]),
            }
        }
        l.section(&mut out, "restricted", restricted);
        l.table(&mut out, "referrals", &req.referrals, |r| {
            let mut shared = vec![format!("{} {}", r.given_names, r.family_name)];
            shared.extend(r.birth_date.clone());
            shared.extend(r.citizenships.iter().cloned());
            shared.extend(r.languages.iter().cloned());
            shared.extend(r.phone.clone());
            vec![
                e(&r.created_at),
                e(&r.to_organisation),
                l.vocab("service", &r.service),
                format!("{}: {}", l.doc("reason"), e(&r.reason)),
                format!("{}: {}", l.doc("shared"), e(&shared.join(", "))),
                format!("{}: {}", l.doc("status"), e(&r.status)),
            ]
        });
        l.table(&mut out, "history", &req.history, |h| {
            let parts = h
                .sections
                .iter()
                .map(|s| l.vocab("section", s))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                e(&h.time),
                format!(
                    "{}: {}",
                    l.doc("author"),
                    h.author
                        .as_deref()
                        .map(escape)
                        .unwrap_or_else(|| e(&h.device))
                ),
                parts,
            ]
        });
        self.article_15(&mut out, &l, &req.article_15);
        out.push_str("</body></html>\n");
        Ok(out)
    }

    /// The Art. 15(1) paragraphs: recipients, retention, source, rights, automated decisions,
    /// transfers.
    fn article_15(&self, out: &mut String, l: &Labels, a: &Article15) {
        out.push_str(&format!("<h2>{}</h2>\n", l.doc("article15")));
        let recipients = if a.recipients.is_empty() {
            l.doc("recipients_none")
        } else {
            l.doc("recipients_referrals")
                .replace("{{list}}", &escape(&a.recipients.join(", ")))
        };
        out.push_str(&format!(
            "<h3>{}</h3>\n<p>{recipients}</p>\n<p>{}</p>\n",
            l.doc("recipients"),
            l.doc("recipients_processor")
        ));
        let retention = escape(&crate::retention::described(a.retention, &l.0, "document"));
        out.push_str(&format!(
            "<h3>{}</h3>\n<p>{retention}</p>\n",
            l.doc("retention")
        ));
        for key in ["source", "rights", "automated", "transfers"] {
            out.push_str(&format!("<p>{}</p>\n", l.doc(key)));
        }
    }
}
