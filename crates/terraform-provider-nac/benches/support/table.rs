//! The results table (Markdown), printed and written to `target/bench-results.md`.

use std::fmt::Write;

pub struct Row {
    pub item: String,
    pub measured: String,
    pub compared: String,
    pub target: String,
}

#[derive(Default)]
pub struct Report {
    header: Vec<String>,
    sections: Vec<(String, Vec<Row>)>,
    notes: Vec<String>,
}

/// A target's verdict: `met` / `MISSED`.
pub fn verdict(met: bool, target: &str) -> String {
    if met {
        format!("{target}: met")
    } else {
        format!("{target}: **MISSED**")
    }
}

impl Report {
    pub fn header(&mut self, line: impl Into<String>) {
        self.header.push(line.into());
    }

    pub fn section(&mut self, title: impl Into<String>) {
        self.sections.push((title.into(), Vec::new()));
    }

    pub fn row(
        &mut self,
        item: impl Into<String>,
        measured: impl Into<String>,
        compared: impl Into<String>,
        target: impl Into<String>,
    ) {
        let row = Row {
            item: item.into(),
            measured: measured.into(),
            compared: compared.into(),
            target: target.into(),
        };
        eprintln!("bench: {} = {} {}", row.item, row.measured, row.compared);
        if self.sections.is_empty() {
            self.section("");
        }
        self.sections.last_mut().unwrap().1.push(row);
    }

    pub fn note(&mut self, line: impl Into<String>) {
        self.notes.push(line.into());
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.header {
            let _ = writeln!(out, "{line}  ");
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| Measurement | Median (min–max) | Compared with | Target |"
        );
        let _ = writeln!(out, "|---|---|---|---|");
        for (title, rows) in &self.sections {
            if !title.is_empty() {
                let _ = writeln!(out, "| **{title}** | | | |");
            }
            for row in rows {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    row.item, row.measured, row.compared, row.target
                );
            }
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for note in &self.notes {
                let _ = writeln!(out, "- {note}");
            }
        }
        out
    }
}
