//! The grading rules' error codes at the edge of a server function. The rules keep their own
//! enums (with details such as the suggested rounding); each code has an [`ErrorCode`] variant
//! with the same stable string, so converting keeps the code the browser translates.

use super::rules::{ConductTableError, ScoreError, SettingsError, YearEndError};
use crate::platform::error::{AppError, ErrorCode};

pub fn score_error_code(error: ScoreError) -> ErrorCode {
    match error {
        ScoreError::Empty => ErrorCode::ScoreEmpty,
        ScoreError::NotANumber => ErrorCode::ScoreNotANumber,
        ScoreError::OutOfRange => ErrorCode::ScoreOutOfRange,
        ScoreError::TooPrecise { .. } => ErrorCode::ScoreTooPrecise,
    }
}

pub fn settings_error_code(error: SettingsError) -> ErrorCode {
    match error {
        SettingsError::RegularCountOutOfRange => ErrorCode::GradingRegularCountOutOfRange,
        SettingsError::BandsOutOfOrder => ErrorCode::GradingBandsOutOfOrder,
    }
}

pub fn conduct_table_error_code(error: ConductTableError) -> ErrorCode {
    match error {
        ConductTableError::Missing { .. } => ErrorCode::GradingConductRuleMissing,
        ConductTableError::Duplicate { .. } => ErrorCode::GradingConductRuleDuplicate,
    }
}

pub fn year_end_error_code(error: YearEndError) -> ErrorCode {
    match error {
        YearEndError::RetrainingNotRequired => ErrorCode::YearEndRetrainingNotRequired,
        YearEndError::RetestNotAllowed => ErrorCode::YearEndRetestNotAllowed,
        YearEndError::RetestSubjectNotEligible { .. } => ErrorCode::YearEndRetestSubjectNotEligible,
        YearEndError::RetestKindMismatch { .. } => ErrorCode::YearEndRetestKindMismatch,
        YearEndError::RetestDuplicate { .. } => ErrorCode::YearEndRetestDuplicate,
    }
}

impl From<ScoreError> for AppError {
    fn from(error: ScoreError) -> Self {
        AppError::new(score_error_code(error))
    }
}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        AppError::new(settings_error_code(error))
    }
}

impl From<ConductTableError> for AppError {
    fn from(error: ConductTableError) -> Self {
        AppError::new(conduct_table_error_code(error))
    }
}

impl From<YearEndError> for AppError {
    fn from(error: YearEndError) -> Self {
        AppError::new(year_end_error_code(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grades::rules::{Level, s};
    use crate::i18n::{Lang, Translate};

    #[test]
    fn every_rules_code_keeps_its_string_and_text() {
        let score_errors = [
            ScoreError::Empty,
            ScoreError::NotANumber,
            ScoreError::OutOfRange,
            ScoreError::TooPrecise {
                suggestion: s("7.3"),
            },
        ];
        for error in score_errors {
            let code = score_error_code(error);
            assert_eq!(code.as_str(), error.code());
            if !matches!(error, ScoreError::TooPrecise { .. }) {
                assert_eq!(code.text(Lang::Vi), error.text().text(Lang::Vi));
                assert_eq!(code.text(Lang::En), error.text().text(Lang::En));
            }
        }
        for error in SettingsError::ALL {
            let code = settings_error_code(error);
            assert_eq!(code.as_str(), error.code());
            assert_eq!(code.text(Lang::Vi), error.text().text(Lang::Vi));
        }
        for error in [
            ConductTableError::Missing {
                first: Level::Good,
                second: Level::Pass,
            },
            ConductTableError::Duplicate {
                first: Level::Good,
                second: Level::Pass,
            },
        ] {
            let code = conduct_table_error_code(error);
            assert_eq!(code.as_str(), error.code());
            assert_eq!(code.text(Lang::En), error.text().text(Lang::En));
        }
        for error in [
            YearEndError::RetrainingNotRequired,
            YearEndError::RetestNotAllowed,
            YearEndError::RetestSubjectNotEligible { subject: 1 },
            YearEndError::RetestKindMismatch { subject: 1 },
            YearEndError::RetestDuplicate { subject: 1 },
        ] {
            let code = year_end_error_code(error);
            assert_eq!(code.as_str(), error.code());
            assert_eq!(code.text(Lang::Vi), error.text().text(Lang::Vi));
        }
        // The generic text of a too-precise score still gives the hint.
        assert!(
            ErrorCode::ScoreTooPrecise
                .text(Lang::En)
                .contains("one decimal")
        );
        assert_eq!(
            AppError::from(ScoreError::OutOfRange).code,
            ErrorCode::ScoreOutOfRange
        );
    }
}
