//! The demo district: two lower-secondary schools of Nhà Bè with grades 6–9, two classes per
//! grade, about 40 students a class with their guardians, teachers, subjects and one school year.
//! Made only in demo mode, into an empty database, in one transaction, the same every time
//! (a seeded random generator), so that a newcomer sees a realistic school and tests can rely on it.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use sqlx::AnyConnection;
use time::macros::date;
use time::{Date, Month};

use crate::people::store::{
    self, NewGuardian, NewPerson, NewSchool, NewStaff, NewStudent, NewSubject,
};
use crate::people::{Assessment, FullName, Relation, StaffRole};
use crate::platform::audit::Actor;
use crate::platform::crypto::PidCrypto;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::personal_id::{PersonalId, Sex};

/// People of the demo with fixed numbers, so the demo identity provider can log in as them.
pub struct DemoPerson {
    pub role: &'static str,
    pub personal_id: &'static str,
    pub full_name: &'static str,
    /// YYYYMMDD, as VNeID sends it.
    pub birth_date: &'static str,
}

pub const DEMO_PEOPLE: &[DemoPerson] = &[
    DemoPerson {
        role: "district_admin",
        personal_id: "079180000001",
        full_name: "Trương Thị Hồng",
        birth_date: "19800312",
    },
    DemoPerson {
        role: "school_admin",
        personal_id: "079078000002",
        full_name: "Lâm Văn Phúc",
        birth_date: "19780521",
    },
    DemoPerson {
        role: "clerk",
        personal_id: "079190000003",
        full_name: "Đinh Thị Thu",
        birth_date: "19900802",
    },
    DemoPerson {
        role: "teacher",
        personal_id: "079087000004",
        full_name: "Phan Minh Khoa",
        birth_date: "19870117",
    },
    DemoPerson {
        role: "guardian",
        personal_id: "079185000005",
        full_name: "Nguyễn Thị Lan",
        birth_date: "19850930",
    },
    // The holder of pcsc-bridge's TEST ONLY chip card (pcsc-bridge/tests/fixtures): a father in
    // 7A1 whose link is not verified yet, so the desk can be tried with the card emulator.
    DemoPerson {
        role: "card_holder",
        personal_id: "001085012345",
        full_name: "Lê Văn Hùng",
        birth_date: "19850812",
    },
];

pub const DISTRICT_CODE: &str = "79-NHABE";
pub const SCHOOL_CODES: [&str; 2] = ["79000701", "79000702"];
const SEED: u64 = 20_261_204;
const STUDENTS_PER_CLASS: usize = 40;

const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan",
    "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai",
    "Tô",
];
const MIDDLE_M: &[&str] = &[
    "Văn", "Minh", "Quốc", "Gia", "Đức", "Hoàng", "Thành", "Anh", "Hữu", "Công", "Nhật", "Tuấn",
];
const MIDDLE_F: &[&str] = &[
    "Thị",
    "Ngọc",
    "Thu",
    "Bảo",
    "Khánh",
    "Phương",
    "Minh",
    "Thanh",
    "Mai",
    "Hoài",
    "Thị Minh",
    "Ngọc Bảo",
];
const GIVEN_M: &[&str] = &[
    "An", "Bình", "Dũng", "Đức", "Huy", "Khang", "Khoa", "Long", "Minh", "Nam", "Phúc", "Quân",
    "Sơn", "Tâm", "Thắng", "Trí", "Tuấn", "Việt", "Vinh", "Hải", "Hiếu", "Kiệt", "Lâm", "Phát",
    "Tài", "Ân", "Em", "Duy",
];
const GIVEN_F: &[&str] = &[
    "Anh", "Ánh", "Châu", "Chi", "Diệp", "Giang", "Hà", "Hân", "Hương", "Linh", "Lan", "Mai", "My",
    "Ngân", "Nhi", "Như", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Trâm", "Uyên", "Vy", "Yến",
    "Ân", "Ngọc", "Đào",
];
const OCCUPATIONS: &[&str] = &[
    "Công nhân",
    "Buôn bán",
    "Nông dân",
    "Viên chức",
    "Kinh doanh",
    "Nội trợ",
    "Lái xe",
    "Kỹ sư",
];

