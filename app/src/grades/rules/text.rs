//! Every text the grading rules give a screen, in Vietnamese and English: levels, awards,
//! decisions, and the message of every error code. Error messages with a value to fill in hold a
//! `{suggestion}` placeholder (see [`ScoreError::message`](super::ScoreError::message)).

use crate::texts;

texts! {
    /// Texts of the grading rules.
    pub enum GradeText {
        ScoreEmpty => ("Chưa nhập điểm.", "No score was entered."),
        ScoreNotANumber => (
            "Điểm phải là một số, ví dụ 7 hoặc 7,5.",
            "A score must be a number, e.g. 7 or 7.5."
        ),
        ScoreOutOfRange => ("Điểm phải từ 0 đến 10.", "A score must be between 0 and 10."),
        ScoreTooPrecise => (
            "Điểm chỉ ghi đến một chữ số thập phân, ví dụ {suggestion}.",
            "Scores are recorded to one decimal place, e.g. {suggestion}."
        ),
        SettingsRegularCountOutOfRange => (
            "Số lần đánh giá thường xuyên mỗi học kì phải từ 1 đến 9.",
            "The number of regular assessments per semester must be between 1 and 9."
        ),
        SettingsBandsOutOfOrder => (
            "Mốc số tiết của các nhóm môn học phải tăng dần (ví dụ 35 rồi 70).",
            "The period limits of the subject bands must increase (e.g. 35, then 70)."
        ),
        ConductRuleMissing => (
            "Bảng xếp loại rèn luyện cả năm còn thiếu một tổ hợp của hai học kì.",
            "The year conduct table lacks a pair of semester levels."
        ),
        ConductRuleDuplicate => (
            "Bảng xếp loại rèn luyện cả năm có một tổ hợp của hai học kì bị lặp.",
            "The year conduct table has a pair of semester levels twice."
        ),
        RetrainingNotRequired => (
            "Học sinh không phải rèn luyện trong kì nghỉ hè: kết quả rèn luyện cả năm đã từ mức Đạt trở lên.",
            "The student has no summer re-training: the year conduct is already Pass or better."
        ),
        RetestNotAllowed => (
            "Học sinh không thuộc diện kiểm tra lại.",
            "The student is not due for a re-test."
        ),
        RetestSubjectNotEligible => (
            "Môn học này không thuộc diện kiểm tra lại của học sinh.",
            "The student may not re-test this subject."
        ),
        RetestKindMismatch => (
            "Kết quả kiểm tra lại không đúng cách đánh giá của môn học (điểm số hay nhận xét).",
            "The re-test result does not match how the subject is assessed (score or comment)."
        ),
        RetestDuplicate => (
            "Môn học này đã có kết quả kiểm tra lại.",
            "This subject already has a re-test result."
        ),
        LevelGood => ("Tốt", "Good"),
        LevelFair => ("Khá", "Fair"),
        LevelPass => ("Đạt", "Pass"),
        LevelNotYet => ("Chưa đạt", "Not yet passed"),
        AwardExcellent => ("Học sinh Xuất sắc", "Excellent student"),
        AwardGood => ("Học sinh Giỏi", "Good student"),
        Promoted => ("Được lên lớp", "Promoted"),
        SummerRetraining => ("Rèn luyện trong kì nghỉ hè", "Summer re-training"),
        Retest => ("Kiểm tra lại", "Re-test"),
        NotPromoted => ("Không được lên lớp", "Not promoted"),
        TooManyAbsences => (
            "Nghỉ học quá số buổi cho phép trong năm học.",
            "Absent more often than allowed in the school year."
        ),
        ConductAfterRetraining => (
            "Sau rèn luyện trong kì nghỉ hè, kết quả rèn luyện vẫn Chưa đạt.",
            "Conduct is still Not yet passed after summer re-training."
        ),
        LearningAfterRetest => (
            "Sau kiểm tra lại, kết quả học tập vẫn Chưa đạt.",
            "Learning is still Not yet passed after the re-test."
        ),
        AdjustedByArticle9_3 => (
            "Được điều chỉnh lên mức liền kề (khoản 3 Điều 9) vì chỉ một môn học làm kết quả thấp xuống từ hai mức trở lên.",
            "Raised to the adjacent level (Art. 9.3): a single subject had lowered the result by two levels or more."
        ),
        NotComputableYet => ("Chưa đủ điểm để tính.", "Not enough scores yet."),
        MissingRegularScores => (
            "Còn thiếu điểm đánh giá thường xuyên.",
            "Regular assessment scores are missing."
        ),
        MissingMidterm => ("Chưa có điểm giữa kì.", "The midterm score is missing."),
        MissingFinal => ("Chưa có điểm cuối kì.", "The final score is missing."),
        MissingSemesterAverage => (
            "Chưa có điểm trung bình học kì.",
            "A semester average is missing."
        ),
        MissingSubjectResult => (
            "Môn học chưa có kết quả.",
            "A subject has no result yet."
        ),
    }
}

impl super::Missing {
    /// What to tell the user about this missing item.
    pub fn text(self) -> GradeText {
        match self {
            super::Missing::RegularScores { .. } => GradeText::MissingRegularScores,
            super::Missing::Midterm => GradeText::MissingMidterm,
            super::Missing::Final => GradeText::MissingFinal,
            super::Missing::SemesterAverage { .. } => GradeText::MissingSemesterAverage,
            super::Missing::SubjectResult { .. } => GradeText::MissingSubjectResult,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, Translate};

    #[test]
    fn every_grade_text_exists_in_both_languages() {
        for text in GradeText::ALL {
            let vi = text.text(Lang::Vi);
            let en = text.text(Lang::En);
            assert!(!vi.trim().is_empty() && !en.trim().is_empty(), "{text:?}");
            assert_ne!(vi, en, "{text:?} is not translated");
        }
    }
}
