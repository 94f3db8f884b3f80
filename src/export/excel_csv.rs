//! CSV that German Excel opens correctly by double-click: UTF-8 with a byte-order mark (without
//! it Excel reads Windows-1252 and garbles umlauts), `;` as separator (Excel's list separator
//! in the German locale, where `,` is the decimal comma), CRLF line ends, every field quoted
//! when needed by the `csv` crate.

use std::borrow::Cow;

pub const CONTENT_TYPE: &str = "text/csv; charset=utf-8";
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Renders a heading row and data rows.
pub fn render<I, R>(headings: &[String], rows: I) -> Result<Vec<u8>, csv::Error>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = String>,
{
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(BOM.to_vec());
    writer.write_record(headings.iter().map(|h| guard_formula(h).into_owned()))?;
    for row in rows {
        writer.write_record(
            row.into_iter()
                .map(|cell| guard_formula(&cell).into_owned()),
        )?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// Text that Excel (or LibreOffice, Google Sheets) would read as a formula gets a leading
/// apostrophe, so that an exported title can never execute anything (CSV injection). The
/// exports here hold text only; numbers would need their own path.
pub fn guard_formula(cell: &str) -> Cow<'_, str> {
    if starts_like_formula(cell) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Whether a cell starts with a character that makes a spreadsheet read it as a formula:
/// `=`, `+`, `-`, `@`; a tab, CR or LF before one (spreadsheets skip leading white space);
/// and the full-width forms `＝`, `＋`, `－`, `＠`, which Excel in East Asian locales (and
/// its input normalisation) treats like their ASCII twins.
pub fn starts_like_formula(cell: &str) -> bool {
    matches!(
        cell.chars().next(),
        Some(
            '=' | '+'
                | '-'
                | '@'
                | '\t'
                | '\r'
                | '\n'
                | '\u{FF1D}'
                | '\u{FF0B}'
                | '\u{FF0D}'
                | '\u{FF20}'
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_a_bom_and_separates_with_semicolons() {
        let bytes = render(
            &["Projekt".into(), "Müllabfuhr; digital".into()],
            vec![vec!["Dorfladenbox".to_owned(), "Ja \"sicher\"".to_owned()]],
        )
        .unwrap();
        assert!(bytes.starts_with(BOM));
        let text = std::str::from_utf8(&bytes[BOM.len()..]).unwrap();
        assert_eq!(
            text,
            "Projekt;\"Müllabfuhr; digital\"\r\nDorfladenbox;\"Ja \"\"sicher\"\"\"\r\n"
        );
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(guard_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(guard_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(guard_formula("Ahlen"), "Ahlen");
        for hostile in [
            "\n=HYPERLINK(\"http://x\")",
            "\r=1+1",
            "\t=1+1",
            "＝HYPERLINK(\"http://x\")",
            "＋1",
            "－1",
            "＠SUM(A1)",
            "+49 2382 590",
            "-5",
        ] {
            assert_eq!(guard_formula(hostile), format!("'{hostile}"), "{hostile:?}");
        }
        assert_eq!(guard_formula("Straße = Weg"), "Straße = Weg");
        assert_eq!(guard_formula(""), "");
    }
}
