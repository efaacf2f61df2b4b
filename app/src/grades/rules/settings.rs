//! What a school may review: every rule the reference does not confirm is a field here, with the
//! reference's value as the default. Stored per school as JSON; a field missing from the JSON
//! takes its default, so adding a setting later keeps old JSON readable.

use serde::{Deserialize, Serialize};

use super::conduct::ConductTable;
use super::text::GradeText;
use crate::people::Assessment;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradingSettings {
    /// Number of regular assessments (ĐĐGtx) per semester from a subject's periods per year.
    pub regular_assessments: RegularAssessmentBands,
    /// Whether a semester average (ĐTBmhk) may be computed before every planned ĐĐGtx exists.
    pub regular_scores_required: RegularScoresRequired,
    /// How ĐTBmhk and ĐTBmcn are rounded to one decimal.
    pub rounding: AverageRounding,
    /// The "at least 6 subjects" of Art. 9.2 and Art. 15.
    pub minimum_subject_counts: MinimumSubjectCounts,
    /// Most absences allowed for promotion (Art. 12), excused or not, in the unit the attendance
    /// records count (the reference says school days; see the module notes).
    pub max_absences: u16,
    /// Year conduct from the two semesters' conduct.
    pub conduct_table: ConductTable,
}

/// Art. 12 allows at most 45 absences in a school year.
const REFERENCE_MAX_ABSENCES: u16 = 45;

impl Default for GradingSettings {
    fn default() -> Self {
        GradingSettings {
            regular_assessments: RegularAssessmentBands::default(),
            regular_scores_required: RegularScoresRequired::default(),
            rounding: AverageRounding::default(),
            minimum_subject_counts: MinimumSubjectCounts::default(),
            max_absences: REFERENCE_MAX_ABSENCES,
            conduct_table: ConductTable::default(),
        }
    }
}

/// The reference quotes "35 periods/year → 2; more than 35 up to 70 → 3; more than 70 → 4" from
/// secondary sources; whether "35" means "up to 35" is not confirmed. Default reading: up to 35
/// periods → 2, 36 to 70 → 3, above 70 → 4. A subject may also override its own count
/// ([`SubjectConfig::regular_assessments`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegularAssessmentBands {
    /// Largest periods per year of the smallest band (35).
    pub small_max_periods: u16,
    /// ĐĐGtx per semester for the smallest band (2).
    pub small_count: u8,
    /// Largest periods per year of the middle band (70).
    pub medium_max_periods: u16,
    /// ĐĐGtx per semester for the middle band (3).
    pub medium_count: u8,
    /// ĐĐGtx per semester above the middle band (4).
    pub large_count: u8,
}

impl Default for RegularAssessmentBands {
    fn default() -> Self {
        RegularAssessmentBands {
            small_max_periods: 35,
            small_count: 2,
            medium_max_periods: 70,
            medium_count: 3,
            large_count: 4,
        }
    }
}

impl RegularAssessmentBands {
    pub fn count_for(&self, periods_per_year: u16) -> u8 {
        if periods_per_year <= self.small_max_periods {
            self.small_count
        } else if periods_per_year <= self.medium_max_periods {
            self.medium_count
        } else {
            self.large_count
        }
    }
}

/// When ĐTBmhk can be computed. Missing midterm (ĐĐGgk) or final (ĐĐGck) always blocks it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegularScoresRequired {
    /// Every planned ĐĐGtx is needed (default): TT22 plans a fixed number per semester, and a
    /// student who missed one takes a make-up assessment rather than being averaged without it.
    #[default]
    AllPlanned,
    /// At least one ĐĐGtx is enough; the formula then divides by the number entered.
    AtLeastOne,
}

/// Rounding to one decimal of an exact average.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AverageRounding {
    /// Arithmetic half-up (8.25 → 8.3), what schools expect; TT22 does not name a mode.
    #[default]
    HalfUp,
    /// Half to even (8.25 → 8.2), should a school be told so.
    HalfEven,
}

/// The subject counts of Art. 9.2 and Art. 15 (6 in each, per the reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MinimumSubjectCounts {
    /// Scored subjects with an average ≥ 8.0 needed for Tốt.
    pub for_good: u8,
    /// Scored subjects with an average ≥ 6.5 needed for Khá.
    pub for_fair: u8,
    /// Scored subjects with an average ≥ 5.0 needed for Đạt.
    pub for_pass: u8,
    /// Scored subjects with ĐTBmcn ≥ 9.0 needed for "Học sinh Xuất sắc".
    pub for_excellent_award: u8,
}

impl Default for MinimumSubjectCounts {
    fn default() -> Self {
        MinimumSubjectCounts {
            for_good: 6,
            for_fair: 6,
            for_pass: 6,
            for_excellent_award: 6,
        }
    }
}

impl Default for ConductTable {
    fn default() -> Self {
        ConductTable::reference()
    }
}

/// Settings that would make the rules incoherent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "error")]
pub enum SettingsError {
    /// A count of regular assessments outside 1..=9 (the range the database accepts too).
    #[serde(rename = "grading_regular_count_out_of_range")]
    #[error("grading_regular_count_out_of_range")]
    RegularCountOutOfRange,
    /// The small band must end before the middle one.
    #[serde(rename = "grading_bands_out_of_order")]
    #[error("grading_bands_out_of_order")]
    BandsOutOfOrder,
}

impl SettingsError {
    pub const ALL: [SettingsError; 2] = [
        SettingsError::RegularCountOutOfRange,
        SettingsError::BandsOutOfOrder,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SettingsError::RegularCountOutOfRange => "grading_regular_count_out_of_range",
            SettingsError::BandsOutOfOrder => "grading_bands_out_of_order",
        }
    }

    pub fn text(self) -> GradeText {
        match self {
            SettingsError::RegularCountOutOfRange => GradeText::SettingsRegularCountOutOfRange,
            SettingsError::BandsOutOfOrder => GradeText::SettingsBandsOutOfOrder,
        }
    }
}