/// (code, Vietnamese, English, assessment, periods per year in grades 6–7, in grades 8–9)
const SUBJECTS: &[(&str, &str, &str, Assessment, i64, i64)] = &[
    (
        "NGU_VAN",
        "Ngữ văn",
        "Literature",
        Assessment::Scored,
        140,
        140,
    ),
    ("TOAN", "Toán", "Mathematics", Assessment::Scored, 140, 140),
    (
        "TIENG_ANH",
        "Tiếng Anh",
        "English",
        Assessment::Scored,
        105,
        105,
    ),
    (
        "GDCD",
        "Giáo dục công dân",
        "Civics",
        Assessment::Scored,
        35,
        35,
    ),
    (
        "LS_DL",
        "Lịch sử và Địa lí",
        "History and Geography",
        Assessment::Scored,
        105,
        105,
    ),
    (
        "KHTN",
        "Khoa học tự nhiên",
        "Natural science",
        Assessment::Scored,
        140,
        140,
    ),
    (
        "CONG_NGHE",
        "Công nghệ",
        "Technology",
        Assessment::Scored,
        35,
        52,
    ),
    (
        "TIN_HOC",
        "Tin học",
        "Informatics",
        Assessment::Scored,
        35,
        35,
    ),
    (
        "GDTC",
        "Giáo dục thể chất",
        "Physical education",
        Assessment::Comment,
        70,
        70,
    ),
    ("AM_NHAC", "Âm nhạc", "Music", Assessment::Comment, 35, 35),
    (
        "MI_THUAT",
        "Mĩ thuật",
        "Fine arts",
        Assessment::Comment,
        35,
        35,
    ),
    (
        "HDTN",
        "Hoạt động trải nghiệm, hướng nghiệp",
        "Experiential activities",
        Assessment::Comment,
        105,
        105,
    ),
    (
        "GDDP",
        "Nội dung giáo dục địa phương",
        "Local education",
        Assessment::Comment,
        35,
        35,
    ),
];

/// What was made, for the start-up message.
#[derive(Debug, Default)]
pub struct DemoSummary {
    pub schools: usize,
    pub classes: usize,
    pub students: usize,
    pub guardians: usize,
    pub staff: usize,
}

/// Seeds the demo district when the database holds no district yet; returns what it made.
pub async fn seed_if_empty(
    db: &Db,
    crypto: &PidCrypto,
    now: i64,
) -> Result<Option<DemoSummary>, AppError> {
    let mut tx = db.pool().begin().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts")
        .fetch_one(&mut *tx)
        .await?;
    if existing > 0 {
        return Ok(None);
    }
    let summary = Seeder::new(crypto, now).seed(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(summary))
}

struct Seeder<'a> {
    crypto: &'a PidCrypto,
    now: i64,
    rng: StdRng,
    actor: Actor,
    serial: u32,
    summary: DemoSummary,
}

/// A person as the population database knows them.
struct Citizen {
    personal_id: PersonalId,
    name: FullName,
    born: Date,
    sex: Sex,
}

impl Citizen {
    /// One of [`DEMO_PEOPLE`]; the sex comes from the ID number's century/sex digit.
    fn demo(person: &DemoPerson) -> Result<Citizen, AppError> {
        let personal_id = PersonalId::parse(person.personal_id)?;
        let sex = personal_id.birth_century_and_sex().1;
        Ok(Citizen {
            name: FullName::parse(person.full_name).ok_or_else(internal)?,
            born: birth_date(person.birth_date).ok_or_else(internal)?,
            personal_id,
            sex,
        })
    }

    fn as_new_person(&self, school_id: i64) -> NewPerson<'_> {
        NewPerson {
            school_id,
            personal_id: Some(&self.personal_id),
            name: &self.name,
            date_of_birth: Some(self.born),
            sex: Some(self.sex),
        }
    }
}

fn birth_date(yyyymmdd: &str) -> Option<Date> {
    let year: i32 = yyyymmdd.get(0..4)?.parse().ok()?;
    let month: u8 = yyyymmdd.get(4..6)?.parse().ok()?;
    let day: u8 = yyyymmdd.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
}

fn internal() -> AppError {
    AppError::new(crate::platform::error::ErrorCode::Internal)
}

struct SchoolIds {
    school: i64,
    code: String,
    year: i64,
    classes: Vec<(i64, i64)>, // (class id, grade)
    subjects: Vec<i64>,
}

