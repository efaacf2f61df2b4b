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

use crate::people::store::{self, NewGuardian, NewPerson, NewSchool, NewStaff, NewStudent, NewSubject};
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
    DemoPerson { role: "district_admin", personal_id: "079180000001", full_name: "Trương Thị Hồng", birth_date: "19800312" },
    DemoPerson { role: "school_admin", personal_id: "079078000002", full_name: "Lâm Văn Phúc", birth_date: "19780521" },
    DemoPerson { role: "clerk", personal_id: "079190000003", full_name: "Đinh Thị Thu", birth_date: "19900802" },
    DemoPerson { role: "teacher", personal_id: "079087000004", full_name: "Phan Minh Khoa", birth_date: "19870117" },
    DemoPerson { role: "guardian", personal_id: "079185000005", full_name: "Nguyễn Thị Lan", birth_date: "19850930" },
];

pub const DISTRICT_CODE: &str = "79-NHABE";
pub const SCHOOL_CODES: [&str; 2] = ["79000701", "79000702"];
const SEED: u64 = 2026_12_04;
const STUDENTS_PER_CLASS: usize = 40;

const FAMILY: &[&str] = &[
    "Nguyễn", "Nguyễn", "Nguyễn", "Trần", "Trần", "Lê", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ",
    "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh", "Lâm", "Mai", "Tô",
];
const MIDDLE_M: &[&str] = &["Văn", "Minh", "Quốc", "Gia", "Đức", "Hoàng", "Thành", "Anh", "Hữu", "Công", "Nhật", "Tuấn"];
const MIDDLE_F: &[&str] = &["Thị", "Ngọc", "Thu", "Bảo", "Khánh", "Phương", "Minh", "Thanh", "Mai", "Hoài", "Thị Minh", "Ngọc Bảo"];
const GIVEN_M: &[&str] = &[
    "An", "Bình", "Dũng", "Đức", "Huy", "Khang", "Khoa", "Long", "Minh", "Nam", "Phúc", "Quân", "Sơn", "Tâm",
    "Thắng", "Trí", "Tuấn", "Việt", "Vinh", "Hải", "Hiếu", "Kiệt", "Lâm", "Phát", "Tài", "Ân", "Em", "Duy",
];
const GIVEN_F: &[&str] = &[
    "Anh", "Ánh", "Châu", "Chi", "Diệp", "Giang", "Hà", "Hân", "Hương", "Linh", "Lan", "Mai", "My", "Ngân", "Nhi",
    "Như", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Trâm", "Uyên", "Vy", "Yến", "Ân", "Ngọc", "Đào",
];
const OCCUPATIONS: &[&str] = &["Công nhân", "Buôn bán", "Nông dân", "Viên chức", "Kinh doanh", "Nội trợ", "Lái xe", "Kỹ sư"];

