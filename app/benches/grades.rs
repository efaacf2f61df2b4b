//! Year results of a whole school: 2,000 students, 13 subjects each (9 scored, 4 comment-only),
//! random scores from a seeded generator. Prints students per second.
//!
//! `cargo bench -p truongso-app --bench grades`

use std::hint::black_box;
use std::time::{Duration, Instant};

use app::grades::rules::{
    CommentResult, GradingSettings, Level, Score, SemesterScores, SubjectConfig, SubjectResult,
    YearEndDecision, YearEndRecord, learning_result, semester_subject_average, year_end_decision,
    year_subject_average,
};
use app::people::Assessment;

const STUDENTS: usize = 2_000;
const RUNS: usize = 15;

/// Periods per year of a grade-6 timetable: 9 scored subjects, then 4 comment-only ones.
const SUBJECTS: [(Assessment, u16); 13] = [
    (Assessment::Scored, 140),  // Ngữ văn
    (Assessment::Scored, 140),  // Toán
    (Assessment::Scored, 105),  // Ngoại ngữ 1
    (Assessment::Scored, 105),  // Ngoại ngữ 2
    (Assessment::Scored, 35),   // Giáo dục công dân
    (Assessment::Scored, 105),  // Lịch sử và Địa lí
    (Assessment::Scored, 140),  // Khoa học tự nhiên
    (Assessment::Scored, 35),   // Công nghệ
    (Assessment::Scored, 35),   // Tin học
    (Assessment::Comment, 70),  // Giáo dục thể chất
    (Assessment::Comment, 70),  // Nghệ thuật
    (Assessment::Comment, 105), // Hoạt động trải nghiệm, hướng nghiệp
    (Assessment::Comment, 35),  // Nội dung giáo dục của địa phương
];

/// SplitMix64: small, seeded, good enough for test data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    /// A score around the student's own level, in half points as teachers mostly give.
    fn score(&mut self, level_tenths: u64) -> Score {
        let spread = self.below(41) as i64 - 20;
        let tenths = (level_tenths as i64 + spread).clamp(0, 100);
        let half_points = (tenths + 2) / 5 * 5;
        Score::from_tenths(u8::try_from(half_points.clamp(0, 100)).unwrap_or(0))
            .unwrap_or(Score::ZERO)
    }

    fn level(&mut self) -> Level {
        match self.below(100) {
            0..=59 => Level::Good,
            60..=89 => Level::Fair,
            90..=97 => Level::Pass,
            _ => Level::NotYet,
        }
    }
}

/// What teachers entered for one student over the year.
struct StudentYear {
    /// Per subject, per semester: the scores (scored subjects) or the comment result.
    scores: Vec<[SemesterScores; 2]>,
    comments: Vec<[CommentResult; 2]>,
    conduct: [Level; 2],
    absences: u16,
}

fn generate(rng: &mut Rng, configs: &[SubjectConfig], settings: &GradingSettings) -> StudentYear {
    let ability = 35 + rng.below(60);
    let mut scores = Vec::new();
    let mut comments = Vec::new();
    for config in configs {
        match config.planned_regular_assessments(settings) {
            Some(planned) => scores.push([(); 2].map(|()| SemesterScores {
                regular: (0..planned).map(|_| rng.score(ability)).collect(),
                midterm: Some(rng.score(ability)),
                final_exam: Some(rng.score(ability)),
            })),
            None => comments.push([(); 2].map(|()| {
                if rng.below(100) < 3 {
                    CommentResult::NotYet
                } else {
                    CommentResult::Pass
                }
            })),
        }
    }
    StudentYear {
        scores,
        comments,
        conduct: [rng.level(), rng.level()],
        absences: u16::try_from(rng.below(100).saturating_sub(50)).unwrap_or(0),
    }
}

/// Everything the school computes at the end of the year for one student.
fn year_results(
    student: &StudentYear,
    configs: &[SubjectConfig],
    settings: &GradingSettings,
) -> Option<YearEndDecision> {
    let mut semester_results: [Vec<SubjectResult>; 2] = [Vec::new(), Vec::new()];
    let mut year_subjects = Vec::new();
    let scored = configs
        .iter()
        .filter_map(|config| config.planned_regular_assessments(settings));
    for (semesters, planned) in student.scores.iter().zip(scored) {
        let [first, second] = semesters
            .each_ref()
            .map(|scores| semester_subject_average(scores, planned, settings).into_value());
        for (results, average) in semester_results.iter_mut().zip([first, second]) {
            results.push(SubjectResult::Scored(average?));
        }
        let year = year_subject_average(first, second, settings).into_value()?;
        year_subjects.push(SubjectResult::Scored(year));
    }
    for [first, second] in &student.comments {
        semester_results[0].push(SubjectResult::Comment(*first));
        semester_results[1].push(SubjectResult::Comment(*second));
        year_subjects.push(SubjectResult::Comment(*second));
    }
    for results in &semester_results {
        black_box(learning_result(results, settings));
    }
    let [first, second] = student.conduct;
    let record = YearEndRecord {
        conduct: settings.conduct_table.year_conduct(first, second),
        subjects: year_subjects,
        absences: student.absences,
        summer_retraining: None,
        retest: None,
    };
    year_end_decision(&record, settings).ok()
}

fn main() {
    let settings = GradingSettings::default();
    let configs: Vec<SubjectConfig> = SUBJECTS
        .iter()
        .map(|&(assessment, periods_per_year)| SubjectConfig {
            assessment,
            periods_per_year,
            regular_assessments: None,
        })
        .collect();
    let mut rng = Rng(2026);
    let school: Vec<StudentYear> = (0..STUDENTS)
        .map(|_| generate(&mut rng, &configs, &settings))
        .collect();

    let mut timings = Vec::with_capacity(RUNS);
    let mut decided = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        decided = school
            .iter()
            .filter_map(|student| black_box(year_results(student, &configs, &settings)))
            .count();
        timings.push(start.elapsed());
    }
    timings.sort();
    let median = timings.get(RUNS / 2).copied().unwrap_or(Duration::ZERO);
    let best = timings.first().copied().unwrap_or(Duration::ZERO);
    let per_second = |elapsed: Duration| STUDENTS as f64 / elapsed.as_secs_f64().max(1e-9);
    println!(
        "grades: {STUDENTS} students × {} subjects, {decided} year-end decisions per run",
        SUBJECTS.len()
    );
    println!(
        "grades: median {:.2} ms ({:.0} students/s), best {:.2} ms ({:.0} students/s) over {RUNS} runs",
        median.as_secs_f64() * 1e3,
        per_second(median),
        best.as_secs_f64() * 1e3,
        per_second(best),
    );
}
