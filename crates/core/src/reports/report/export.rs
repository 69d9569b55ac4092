//! The report written out: CSV, JSON and XLSX (headings in the reader's language), each with
//! suppression applied as the disclosure says, and written to a file atomically.

use super::*;

/// A text cell a spreadsheet would take for a formula (it starts with `=`, `+`, `-`, `@`, a
/// tab or a carriage return) gets a leading `'`: a city or an organisation typed as
/// `=HYPERLINK(...)` must not run when a donor opens the file.
pub(super) fn spreadsheet_text(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A worksheet's name: at most 31 characters, none of `[]:*?/\\`.
/// A new worksheet named after `title` (cut to what a sheet name may hold), with the title in
/// bold in its first cell.
fn titled_sheet<'b>(
    book: &'b mut rust_xlsxwriter::Workbook,
    title: &str,
    bold: &rust_xlsxwriter::Format,
) -> std::result::Result<&'b mut rust_xlsxwriter::Worksheet, rust_xlsxwriter::XlsxError> {
    let sheet = book.add_worksheet().set_name(sheet_name(title))?;
    sheet.write_string_with_format(0, 0, title, bold)?;
    Ok(sheet)
}

pub(super) fn sheet_name(title: &str) -> String {
    title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect()
}

pub(super) const CSV_HEADER: [&str; 14] = [
    "period_from",
    "period_to",
    "project",
    "section",
    "dimension",
    "value",
    "service",
    "people",
    "consultations",
    "activities",
    "participants",
    "female",
    "male",
    "children",
];