/// (code, Vietnamese, English, assessment, periods per year in grades 6–7, in grades 8–9)
const SUBJECTS: &[(&str, &str, &str, Assessment, i64, i64)] = &[
    ("NGU_VAN", "Ngữ văn", "Literature", Assessment::Scored, 140, 140),
    ("TOAN", "Toán", "Mathematics", Assessment::Scored, 140, 140),
    ("TIENG_ANH", "Tiếng Anh", "English", Assessment::Scored, 105, 105),
    ("GDCD", "Giáo dục công dân", "Civics", Assessment::Scored, 35, 35),
    ("LS_DL", "Lịch sử và Địa lí", "History and Geography", Assessment::Scored, 105, 105),
    ("KHTN", "Khoa học tự nhiên", "Natural science", Assessment::Scored, 140, 140),
    ("CONG_NGHE", "Công nghệ", "Technology", Assessment::Scored, 35, 52),
    ("TIN_HOC", "Tin học", "Informatics", Assessment::Scored, 35, 35),
    ("GDTC", "Giáo dục thể chất", "Physical education", Assessment::Comment, 70, 70),
    ("AM_NHAC", "Âm nhạc", "Music", Assessment::Comment, 35, 35),
    ("MI_THUAT", "Mĩ thuật", "Fine arts", Assessment::Comment, 35, 35),
    ("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", "Experiential activities", Assessment::Comment, 105, 105),
    ("GDDP", "Nội dung giáo dục địa phương", "Local education", Assessment::Comment, 35, 35),
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
pub async fn seed_if_empty(db: &Db, crypto: &PidCrypto, now: i64) -> Result<Option<DemoSummary>, AppError> {
    let mut tx = db.pool().begin().await?;
    let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM districts").fetch_one(&mut *tx).await?;
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

fn pid(text: &str) -> Result<PersonalId, AppError> {
    PersonalId::parse(text)
}

fn name(full: &str) -> FullName {
    FullName::parse(full).unwrap_or_else(|| FullName::from_parts("", "", full))
}

fn birth_date(yyyymmdd: &str) -> Option<Date> {
    let year: i32 = yyyymmdd.get(0..4)?.parse().ok()?;
    let month: u8 = yyyymmdd.get(4..6)?.parse().ok()?;
    let day: u8 = yyyymmdd.get(6..8)?.parse().ok()?;
    Date::from_calendar_date(year, Month::try_from(month).ok()?, day).ok()
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

    fn next_pid(&mut self, birth_year: i32, sex: Sex) -> Option<PersonalId> {
        self.serial += 1;
        PersonalId::compose(79, birth_year, sex, self.serial)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    fn random_name(&mut self, sex: Sex, family: Option<&str>) -> FullName {
        let family = family.map(str::to_string).unwrap_or_else(|| self.pick(FAMILY).to_string());
        let (middles, givens) = match sex {
            Sex::Male => (MIDDLE_M, GIVEN_M),
            Sex::Female => (MIDDLE_F, GIVEN_F),
        };
        FullName::from_parts(&family, self.pick(middles), self.pick(givens))
    }

    fn random_date(&mut self, year: i32) -> Date {
        let day_of_year = self.rng.gen_range(1..=365u16);
        Date::from_ordinal_date(year, day_of_year).unwrap_or(date!(2000 - 01 - 01))
    }

    async fn seed(mut self, conn: &mut AnyConnection) -> Result<DemoSummary, AppError> {
        let district = store::insert_district(conn, DISTRICT_CODE, "Huyện Nhà Bè", "79", self.now).await?;
        store::insert_district_admin(
            conn,
            self.crypto,
            district,
            &pid(DEMO_PEOPLE[0].personal_id)?,
            DEMO_PEOPLE[0].full_name,
            self.now,
        )
        .await?;
        let names = ["Trường THCS Phước Kiển (demo)", "Trường THCS Hiệp Phước (demo)"];
        for (index, (code, school_name)) in SCHOOL_CODES.iter().zip(names).enumerate() {
            let ids = self.school(conn, district, code, school_name).await?;
            self.staff(conn, &ids, index == 0).await?;
            self.students(conn, &ids, index == 0).await?;
        }
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
        let year = store::insert_school_year(conn, school, "2026-2027", date!(2026 - 09 - 05), date!(2027 - 05 - 31), true).await?;
        store::insert_semester(conn, school, year, 1, date!(2026 - 09 - 05), date!(2027 - 01 - 16)).await?;
        store::insert_semester(conn, school, year, 2, date!(2027 - 01 - 18), date!(2027 - 05 - 31)).await?;
        let mut subjects = Vec::new();
        for (order, (code, vi, en, assessment, lower, upper)) in SUBJECTS.iter().enumerate() {
            let subject = store::insert_subject(
                conn,
                &NewSubject { school_id: school, code, name_vi: vi, name_en: en, assessment: *assessment, sort_order: order as i64 },
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
                let class = store::insert_class(conn, school, year, grade, &format!("{grade}A{section}")).await?;
                classes.push((class, grade));
            }
        }
        self.summary.schools += 1;
        self.summary.classes += classes.len();
        Ok(SchoolIds { school, code: code.to_string(), year, classes, subjects })
    }

    async fn add_staff(
        &mut self,
        conn: &mut AnyConnection,
        school: i64,
        personal_id: &PersonalId,
        full_name: &FullName,
        born: Option<Date>,
        sex: Sex,
        roles: &[StaffRole],
        position: &str,
    ) -> Result<i64, AppError> {
        self.summary.staff += 1;
        store::insert_staff(
            conn,
            self.crypto,
            &self.actor,
            &NewStaff {
                person: NewPerson { school_id: school, personal_id: Some(personal_id), name: full_name, date_of_birth: born, sex: Some(sex) },
                position: Some(position),
                phone: None,
                roles,
            },
            self.now,
        )
        .await
    }

    /// A principal, a clerk, and one teacher per subject group, each teaching every class;
    /// the first eight teachers are homeroom teachers.
    async fn staff(&mut self, conn: &mut AnyConnection, ids: &SchoolIds, pilot: bool) -> Result<(), AppError> {
        let fixed = |i: usize| &DEMO_PEOPLE[i];
        let (admin_pid, admin_name, admin_born) = if pilot {
            (pid(fixed(1).personal_id)?, name(fixed(1).full_name), birth_date(fixed(1).birth_date))
        } else {
            let born = self.random_date(1975);
            (self.next_pid(1975, Sex::Male).ok_or_else(internal)?, self.random_name(Sex::Male, None), Some(born))
        };
        self.add_staff(conn, ids.school, &admin_pid, &admin_name, admin_born, Sex::Male, &[StaffRole::SchoolAdmin, StaffRole::Timetabler], "Hiệu trưởng").await?;

        let (clerk_pid, clerk_name, clerk_born) = if pilot {
            (pid(fixed(2).personal_id)?, name(fixed(2).full_name), birth_date(fixed(2).birth_date))
        } else {
            let born = self.random_date(1992);
            (self.next_pid(1992, Sex::Female).ok_or_else(internal)?, self.random_name(Sex::Female, None), Some(born))
        };
        self.add_staff(conn, ids.school, &clerk_pid, &clerk_name, clerk_born, Sex::Female, &[StaffRole::Clerk], "Văn thư").await?;

        let mut teachers = Vec::new();
        for (index, subject) in ids.subjects.iter().enumerate() {
            let (teacher_pid, teacher_name, born, sex) = if pilot && index == 1 {
                // The demo teacher teaches mathematics and is homeroom teacher of 6A1.
                (pid(fixed(3).personal_id)?, name(fixed(3).full_name), birth_date(fixed(3).birth_date), Sex::Male)
            } else {
                let sex = if self.rng.gen_bool(0.7) { Sex::Female } else { Sex::Male };
                let year = self.rng.gen_range(1970..=1998);
                let born = self.random_date(year);
                (self.next_pid(year, sex).ok_or_else(internal)?, self.random_name(sex, None), Some(born), sex)
            };
            let teacher = self.add_staff(conn, ids.school, &teacher_pid, &teacher_name, born, sex, &[StaffRole::Teacher], "Giáo viên").await?;
            for (class, _) in &ids.classes {
                store::assign_teaching(conn, ids.school, ids.year, teacher, *class, Some(*subject)).await?;
            }
            teachers.push(teacher);
        }
        // Homeroom: the mathematics teacher first (6A1), then the others in order.
        let mut homeroom_order = vec![teachers[1], teachers[0]];
        homeroom_order.extend(teachers.iter().skip(2));
        for ((class, _), teacher) in ids.classes.iter().zip(homeroom_order) {
            store::assign_teaching(conn, ids.school, ids.year, teacher, *class, None).await?;
        }
        Ok(())
    }

    async fn add_guardian(
        &mut self,
        conn: &mut AnyConnection,
        school: i64,
        personal_id: &PersonalId,
        full_name: &FullName,
        born: Option<Date>,
        sex: Sex,
    ) -> Result<i64, AppError> {
        self.summary.guardians += 1;
        let phone = format!("09{:08}", self.rng.gen_range(0..100_000_000u32));
        let occupation = self.pick(OCCUPATIONS);
        store::insert_guardian(
            conn,
            self.crypto,
            &self.actor,
            &NewGuardian {
                person: NewPerson { school_id: school, personal_id: Some(personal_id), name: full_name, date_of_birth: born, sex: Some(sex) },
                phone: Some(&phone),
                occupation: Some(occupation),
            },
            self.now,
        )
        .await
    }

    async fn students(&mut self, conn: &mut AnyConnection, ids: &SchoolIds, pilot: bool) -> Result<(), AppError> {
        let school = ids.school;
        // The demo guardian's two children (6A1 and 8A1) share her record.
        let mut demo_guardian = None;
        if pilot {
            let lan = &DEMO_PEOPLE[4];
            demo_guardian = Some(self.add_guardian(conn, school, &pid(lan.personal_id)?, &name(lan.full_name), birth_date(lan.birth_date), Sex::Female).await?);
        }
        for (class_index, (class, grade)) in ids.classes.iter().enumerate() {
            let birth_year = 2021 - *grade as i32;
            let mut sexes: Vec<Sex> = (0..STUDENTS_PER_CLASS).map(|i| if i % 2 == 0 { Sex::Male } else { Sex::Female }).collect();
            sexes.shuffle(&mut self.rng);
            for (position, sex) in sexes.into_iter().enumerate() {
                let khoa_child = pilot && position == 0 && class_index == 7;
                let father_family = if khoa_child { "Phan" } else { self.pick(FAMILY) };
                let child_name = self.random_name(sex, Some(father_family));
                let born = self.random_date(birth_year);
                let child_pid = self.next_pid(birth_year, sex).ok_or_else(internal)?;
                self.summary.students += 1;
                // Ten digits: the school code's last six, then a running number.
                let moet_code = format!("{}{:04}", &ids.code[ids.code.len().saturating_sub(6)..], self.summary.students);
                let student = store::insert_student(
                    conn,
                    self.crypto,
                    &self.actor,
                    &NewStudent {
                        person: NewPerson { school_id: school, personal_id: Some(&child_pid), name: &child_name, date_of_birth: Some(born), sex: Some(sex) },
                        moet_code: Some(&moet_code),
                        ethnicity: Some("Kinh"),
                    },
                    self.now,
                )
                .await?;
                store::enroll(conn, school, ids.year, *class, student, date!(2026 - 09 - 05)).await?;

                let demo_child = pilot && position == 0 && (class_index == 0 || class_index == 4);
                if let (true, Some(lan)) = (demo_child, demo_guardian) {
                    store::link_guardian(conn, &self.actor, school, lan, student, Relation::Mother, self.now).await?;
                    continue;
                }
                let father = if khoa_child {
                    // The demo teacher is also a parent here (one person, two roles).
                    let khoa = &DEMO_PEOPLE[3];
                    self.add_guardian(conn, school, &pid(khoa.personal_id)?, &name(khoa.full_name), birth_date(khoa.birth_date), Sex::Male).await?
                } else {
                    let father_year = self.rng.gen_range(1972..=1990);
                    let father_born = self.random_date(father_year);
                    let father_pid = self.next_pid(father_year, Sex::Male).ok_or_else(internal)?;
                    let father_name = self.random_name(Sex::Male, Some(father_family));
                    self.add_guardian(conn, school, &father_pid, &father_name, Some(father_born), Sex::Male).await?
                };
                store::link_guardian(conn, &self.actor, school, father, student, Relation::Father, self.now).await?;
                if self.rng.gen_bool(0.75) {
                    let mother_year = self.rng.gen_range(1975..=1992);
                    let mother_born = self.random_date(mother_year);
                    let mother_pid = self.next_pid(mother_year, Sex::Female).ok_or_else(internal)?;
                    let mother_name = self.random_name(Sex::Female, None);
                    let mother = self.add_guardian(conn, school, &mother_pid, &mother_name, Some(mother_born), Sex::Female).await?;
                    store::link_guardian(conn, &self.actor, school, mother, student, Relation::Mother, self.now).await?;
                }
            }
        }
        Ok(())
    }
}

fn internal() -> AppError {
    AppError::new(crate::platform::error::ErrorCode::Internal)
}