impl<'a> Seeder<'a> {
    fn new(crypto: &'a PidCrypto, now: i64) -> Self {
        Seeder {
            crypto,
            now,
            rng: StdRng::seed_from_u64(SEED),
            actor: Actor::system(),
            serial: 1_000,
            summary: DemoSummary::default(),
        }
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    fn random_sex(&mut self, female_share: f64) -> Sex {
        if self.rng.gen_bool(female_share) {
            Sex::Female
        } else {
            Sex::Male
        }
    }

    /// A made-up citizen born in one of `years`, with a fresh ID number.
    fn citizen(
        &mut self,
        sex: Sex,
        years: std::ops::RangeInclusive<i32>,
        family: Option<&str>,
    ) -> Result<Citizen, AppError> {
        let year = self.rng.gen_range(years);
        let born = Date::from_ordinal_date(year, self.rng.gen_range(1..=365u16))
            .map_err(|_| internal())?;
        self.serial += 1;
        let family = family
            .map(str::to_string)
            .unwrap_or_else(|| self.pick(FAMILY).to_string());
        let (middles, givens) = match sex {
            Sex::Male => (MIDDLE_M, GIVEN_M),
            Sex::Female => (MIDDLE_F, GIVEN_F),
        };
        let name = FullName::from_parts(&family, self.pick(middles), self.pick(givens));
        Ok(Citizen {
            personal_id: PersonalId::compose(79, year, sex, self.serial).ok_or_else(internal)?,
            name,
            born,
            sex,
        })
    }

    async fn seed(mut self, conn: &mut AnyConnection) -> Result<DemoSummary, AppError> {
        let district =
            store::insert_district(conn, DISTRICT_CODE, "Huyện Nhà Bè", "79", self.now).await?;
        let admin = Citizen::demo(&DEMO_PEOPLE[0])?;
        store::insert_district_admin(
            conn,
            self.crypto,
            district,
            &admin.personal_id,
            &admin.name.full(),
            self.now,
        )
        .await?;
        let names = [
            "Trường THCS Phước Kiển (demo)",
            "Trường THCS Hiệp Phước (demo)",
        ];
        for (index, (code, school_name)) in SCHOOL_CODES.iter().zip(names).enumerate() {
            let ids = self.school(conn, district, code, school_name).await?;
            let teachers = self.staff(conn, &ids, index == 0).await?;
            self.students(conn, &ids, index == 0).await?;
            if index == 0 {
                crate::timetable::demo::seed(conn, ids.school, self.now).await?;
            }
            if index == 0 {
                crate::fees::demo::seed(conn, self.crypto, ids.school, ids.year, self.now).await?;
            }
            self.grades(conn, &ids, &teachers, index == 0).await?;
        }
        crate::verification::demo::seed(conn, self.now).await?;
        Ok(self.summary)
    }

    async fn school(
        &mut self,
        conn: &mut AnyConnection,
        district_id: i64,
        code: &str,
        school_name: &str,
    ) -> Result<SchoolIds, AppError> {
        let school = store::insert_school(
            conn,
            &NewSchool {
                district_id,
                moet_code: code,
                name: school_name,
                address: Some("Nhà Bè, Thành phố Hồ Chí Minh"),
                phone: None,
            },
            self.now,
        )
        .await?;
        let year = store::insert_school_year(
            conn,
            school,
            "2026-2027",
            date!(2026 - 09 - 05),
            date!(2027 - 05 - 31),
            true,
        )
        .await?;
        store::insert_semester(
            conn,
            school,
            year,
            1,
            date!(2026 - 09 - 05),
            date!(2027 - 01 - 16),
        )
        .await?;
        store::insert_semester(
            conn,
            school,
            year,
            2,
            date!(2027 - 01 - 18),
            date!(2027 - 05 - 31),
        )
        .await?;
        let mut subjects = Vec::new();
        for (order, (code, vi, en, assessment, lower, upper)) in SUBJECTS.iter().enumerate() {
            let subject = store::insert_subject(
                conn,
                &NewSubject {
                    school_id: school,
                    code,
                    name_vi: vi,
                    name_en: en,
                    assessment: *assessment,
                    sort_order: order as i64,
                },
            )
            .await?;
            for grade in 6..=9 {
                let periods = if grade <= 7 { *lower } else { *upper };
                store::insert_subject_grade(conn, school, subject, grade, periods).await?;
            }
            subjects.push(subject);
        }
        let mut classes = Vec::new();
        for grade in 6..=9i64 {
            for section in 1..=2 {
                let class =
                    store::insert_class(conn, school, year, grade, &format!("{grade}A{section}"))
                        .await?;
                classes.push((class, grade));
            }
        }
        self.summary.schools += 1;
        self.summary.classes += classes.len();
        Ok(SchoolIds {
            school,
            code: code.to_string(),
            year,
            classes,
            subjects,
        })
    }

    async fn add_staff(
        &mut self,
        conn: &mut AnyConnection,
        school: i64,
        who: &Citizen,
        roles: &[StaffRole],
        position: &str,
    ) -> Result<i64, AppError> {
        self.summary.staff += 1;
        let staff = NewStaff {
            person: who.as_new_person(school),
            position: Some(position),
            phone: None,
            roles,
        };
        store::insert_staff(conn, self.crypto, &self.actor, &staff, self.now).await
    }

    /// Semester I open for entry; in the pilot school, some scores (see `grades::demo`).
    async fn grades(
        &mut self,
        conn: &mut AnyConnection,
        ids: &SchoolIds,
        teachers: &[i64],
        pilot: bool,
    ) -> Result<(), AppError> {
        let mut classes = Vec::new();
        for (class, grade) in &ids.classes {
            let name: String = sqlx::query_scalar("SELECT name FROM classes WHERE id = $1")
                .bind(*class)
                .fetch_one(&mut *conn)
                .await?;
            classes.push((*class, *grade, name));
        }
        let school = crate::grades::demo::DemoSchool {
            school_id: ids.school,
            school_year_id: ids.year,
            subjects: &ids.subjects,
            teachers,
            classes: &classes,
            with_scores: pilot,
        };
        crate::grades::demo::seed(conn, &school, self.now).await
    }

    /// A principal, a clerk, and one teacher per subject, each teaching it in every class;
    /// eight of them are also homeroom teachers of one class each. Returns the subject teachers
    /// in subject order.
    async fn staff(
        &mut self,
        conn: &mut AnyConnection,
        ids: &SchoolIds,
        pilot: bool,
    ) -> Result<Vec<i64>, AppError> {
        let principal = if pilot {
            Citizen::demo(&DEMO_PEOPLE[1])?
        } else {
            self.citizen(Sex::Male, 1970..=1980, None)?
        };
        self.add_staff(
            conn,
            ids.school,
            &principal,
            &[StaffRole::SchoolAdmin, StaffRole::Timetabler],
            "Hiệu trưởng",
        )
        .await?;
        let clerk = if pilot {
            Citizen::demo(&DEMO_PEOPLE[2])?
        } else {
            self.citizen(Sex::Female, 1985..=1995, None)?
        };
        self.add_staff(conn, ids.school, &clerk, &[StaffRole::Clerk], "Văn thư")
            .await?;

        let mut teachers = Vec::new();
        for (index, subject) in ids.subjects.iter().enumerate() {
            // The demo teacher teaches mathematics (the second subject).
            let teacher = if pilot && index == 1 {
                Citizen::demo(&DEMO_PEOPLE[3])?
            } else {
                let sex = self.random_sex(0.7);
                self.citizen(sex, 1970..=1998, None)?
            };
            let teacher = self
                .add_staff(
                    conn,
                    ids.school,
                    &teacher,
                    &[StaffRole::Teacher],
                    "Giáo viên",
                )
                .await?;
            for (class, _) in &ids.classes {
                store::assign_teaching(conn, ids.school, ids.year, teacher, *class, Some(*subject))
                    .await?;
            }
            teachers.push(teacher);
        }
        let by_subject = teachers.clone();
        // Homeroom: the mathematics teacher takes 6A1, then the others in order.
        teachers.swap(0, 1);
        for ((class, _), teacher) in ids.classes.iter().zip(teachers) {
            store::assign_teaching(conn, ids.school, ids.year, teacher, *class, None).await?;
        }
        Ok(by_subject)
    }

    async fn add_guardian(
        &mut self,
        conn: &mut AnyConnection,
        school: i64,
        who: &Citizen,
    ) -> Result<i64, AppError> {
        self.summary.guardians += 1;
        let phone = format!("09{:08}", self.rng.gen_range(0..100_000_000u32));
        let occupation = self.pick(OCCUPATIONS);
        let guardian = NewGuardian {
            person: who.as_new_person(school),
            phone: Some(&phone),
            occupation: Some(occupation),
        };
        store::insert_guardian(conn, self.crypto, &self.actor, &guardian, self.now).await
    }

    async fn link(
        &mut self,
        conn: &mut AnyConnection,
        school: i64,
        guardian: i64,
        student: i64,
        relation: Relation,
    ) -> Result<i64, AppError> {
        store::link_guardian(
            conn,
            &self.actor,
            school,
            guardian,
            student,
            relation,
            self.now,
        )
        .await
    }

    async fn students(
        &mut self,
        conn: &mut AnyConnection,
        ids: &SchoolIds,
        pilot: bool,
    ) -> Result<(), AppError> {
        let school = ids.school;
        // In the pilot school: the demo guardian is the mother of the first child of 6A1 and of
        // 8A1 (one record, two children); the demo teacher is the father of the first of 9A2.
        let demo_mother = match pilot {
            true => Some(
                self.add_guardian(conn, school, &Citizen::demo(&DEMO_PEOPLE[4])?)
                    .await?,
            ),
            false => None,
        };
        for (class_index, (class, grade)) in ids.classes.iter().enumerate() {
            let birth_year = 2021 - *grade as i32;
            let mut sexes: Vec<Sex> = (0..STUDENTS_PER_CLASS)
                .map(|i| if i % 2 == 0 { Sex::Male } else { Sex::Female })
                .collect();
            sexes.shuffle(&mut self.rng);
            for (position, sex) in sexes.into_iter().enumerate() {
                let first_of =
                    |indexes: &[usize]| pilot && position == 0 && indexes.contains(&class_index);
                let (lan_child, khoa_child) = (first_of(&[0, 4]), first_of(&[7]));
                let hung_child = first_of(&[2]);
                let family = if khoa_child {
                    "Phan"
                } else {
                    // Drawn even for Hùng's child, so everyone else stays the same.
                    let drawn = self.pick(FAMILY);
                    if hung_child { "Lê" } else { drawn }
                };
                let child = self.citizen(sex, birth_year..=birth_year, Some(family))?;
                self.summary.students += 1;
                // Ten digits: the school code's last six, then a running number.
                let moet_code = format!(
                    "{}{:04}",
                    &ids.code[ids.code.len().saturating_sub(6)..],
                    self.summary.students
                );
                let new_student = NewStudent {
                    person: child.as_new_person(school),
                    moet_code: Some(&moet_code),
                    ethnicity: Some("Kinh"),
                };
                let student =
                    store::insert_student(conn, self.crypto, &self.actor, &new_student, self.now)
                        .await?;
                store::enroll(
                    conn,
                    school,
                    ids.year,
                    *class,
                    student,
                    date!(2026 - 09 - 05),
                )
                .await?;

                if let (true, Some(lan)) = (lan_child, demo_mother) {
                    // Her links are verified (as if she came to the desk), so the demo shows data.
                    let link = self
                        .link(conn, school, lan, student, Relation::Mother)
                        .await?;
                    store::verify_link(conn, &self.actor, school, link, "clerk", None, self.now)
                        .await?;
                    continue;
                }
                let father = match khoa_child {
                    true => Citizen::demo(&DEMO_PEOPLE[3])?,
                    false => {
                        let drawn = self.citizen(Sex::Male, 1972..=1990, Some(family))?;
                        if hung_child {
                            Citizen::demo(&DEMO_PEOPLE[5])?
                        } else {
                            drawn
                        }
                    }
                };
                let father = self.add_guardian(conn, school, &father).await?;
                self.link(conn, school, father, student, Relation::Father)
                    .await?;
                if self.rng.gen_bool(0.75) {
                    let mother = self.citizen(Sex::Female, 1975..=1992, None)?;
                    let mother = self.add_guardian(conn, school, &mother).await?;
                    self.link(conn, school, mother, student, Relation::Mother)
                        .await?;
                }
            }
        }
        Ok(())
    }
}