/// The valid range of a count of regular assessments.
const REGULAR_COUNT_RANGE: std::ops::RangeInclusive<u8> = 1..=9;

impl GradingSettings {
    /// Checks what a school changed before it is stored. The conduct table is checked when it
    /// is read (it must hold all 16 pairs).
    pub fn validate(&self) -> Result<(), SettingsError> {
        let bands = &self.regular_assessments;
        let counts = [bands.small_count, bands.medium_count, bands.large_count];
        if !counts
            .iter()
            .all(|count| REGULAR_COUNT_RANGE.contains(count))
        {
            return Err(SettingsError::RegularCountOutOfRange);
        }
        if bands.small_max_periods >= bands.medium_max_periods {
            return Err(SettingsError::BandsOutOfOrder);
        }
        Ok(())
    }
}

/// How one subject is assessed in one grade.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectConfig {
    pub assessment: Assessment,
    pub periods_per_year: u16,
    /// The school's own count of ĐĐGtx per semester for this subject; `None` follows the bands.
    #[serde(default)]
    pub regular_assessments: Option<u8>,
}

impl SubjectConfig {
    /// The planned ĐĐGtx per semester; `None` for a comment-only subject (no scores).
    pub fn planned_regular_assessments(&self, settings: &GradingSettings) -> Option<u8> {
        match self.assessment {
            Assessment::Comment => None,
            Assessment::Scored => Some(self.regular_assessments.unwrap_or_else(|| {
                settings
                    .regular_assessments
                    .count_for(self.periods_per_year)
            })),
        }
    }

    pub fn validate(&self) -> Result<(), SettingsError> {
        match self.regular_assessments {
            Some(count) if !REGULAR_COUNT_RANGE.contains(&count) => {
                Err(SettingsError::RegularCountOutOfRange)
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Translate};

    fn scored(periods_per_year: u16) -> SubjectConfig {
        SubjectConfig {
            assessment: Assessment::Scored,
            periods_per_year,
            regular_assessments: None,
        }
    }

    #[test]
    fn regular_assessments_follow_periods_per_year() {
        let settings = GradingSettings::default();
        for (periods, count) in [
            (0, 2),
            (35, 2),
            (36, 3),
            (52, 3),
            (70, 3),
            (71, 4),
            (105, 4),
            (140, 4),
        ] {
            assert_eq!(
                scored(periods).planned_regular_assessments(&settings),
                Some(count),
                "{periods} periods"
            );
        }
    }

    #[test]
    fn a_subject_or_a_school_may_override_the_count() {
        let mut settings = GradingSettings::default();
        let mut maths = scored(140);
        maths.regular_assessments = Some(5);
        assert_eq!(maths.planned_regular_assessments(&settings), Some(5));
        settings.regular_assessments.small_count = 3;
        assert_eq!(scored(35).planned_regular_assessments(&settings), Some(3));
        let arts = SubjectConfig {
            assessment: Assessment::Comment,
            periods_per_year: 70,
            regular_assessments: None,
        };
        assert_eq!(arts.planned_regular_assessments(&settings), None);
    }

    #[test]
    fn incoherent_settings_are_refused() {
        assert_eq!(GradingSettings::default().validate(), Ok(()));
        let mut settings = GradingSettings::default();
        settings.regular_assessments.large_count = 0;
        assert_eq!(
            settings.validate(),
            Err(SettingsError::RegularCountOutOfRange)
        );
        let mut settings = GradingSettings::default();
        settings.regular_assessments.medium_max_periods = 35;
        assert_eq!(settings.validate(), Err(SettingsError::BandsOutOfOrder));
        let mut subject = scored(70);
        subject.regular_assessments = Some(10);
        assert_eq!(
            subject.validate(),
            Err(SettingsError::RegularCountOutOfRange)
        );
        subject.regular_assessments = Some(9);
        assert_eq!(subject.validate(), Ok(()));
    }

    #[test]
    fn settings_errors_have_codes_and_both_languages() {
        for error in SettingsError::ALL {
            assert_eq!(error.to_string(), error.code());
            let json = serde_json::to_value(error).unwrap();
            assert_eq!(json, serde_json::json!({"error": error.code()}));
            assert_ne!(error.text().text(Lang::Vi), error.text().text(Lang::En));
        }
    }

    #[test]
    fn settings_are_stored_as_json_and_missing_fields_take_defaults() {
        let settings = GradingSettings::default();
        let json = serde_json::to_value(&settings).unwrap();
        assert_eq!(json["max_absences"], 45);
        assert_eq!(json["rounding"], "half_up");
        assert_eq!(json["regular_scores_required"], "all_planned");
        assert_eq!(json["minimum_subject_counts"]["for_good"], 6);
        assert_eq!(json["regular_assessments"]["small_max_periods"], 35);
        assert_eq!(json["conduct_table"].as_array().map(Vec::len), Some(16));
        let back: GradingSettings = serde_json::from_value(json).unwrap();
        assert_eq!(back, settings);

        let partial: GradingSettings = serde_json::from_str(
            r#"{"max_absences": 50, "minimum_subject_counts": {"for_pass": 5}}"#,
        )
        .unwrap();
        assert_eq!(partial.max_absences, 50);
        assert_eq!(partial.minimum_subject_counts.for_pass, 5);
        assert_eq!(partial.minimum_subject_counts.for_good, 6);
        assert_eq!(partial.conduct_table, ConductTable::reference());
    }
}
