//! Year conduct (kết quả rèn luyện cả năm, Art. 8) from the two semesters' conduct, which the
//! homeroom teacher (GVCN) gives. The reference takes the combination rules from secondary
//! sources, so they are a table a school can review and override; the default is the reference's.

use serde::{Deserialize, Serialize};

use super::learning::Level;
use super::text::GradeText;

/// The year conduct for each of the 16 pairs (semester I, semester II).
///
/// JSON: a list of 16 [`ConductRule`]s, each pair exactly once (checked when read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<ConductRule>", into = "Vec<ConductRule>")]
pub struct ConductTable {
    /// Indexed by `[first.rank()][second.rank()]`.
    year: [[Level; 4]; 4],
}

/// One line of a [`ConductTable`]: semester I and II conduct, and the year conduct they give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConductRule {
    pub first: Level,
    pub second: Level,
    pub year: Level,
}

/// Why a list of rules is not a complete table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error")]
pub enum ConductTableError {
    /// A pair of semester levels has no rule.
    #[serde(rename = "grading_conduct_rule_missing")]
    #[error("grading_conduct_rule_missing ({first:?}, {second:?})")]
    Missing { first: Level, second: Level },
    /// A pair of semester levels has two rules.
    #[serde(rename = "grading_conduct_rule_duplicate")]
    #[error("grading_conduct_rule_duplicate ({first:?}, {second:?})")]
    Duplicate { first: Level, second: Level },
}

impl ConductTableError {
    pub fn code(self) -> &'static str {
        match self {
            ConductTableError::Missing { .. } => "grading_conduct_rule_missing",
            ConductTableError::Duplicate { .. } => "grading_conduct_rule_duplicate",
        }
    }

    pub fn text(self) -> GradeText {
        match self {
            ConductTableError::Missing { .. } => GradeText::ConductRuleMissing,
            ConductTableError::Duplicate { .. } => GradeText::ConductRuleDuplicate,
        }
    }
}

/// The reference's wording, clause by clause (I = semester I, II = semester II):
/// - Tốt: II Tốt and I at least Khá;
/// - Khá: II Khá and I at least Đạt; or II Đạt and I Tốt; or II Tốt and I Đạt or Chưa đạt;
/// - Đạt: II Đạt and I Khá, Đạt or Chưa đạt; or II Khá and I Chưa đạt;
/// - Chưa đạt: otherwise (that is, II Chưa đạt).
fn reference_year_conduct(first: Level, second: Level) -> Level {
    use Level::{Fair, Good, NotYet, Pass};
    match (second, first) {
        (Good, Good | Fair) => Good,
        (Fair, Good | Fair | Pass) | (Pass, Good) | (Good, Pass | NotYet) => Fair,
        (Pass, Fair | Pass | NotYet) | (Fair, NotYet) => Pass,
        (NotYet, _) => NotYet,
    }
}

impl ConductTable {
    /// The reference's table (also the [`Default`]).
    pub fn reference() -> ConductTable {
        let mut year = [[Level::NotYet; 4]; 4];
        for first in Level::ALL {
            for second in Level::ALL {
                year[usize::from(first.rank())][usize::from(second.rank())] =
                    reference_year_conduct(first, second);
            }
        }
        ConductTable { year }
    }

    /// Year conduct from semester I and semester II conduct.
    pub fn year_conduct(&self, first: Level, second: Level) -> Level {
        self.year[usize::from(first.rank())][usize::from(second.rank())]
    }

    /// The same table with one pair changed (what a school's override does).
    pub fn with_rule(mut self, rule: ConductRule) -> ConductTable {
        self.year[usize::from(rule.first.rank())][usize::from(rule.second.rank())] = rule.year;
        self
    }

    /// All 16 rules, semester I major, lowest first.
    pub fn rules(&self) -> Vec<ConductRule> {
        Level::ALL
            .into_iter()
            .flat_map(|first| {
                Level::ALL.into_iter().map(move |second| ConductRule {
                    first,
                    second,
                    year: self.year_conduct(first, second),
                })
            })
            .collect()
    }
}

impl TryFrom<Vec<ConductRule>> for ConductTable {
    type Error = ConductTableError;