impl Report {
    /// CSV: one row per cell, the total first, then group activities (section
    /// `group_activities`, with their number and headcounts, children in the last column).
    /// Text cells are [`spreadsheet_text`]; hidden counts "<5".
    pub fn to_csv(&self, disclosure: Disclosure) -> Result<Vec<u8>> {
        let hide = self.suppression(disclosure);
        let mut w = csv::Writer::from_writer(Vec::new());
        let err = |e: csv::Error| CoreError::Export(e.to_string());
        w.write_record(CSV_HEADER).map_err(err)?;
        let project = self.project.as_deref().unwrap_or("all");
        let people_row =
            |dimension: &str, value: &str, service: &str, c: (u64, u64), hidden: Hide| {
                vec![
                    self.from.clone(),
                    self.to.clone(),
                    spreadsheet_text(project).into_owned(),
                    "consultations".to_string(),
                    spreadsheet_text(dimension).into_owned(),
                    spreadsheet_text(value).into_owned(),
                    spreadsheet_text(service).into_owned(),
                    Shown::new(c.0, hidden).text(),
                    Shown::new(c.1, hidden).text(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                ]
            };
        w.write_record(people_row(
            "total",
            "all",
            "all",
            (self.total.people, self.total.consultations),
            hide.total,
        ))
        .map_err(err)?;
        for (i, r) in self.rows.iter().enumerate() {
            w.write_record(people_row(
                &r.dimension,
                &r.value,
                &r.service,
                (r.people, r.consultations),
                hide.row(i),
            ))
            .map_err(err)?;
        }
        let activity_row = |dimension: &str, value: &str, c: &ActivityCount, hidden: [Hide; 4]| {
            let mut row = vec![
                self.from.clone(),
                self.to.clone(),
                spreadsheet_text(project).into_owned(),
                "group_activities".to_string(),
                spreadsheet_text(dimension).into_owned(),
                spreadsheet_text(value).into_owned(),
                String::new(),
                String::new(),
                String::new(),
                c.activities.to_string(),
            ];
            for (n, h) in c.headcounts().into_iter().zip(hidden) {
                row.push(Shown::new(n, h).text());
            }
            row
        };
        w.write_record(activity_row(
            "total",
            "all",
            &self.activities,
            hide.activity_total,
        ))
        .map_err(err)?;
        for (i, r) in self.activity_rows.iter().enumerate() {
            w.write_record(activity_row(
                &r.dimension,
                &r.value,
                &r.count,
                hide.activity_row(i),
            ))
            .map_err(err)?;
        }
        w.into_inner().map_err(|e| CoreError::Export(e.to_string()))
    }

    /// JSON: the report as [`Report`] serialises it, hidden counts as the string "<5", and
    /// `suppressed` saying whether any could be.
    pub fn to_json(&self, disclosure: Disclosure) -> Result<Vec<u8>> {
        let hide = self.suppression(disclosure);
        let err = |e: serde_json::Error| CoreError::Export(e.to_string());
        let mut v = serde_json::to_value(self).map_err(err)?;
        let shown = |n: u64, h: Hide| serde_json::to_value(Shown::new(n, h)).expect("a count");
        v["suppressed"] = (disclosure == Disclosure::External).into();
        v["total"]["people"] = shown(self.total.people, hide.total);
        v["total"]["consultations"] = shown(self.total.consultations, hide.total);
        for (i, r) in self.rows.iter().enumerate() {
            let h = hide.row(i);
            v["rows"][i]["people"] = shown(r.people, h);
            v["rows"][i]["consultations"] = shown(r.consultations, h);
        }
        let keys = ["participants", "female", "male", "children"];
        for (m, key) in keys.iter().enumerate() {
            v["activities"][key] = shown(self.activities.headcounts()[m], hide.activity_total[m]);
            for (i, r) in self.activity_rows.iter().enumerate() {
                let h = hide.activity_row(i)[m];
                v["activity_rows"][i]["count"][key] = shown(r.count.headcounts()[m], h);
            }
        }
        serde_json::to_vec_pretty(&v).map_err(err)
    }

    /// XLSX, for people: a summary sheet, one sheet per dimension with people and
    /// consultations per value and service, and one for group activities, every heading and
    /// vocabulary value in `lang` (pl, en, uk, ru). CSV and JSON keep the codes, for programs.
    pub fn to_xlsx(&self, disclosure: Disclosure, lang: &str) -> Result<Vec<u8>> {
        use rust_xlsxwriter::{Format, Workbook, Worksheet};
        let l = Labels::for_lang(lang)?;
        let hide = self.suppression(disclosure);
        let err = |e: rust_xlsxwriter::XlsxError| CoreError::Export(e.to_string());
        let write = |sheet: &mut Worksheet, row: u32, col: u16, n: u64, hide: Hide| match Shown::new(
            n, hide,
        ) {
            Shown::Hidden(text) => sheet.write_string(row, col, text).map(|_| ()),
            Shown::Count(n) => sheet.write_number(row, col, n as f64).map(|_| ()),
        };
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let service_name = |s: &str| {
            if s == "all" {
                l.text("report", "all")
            } else {
                l.vocab("service", s)
            }
        };
        let value_name = |dim: &str, v: &str| match (dim, v) {
            (_, "unknown") => l.text("report", "unknown"),
            ("sex", v) => l.vocab("sex", v),
            ("legal_status", v) => l.vocab("legal_status", v),
            ("procedure" | "vulnerability" | "project", "none") => l.text("report", "none"),
            ("procedure", v) => l.vocab("legal_status", v),
            ("vulnerability", v) => l.vocab("vulnerability", v),
            ("activity_kind", v) => l.vocab("activity_kind", v),
            ("place", "remote") => l.vocab("place", "remote"),
            ("place", v) => match v.strip_suffix(" (centre)") {
                Some(c) => format!("{c} ({})", l.text("report", "centre")),
                None => v.to_string(),
            },
            (_, v) => v.to_string(),
        };
        let services: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.dimension == "service" && r.service != "all")
            .map(|r| r.service.clone())
            .collect();
        {
            let sheet = book
                .add_worksheet()
                .set_name(sheet_name(&l.text("report", "summary")))
                .map_err(err)?;
            let mut meta = vec![
                (
                    l.text("report", "period"),
                    format!("{} – {}", self.from, self.to),
                ),
                (l.text("report", "age_bands"), self.age_bands.join(", ")),
            ];
            if let Some(p) = &self.project {
                meta.push((l.text("report", "project"), p.clone()));
            }
            for (i, (k, v)) in meta.iter().enumerate() {
                sheet
                    .write_string_with_format(i as u32, 0, k, &bold)
                    .map_err(err)?;
                sheet.write_string(i as u32, 1, v).map_err(err)?;
            }
            let mut row = meta.len() as u32;
            sheet
                .write_string(row, 0, l.text("report", "note"))
                .map_err(err)?;
            if disclosure == Disclosure::External {
                row += 1;
                sheet
                    .write_string(row, 0, l.text("report", "suppressed_note"))
                    .map_err(err)?;
            }
            if !self.sensitive_counted {
                row += 1;
                sheet
                    .write_string(row, 0, l.text("report", "sensitive_not_counted"))
                    .map_err(err)?;
            }
            row += 2;
            for (c, h) in ["service", "people", "consultations"].iter().enumerate() {
                sheet
                    .write_string_with_format(row, c as u16, l.text("report", h), &bold)
                    .map_err(err)?;
            }
            row += 1;
            sheet
                .write_string(row, 0, l.text("report", "all"))
                .map_err(err)?;
            write(sheet, row, 1, self.total.people, hide.total).map_err(err)?;
            write(sheet, row, 2, self.total.consultations, hide.total).map_err(err)?;
            for (i, r) in self.rows.iter().enumerate() {
                if r.dimension != "service" {
                    continue;
                }
                row += 1;
                let h = hide.row(i);
                sheet
                    .write_string(row, 0, service_name(&r.service))
                    .map_err(err)?;
                write(sheet, row, 1, r.people, h).map_err(err)?;
                write(sheet, row, 2, r.consultations, h).map_err(err)?;
            }
            sheet.set_column_width(0, 24).map_err(err)?;
        }
        let (people, consultations) = (
            l.text("report", "people"),
            l.text("report", "consultations"),
        );
        for dim in DIMENSIONS {
            let sheet = titled_sheet(&mut book, &l.text("report", dim), &bold).map_err(err)?;
            let mut cols = vec!["all".to_string()];
            cols.extend(services.iter().cloned());
            for (i, s) in cols.iter().enumerate() {
                let c = 1 + 2 * i as u16;
                let name = service_name(s);
                sheet
                    .write_string_with_format(0, c, format!("{name}: {people}"), &bold)
                    .map_err(err)?;
                sheet
                    .write_string_with_format(0, c + 1, format!("{name}: {consultations}"), &bold)
                    .map_err(err)?;
            }
            // Values in report order (age bands by age), each once.
            let mut values: Vec<&str> = Vec::new();
            for r in self.rows.iter().filter(|r| r.dimension == *dim) {
                if !values.contains(&r.value.as_str()) {
                    values.push(&r.value);
                }
            }
            for (ri, v) in values.iter().enumerate() {
                let row = 1 + ri as u32;
                sheet
                    .write_string(row, 0, value_name(dim, v))
                    .map_err(err)?;
                for (i, s) in cols.iter().enumerate() {
                    let c = 1 + 2 * i as u16;
                    let cell = self
                        .rows
                        .iter()
                        .enumerate()
                        .find(|(_, r)| r.dimension == *dim && r.value == *v && &r.service == s);
                    let (p, k, h) = cell
                        .map(|(i, r)| (r.people, r.consultations, hide.row(i)))
                        .unwrap_or((0, 0, Hide::Shown));
                    write(sheet, row, c, p, h).map_err(err)?;
                    write(sheet, row, c + 1, k, h).map_err(err)?;
                }
            }
            sheet.set_column_width(0, 28).map_err(err)?;
        }
        {
            let sheet = titled_sheet(&mut book, &l.text("report", "group_activities"), &bold)
                .map_err(err)?;
            sheet
                .write_string(1, 0, l.text("report", "activities_note"))
                .map_err(err)?;
            let heads = ["activities", "participants", "female", "male", "children"];
            for (c, h) in heads.iter().enumerate() {
                sheet
                    .write_string_with_format(3, 1 + c as u16, l.text("report", h), &bold)
                    .map_err(err)?;
            }
            let mut row = 4;
            let mut line =
                |sheet: &mut Worksheet, name: String, c: &ActivityCount, h: [Hide; 4]| {
                    sheet.write_string(row, 0, name)?;
                    sheet.write_number(row, 1, c.activities as f64)?;
                    for (m, n) in c.headcounts().into_iter().enumerate() {
                        write(sheet, row, 2 + m as u16, n, h[m])?;
                    }
                    row += 1;
                    Ok::<_, rust_xlsxwriter::XlsxError>(())
                };
            line(
                sheet,
                l.text("report", "all_activities"),
                &self.activities,
                hide.activity_total,
            )
            .map_err(err)?;
            let mut last_dim = "";
            for (i, r) in self.activity_rows.iter().enumerate() {
                if r.dimension != last_dim {
                    last_dim = &r.dimension;
                    line(
                        sheet,
                        String::new(),
                        &ActivityCount::default(),
                        [Hide::Shown; 4],
                    )
                    .map_err(err)?;
                }
                let name = format!(
                    "{}: {}",
                    l.text("report", &r.dimension),
                    value_name(&r.dimension, &r.value)
                );
                line(sheet, name, &r.count, hide.activity_row(i)).map_err(err)?;
            }
            sheet.set_column_width(0, 36).map_err(err)?;
        }
        book.save_to_buffer().map_err(err)
    }

    /// The report in `format` for `disclosure`; `lang` names what people read (XLSX only).
    pub fn to_bytes(
        &self,
        format: ReportFormat,
        disclosure: Disclosure,
        lang: &str,
    ) -> Result<Vec<u8>> {
        match format {
            ReportFormat::Csv => self.to_csv(disclosure),
            ReportFormat::Xlsx => self.to_xlsx(disclosure, lang),
            ReportFormat::Json => self.to_json(disclosure),
        }
    }

    /// Write the report to `path` in `format`, through a temporary file so a failed write
    /// never leaves half a report behind.
    pub fn write_to(
        &self,
        path: &Path,
        format: ReportFormat,
        disclosure: Disclosure,
        lang: &str,
    ) -> Result<()> {
        let bytes = self.to_bytes(format, disclosure, lang)?;
        let tmp = path.with_extension("partial");
        {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}
