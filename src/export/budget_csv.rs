//! An organization's budget as CSV for German Excel: UTF-8 with a byte-order mark (so that
//! Excel reads the umlauts), semicolons, euro amounts with a decimal comma, German headings.
//! The amounts are never negative, so the formula guard of [`excel_csv`] leaves them as numbers.

use super::excel_csv;

/// One fiscal year: committed and pending shares in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row {
    pub fiscal_year: i32,
    pub committed_cents: i64,
    pub pending_cents: i64,
}

const HEADINGS: [&str; 4] = [
    "Haushaltsjahr",
    "Anteil verbindlich (EUR)",
    "Anteil vorbehaltlich Ratsbeschluss (EUR)",
    "Summe (EUR)",
];

/// The CSV file: a heading row, one row per year and a `Summe` row.
pub fn render(rows: &[Row]) -> Result<Vec<u8>, csv::Error> {
    let committed: i64 = rows.iter().map(|r| r.committed_cents).sum();
    let pending: i64 = rows.iter().map(|r| r.pending_cents).sum();
    let lines = rows
        .iter()
        .map(|row| {
            vec![
                row.fiscal_year.to_string(),
                euros(row.committed_cents),
                euros(row.pending_cents),
                euros(row.committed_cents + row.pending_cents),
            ]
        })
        .chain(std::iter::once(vec![
            "Summe".to_owned(),
            euros(committed),
            euros(pending),
            euros(committed + pending),
        ]));
    let headings: Vec<String> = HEADINGS.iter().map(|h| (*h).to_owned()).collect();
    excel_csv::render(&headings, lines)
}

/// Cents as euros with a decimal comma and no thousands separator (`1234567` → `12345,67`),
/// which German Excel reads as a number.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{},{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_use_a_decimal_comma() {
        assert_eq!(euros(0), "0,00");
        assert_eq!(euros(5), "0,05");
        assert_eq!(euros(1_234_567), "12345,67");
        assert_eq!(euros(-150), "-1,50");
        assert_eq!(euros(i64::MIN), "-92233720368547758,08");
    }

    #[test]
    fn renders_bom_semicolons_and_a_sum_row() {
        let rows = [
            Row {
                fiscal_year: 2027,
                committed_cents: 123_456,
                pending_cents: 1,
            },
            Row {
                fiscal_year: 2028,
                committed_cents: 0,
                pending_cents: 99,
            },
        ];
        let text = String::from_utf8(render(&rows).unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "Haushaltsjahr;Anteil verbindlich (EUR);Anteil vorbehaltlich Ratsbeschluss (EUR);Summe (EUR)",
                "2027;1234,56;0,01;1234,57",
                "2028;0,00;0,99;0,99",
                "Summe;1234,56;1,00;1235,56",
            ]
        );
    }
}