    fn try_from(rules: Vec<ConductRule>) -> Result<ConductTable, ConductTableError> {
        let mut year: [[Option<Level>; 4]; 4] = [[None; 4]; 4];
        for rule in rules {
            let cell = &mut year[usize::from(rule.first.rank())][usize::from(rule.second.rank())];
            if cell.is_some() {
                return Err(ConductTableError::Duplicate {
                    first: rule.first,
                    second: rule.second,
                });
            }
            *cell = Some(rule.year);
        }
        let mut table = ConductTable::reference();
        for first in Level::ALL {
            for second in Level::ALL {
                let level = year[usize::from(first.rank())][usize::from(second.rank())]
                    .ok_or(ConductTableError::Missing { first, second })?;
                table = table.with_rule(ConductRule {
                    first,
                    second,
                    year: level,
                });
            }
        }
        Ok(table)
    }
}

impl From<ConductTable> for Vec<ConductRule> {
    fn from(table: ConductTable) -> Vec<ConductRule> {
        table.rules()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Translate};
    use Level::{Fair as K, Good as T, NotYet as C, Pass as D};

    /// The reference's list, written out for all 16 pairs: (semester I, semester II) → year.
    /// T = Tốt, K = Khá, D = Đạt, C = Chưa đạt.
    const REFERENCE: [(Level, Level, Level); 16] = [
        // semester II Tốt
        (T, T, T), // Tốt: II Tốt, I at least Khá
        (K, T, T),
        (D, T, K), // Khá: II Tốt, I Đạt or Chưa đạt
        (C, T, K),
        // semester II Khá
        (T, K, K), // Khá: II Khá, I at least Đạt
        (K, K, K),
        (D, K, K),
        (C, K, D), // Đạt: II Khá, I Chưa đạt
        // semester II Đạt
        (T, D, K), // Khá: II Đạt, I Tốt
        (K, D, D), // Đạt: II Đạt, I Khá, Đạt or Chưa đạt
        (D, D, D),
        (C, D, D),
        // semester II Chưa đạt: Chưa đạt whatever semester I
        (T, C, C),
        (K, C, C),
        (D, C, C),
        (C, C, C),
    ];

    #[test]
    fn all_sixteen_pairs_follow_the_reference() {
        let table = ConductTable::default();
        for (first, second, year) in REFERENCE {
            assert_eq!(
                table.year_conduct(first, second),
                year,
                "I {first:?}, II {second:?}"
            );
        }
        let pairs: std::collections::HashSet<(Level, Level)> = REFERENCE
            .iter()
            .map(|&(first, second, _)| (first, second))
            .collect();
        assert_eq!(pairs.len(), 16);
    }

    #[test]
    fn a_school_may_override_a_pair() {
        let table = ConductTable::reference().with_rule(ConductRule {
            first: C,
            second: T,
            year: D,
        });
        assert_eq!(table.year_conduct(C, T), D);
        assert_eq!(table.year_conduct(D, T), K);
    }

    #[test]
    fn the_table_is_stored_as_sixteen_rules() {
        let json = serde_json::to_value(ConductTable::reference()).unwrap();
        let rules = json.as_array().unwrap();
        assert_eq!(rules.len(), 16);
        assert!(
            rules.contains(&serde_json::json!({"first": "fair", "second": "good", "year": "good"}))
        );
        let back: ConductTable = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, ConductTable::reference());

        let mut fifteen: Vec<ConductRule> = serde_json::from_value(json).unwrap();
        let removed = fifteen.remove(3);
        assert_eq!(
            ConductTable::try_from(fifteen.clone()),
            Err(ConductTableError::Missing {
                first: removed.first,
                second: removed.second
            })
        );
        fifteen.push(fifteen[0]);
        assert!(matches!(
            ConductTable::try_from(fifteen),
            Err(ConductTableError::Duplicate { .. })
        ));
    }

    #[test]
    fn table_errors_have_codes_and_both_languages() {
        let errors = [
            ConductTableError::Missing {
                first: T,
                second: T,
            },
            ConductTableError::Duplicate {
                first: T,
                second: T,
            },
        ];
        for error in errors {
            assert!(error.to_string().starts_with(error.code()));
            assert_eq!(serde_json::to_value(error).unwrap()["error"], error.code());
            assert_ne!(error.text().text(Lang::Vi), error.text().text(Lang::En));
        }
    }
}
