//! The pure rules of the ministry's Excel files: which column is which (by header name, with or
//! without diacritics, in any order), what a cell means (dd/mm/yyyy text or an Excel serial date,
//! ID numbers that lost their leading zero), what makes a row bad (with its row number, column and
//! reason in Vietnamese then English), and the plan of an import against the school's records.
//! No I/O: the server reads the workbook into [`CellValue`]s and hands the records in.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month};

use crate::people::FullName;
use crate::platform::collation::{fold_for_search, normalize_name};
use crate::platform::format::{format_date, iso_date, parse_date, parse_iso_date};
use crate::platform::personal_id::{PersonalId, Sex};

/// A cell as the workbook holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum CellValue {
    Empty,
    Text(String),
    Number(f64),
    /// An Excel serial date (days since 1899-12-30).
    Date(f64),
    Bool(bool),
}

impl CellValue {
    /// The cell as text: numbers without a trailing ".0", dates as dd/mm/yyyy.
    pub fn as_text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(text) => text.trim().to_string(),
            CellValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            CellValue::Number(n) => n.to_string(),
            CellValue::Date(serial) => excel_serial_date(*serial)
                .map(format_date)
                .unwrap_or_default(),
            CellValue::Bool(b) => b.to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.as_text().is_empty()
    }
}

/// Excel's day count: 1 is 1900-01-01, with the phantom 29 Feb 1900 (so day 0 is 1899-12-30 for
/// every date after February 1900, the only ones a school needs).
pub fn excel_serial_date(serial: f64) -> Option<Date> {
    if !(61.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let base = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    base.checked_add(Duration::days(serial.floor() as i64))
}

/// The Excel serial number of a date (for tests and for writing dates as numbers).
pub fn date_to_excel_serial(date: Date) -> f64 {
    let base = Date::from_calendar_date(1899, Month::December, 30).unwrap_or(date);
    (date - base).whole_days() as f64
}

/// The two layouts the ministry's portal exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImportKind {
    Students,
    Staff,
}

impl ImportKind {
    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Students => "students",
            ImportKind::Staff => "staff",
        }
    }

    pub fn from_code(code: &str) -> Option<ImportKind> {
        match code {
            "students" => Some(ImportKind::Students),
            "staff" => Some(ImportKind::Staff),
            _ => None,
        }
    }
}

/// Whose details a guardian column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Parent {
    Father,
    Mother,
    Guardian,
}

impl Parent {
    pub const ALL: [Parent; 3] = [Parent::Father, Parent::Mother, Parent::Guardian];

    pub fn relation_code(self) -> &'static str {
        match self {
            Parent::Father => "father",
            Parent::Mother => "mother",
            Parent::Guardian => "guardian",
        }
    }

    pub fn from_relation_code(code: &str) -> Option<Parent> {
        match code {
            "father" => Some(Parent::Father),
            "mother" => Some(Parent::Mother),
            "guardian" => Some(Parent::Guardian),
            _ => None,
        }
    }

    fn header_word(self) -> &'static str {
        match self {
            Parent::Father => "cha",
            Parent::Mother => "mẹ",
            Parent::Guardian => "người giám hộ",
        }
    }
}

/// What a guardian column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ParentField {
    Name,
    PersonalId,
    Phone,
    Occupation,
}

/// A column the imports understand. Unknown columns (address, birthplace, the 72 columns of the
/// staff export) are left alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    SchoolCode,
    ClassName,
    MoetCode,
    FullName,
    DateOfBirth,
    Sex,
    Status,
    StatusDate,
    Ethnicity,
    PersonalId,
    Parent(Parent, ParentField),
    Email,
    Phone,
    StaffStatus,
    Position,
    StaffCode,
}

impl Field {
    /// The header the exports write (the ministry's spelling).
    pub fn header(self) -> String {
        match self {
            Field::SchoolCode => "Mã trường".into(),
            Field::ClassName => "Mã lớp".into(),
            Field::MoetCode => "Mã học sinh".into(),
            Field::FullName => "Họ tên".into(),
            Field::DateOfBirth => "Ngày sinh".into(),
            Field::Sex => "Giới tính".into(),
            Field::Status => "Trạng thái HS".into(),
            Field::StatusDate => "Ngày nhập trạng thái".into(),
            Field::Ethnicity => "Dân tộc".into(),
            Field::PersonalId => "Số định danh cá nhân".into(),
            Field::Parent(who, ParentField::Name) => format!("Họ tên {}", who.header_word()),
            Field::Parent(who, ParentField::PersonalId) => {
                format!("Số định danh {}", who.header_word())
            }
            Field::Parent(who, ParentField::Phone) => {
                format!("Số điện thoại {}", who.header_word())
            }
            Field::Parent(who, ParentField::Occupation) => {
                format!("Nghề nghiệp {}", who.header_word())
            }
            Field::Email => "Email".into(),
            Field::Phone => "Số điện thoại".into(),
            Field::StaffStatus => "Trạng thái CB".into(),
            Field::Position => "Vị trí việc làm".into(),
            Field::StaffCode => "Mã cán bộ".into(),
        }
    }

    /// Other spellings seen in the portal's and vnEdu's files (compared without diacritics).
    fn aliases(self) -> Vec<String> {
        let mut names = vec![self.header()];
        let extra: &[&str] = match self {
            Field::SchoolCode => &["Mã trường học", "Ma truong"],
            Field::ClassName => &["Lớp", "Tên lớp", "Lớp học"],
            Field::MoetCode => &["Mã HS", "Mã định danh học sinh", "Mã định danh ngành"],
            Field::FullName => &["Họ và tên", "Họ tên học sinh", "Họ và tên học sinh", "Tên"],
            Field::DateOfBirth => &["Ngày tháng năm sinh", "NTNS"],
            Field::Sex => &["Giới"],
            Field::Status => &["Trạng thái", "Trạng thái học sinh"],
            Field::StatusDate => &[],
            Field::Ethnicity => &[],
            Field::PersonalId => &[
                "Số ĐDCN",
                "Số CCCD",
                "CCCD",
                "Số căn cước",
                "Số căn cước công dân",
                "Mã định danh cá nhân",
            ],
            Field::Parent(who, ParentField::Name) => {
                return [
                    names,
                    vec![
                        format!("Họ và tên {}", who.header_word()),
                        format!("Tên {}", who.header_word()),
                    ],
                ]
                .concat();
            }
            Field::Parent(who, ParentField::PersonalId) => {
                return [
                    names,
                    vec![
                        format!("Số ĐDCN {}", who.header_word()),
                        format!("CCCD {}", who.header_word()),
                        format!("Số CCCD {}", who.header_word()),
                        format!("Số định danh cá nhân {}", who.header_word()),
                    ],
                ]
                .concat();
            }
            Field::Parent(who, ParentField::Phone) => {
                return [
                    names,
                    vec![
                        format!("SĐT {}", who.header_word()),
                        format!("Điện thoại {}", who.header_word()),
                    ],
                ]
                .concat();
            }
            Field::Parent(..) => &[],
            Field::Email => &["Thư điện tử", "E-mail"],
            Field::Phone => &["Điện thoại", "SĐT", "Di động"],
            Field::StaffStatus => &["Trạng thái cán bộ"],
            Field::Position => &["Chức vụ", "Vị trí"],
            Field::StaffCode => &["Mã CB", "Mã định danh cán bộ", "Mã giáo viên"],
        };
        names.extend(extra.iter().map(|s| s.to_string()));
        names
    }

    /// The columns of each layout.
    pub fn all(kind: ImportKind) -> Vec<Field> {
        match kind {
            ImportKind::Students => {
                let mut fields = vec![
                    Field::SchoolCode,
                    Field::MoetCode,
                    Field::FullName,
                    Field::DateOfBirth,
                    Field::Sex,
                    Field::ClassName,
                    Field::Status,
                    Field::StatusDate,
                    Field::Ethnicity,
                    Field::PersonalId,
                ];
                for who in Parent::ALL {
                    for what in [
                        ParentField::Name,
                        ParentField::PersonalId,
                        ParentField::Phone,
                        ParentField::Occupation,
                    ] {
                        fields.push(Field::Parent(who, what));
                    }
                }
                fields
            }
            ImportKind::Staff => vec![
                Field::SchoolCode,
                Field::StaffCode,
                Field::FullName,
                Field::DateOfBirth,
                Field::Sex,
                Field::PersonalId,
                Field::Email,
                Field::Phone,
                Field::Position,
                Field::StaffStatus,
            ],
        }
    }
}

/// Headers are compared folded: no diacritics, no case, no punctuation, single spaces.
pub fn fold_header(header: &str) -> String {
    let folded = fold_for_search(header);
    let cleaned: String = folded
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which field each column of a header row holds (`None` for columns the import leaves alone).
pub fn match_headers(kind: ImportKind, headers: &[String]) -> Vec<Option<Field>> {
    let table: HashMap<String, Field> = Field::all(kind)
        .into_iter()
        .flat_map(|f| f.aliases().into_iter().map(move |a| (fold_header(&a), f)))
        .collect();
    let mut seen = HashSet::new();
    headers
        .iter()
        .map(|h| {
            table
                .get(&fold_header(h))
                .copied()
                .filter(|field| seen.insert(*field))
        })
        .collect()
}

/// Why a row (or the file) cannot be imported. Each has its Vietnamese and English reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Problem {
    Missing,
    NameInvalid,
    DateInvalid,
    DateInFuture,
    SexInvalid,
    PersonalIdFormat,
    PersonalIdDisagrees,
    PersonalIdOtherRecord,
    ParentIdSex,
    NoKey,
    DuplicateInFile,
    UnknownClass,
    StatusInvalid,
    MoetCodeDiffers,
    EnrolledElsewhere,
    OtherSchool,
    MissingColumn,
    PhoneInvalid,
    EmailInvalid,
}

impl Problem {
    pub fn vi(self) -> &'static str {
        match self {
            Problem::Missing => "Ô này không được để trống.",
            Problem::NameInvalid => "Họ tên không hợp lệ (chỉ gồm chữ, ít nhất hai từ).",
            Problem::DateInvalid => "Ngày không hợp lệ; hãy viết dd/mm/yyyy.",
            Problem::DateInFuture => "Ngày sinh ở tương lai.",
            Problem::SexInvalid => "Giới tính phải là Nam hoặc Nữ.",
            Problem::PersonalIdFormat => "Số định danh cá nhân phải gồm đúng 12 chữ số.",
            Problem::PersonalIdDisagrees => {
                "Số định danh không khớp với năm sinh hoặc giới tính (chữ số thứ 4–6)."
            }
            Problem::PersonalIdOtherRecord => {
                "Hồ sơ này đã có số định danh khác; hãy kiểm tra với công an xã."
            }
            Problem::ParentIdSex => "Số định danh không khớp với giới tính của cha/mẹ.",
            Problem::NoKey => "Cần số định danh cá nhân hoặc mã học sinh/mã cán bộ.",
            Problem::DuplicateInFile => "Dòng này trùng với một dòng phía trên.",
            Problem::UnknownClass => "Không có lớp này trong năm học hiện tại.",
            Problem::StatusInvalid => "Trạng thái không đọc được.",
            Problem::MoetCodeDiffers => "Mã trong tệp khác với mã trong hồ sơ (mã không được đổi).",
            Problem::EnrolledElsewhere => {
                "Học sinh đang học ở trường khác trong huyện; cần phòng giáo dục chuyển trường."
            }
            Problem::OtherSchool => "Dòng này thuộc trường khác.",
            Problem::MissingColumn => "Thiếu cột bắt buộc.",
            Problem::PhoneInvalid => "Số điện thoại không hợp lệ.",
            Problem::EmailInvalid => "Email không hợp lệ.",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Problem::Missing => "This cell must not be empty.",
            Problem::NameInvalid => "The name is not valid (letters only, at least two words).",
            Problem::DateInvalid => "The date is not valid; write dd/mm/yyyy.",
            Problem::DateInFuture => "The date of birth is in the future.",
            Problem::SexInvalid => "Sex must be Nam (male) or Nữ (female).",
            Problem::PersonalIdFormat => "A personal ID number must be exactly 12 digits.",
            Problem::PersonalIdDisagrees => {
                "The ID number does not match the year of birth or sex (digits 4–6)."
            }
            Problem::PersonalIdOtherRecord => {
                "This record already has another ID number; check with the commune police."
            }
            Problem::ParentIdSex => "The ID number does not match the parent's sex.",
            Problem::NoKey => "A personal ID number or a MOET/staff code is needed.",
            Problem::DuplicateInFile => "This row repeats a row above.",
            Problem::UnknownClass => "There is no such class in the current school year.",
            Problem::StatusInvalid => "The status cannot be read.",
            Problem::MoetCodeDiffers => {
                "The code in the file differs from the record's (codes never change)."
            }
            Problem::EnrolledElsewhere => {
                "The student is enrolled at another school of the district; the district office must transfer them."
            }
            Problem::OtherSchool => "This row belongs to another school.",
            Problem::MissingColumn => "A required column is missing.",
            Problem::PhoneInvalid => "The phone number is not valid.",
            Problem::EmailInvalid => "The email address is not valid.",
        }
    }
}

/// One bad cell: where it is and why. Personal ID numbers are never echoed back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row number Excel shows (1-based, the header row included).
    pub row: u32,
    /// The column's header as written in the file.
    pub column: String,
    pub problem: Problem,
    pub reason_vi: String,
    pub reason_en: String,
}

impl RowError {
    pub fn new(row: u32, column: &str, problem: Problem) -> RowError {
        RowError {
            row,
            column: column.to_string(),
            problem,
            reason_vi: problem.vi().to_string(),
            reason_en: problem.en().to_string(),
        }
    }
}

/// A sheet read into cells: the header row found, then the data rows with their Excel numbers.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    pub header_row: u32,
    pub headers: Vec<String>,
    pub rows: Vec<(u32, Vec<CellValue>)>,
}

/// Finds the header row (the first row naming a full-name column, within the first 20; titles
/// often come first) and splits the rest into data rows, skipping blank ones.
pub fn locate_header(kind: ImportKind, grid: Vec<(u32, Vec<CellValue>)>) -> Option<Sheet> {
    let position = grid.iter().take(20).position(|(_, cells)| {
        let headers: Vec<String> = cells.iter().map(CellValue::as_text).collect();
        match_headers(kind, &headers).contains(&Some(Field::FullName))
    })?;
    let mut rows = grid.into_iter().skip(position);
    let (header_row, header_cells) = rows.next()?;
    Some(Sheet {
        header_row,
        headers: header_cells.iter().map(CellValue::as_text).collect(),
        rows: rows
            .filter(|(_, cells)| cells.iter().any(|c| !c.is_empty()))
            .collect(),
    })
}

/// A student's status as the portal writes it.
pub fn parse_status(text: &str) -> Option<&'static str> {
    match fold_header(text).as_str() {
        "" | "dang hoc" | "dang theo hoc" => Some("studying"),
        "chuyen den" => Some("transferred_in"),
        "chuyen di" | "chuyen truong" => Some("transferred_out"),
        "thoi hoc" | "bo hoc" | "nghi hoc" => Some("dropped_out"),
        "tot nghiep" | "hoan thanh" | "hoan thanh chuong trinh" => Some("graduated"),
        _ => None,
    }
}

pub fn status_label(code: &str) -> &'static str {
    match code {
        "studying" => "Đang học",
        "transferred_in" => "Chuyển đến",
        "transferred_out" => "Chuyển đi",
        "dropped_out" => "Thôi học",
        "graduated" => "Tốt nghiệp",
        _ => "Lưu trữ",
    }
}

pub fn parse_sex(text: &str) -> Option<Sex> {
    match fold_header(text).as_str() {
        "nam" | "m" | "male" | "trai" => Some(Sex::Male),
        "nu" | "f" | "female" | "gai" => Some(Sex::Female),
        _ => None,
    }
}

pub fn sex_label(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "Nam",
        Sex::Female => "Nữ",
    }
}

/// A date from a text cell (dd/mm/yyyy, or ISO) or an Excel date.
pub fn parse_date_cell(cell: &CellValue) -> Option<Date> {
    match cell {
        CellValue::Date(serial) | CellValue::Number(serial) => excel_serial_date(*serial),
        CellValue::Text(text) => parse_date(text).or_else(|| parse_iso_date(text)),
        _ => None,
    }
}

/// An ID number from a cell. Numeric cells lose the leading zero every province code has, so a
/// number of up to 12 digits is padded back.
pub fn parse_personal_id_cell(cell: &CellValue) -> Option<PersonalId> {
    match cell {
        CellValue::Number(n) if n.fract() == 0.0 && *n >= 0.0 && *n < 1e12 => {
            PersonalId::parse(&format!("{:012}", *n as i64)).ok()
        }
        other => PersonalId::parse(&other.as_text()).ok(),
    }
}

fn valid_name(name: &str) -> Option<FullName> {
    let name = normalize_name(name);
    let words = name.split(' ').count();
    let letters_only = name
        .chars()
        .all(|c| c.is_alphabetic() || c == ' ' || c == '\'' || c == '-' || is_mark(c));
    (words >= 2 && letters_only)
        .then(|| FullName::parse(&name))
        .flatten()
}

fn is_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

fn clean_phone(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let digits = match digits.strip_prefix("+84") {
        Some(rest) => format!("0{rest}"),
        None if digits.len() == 9 && !digits.starts_with('0') => format!("0{digits}"),
        None => digits,
    };
    (digits.len() >= 10 && digits.len() <= 11 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then_some(digits)
}

/// A guardian as a row gives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentRow {
    pub parent: Parent,
    pub name: FullName,
    pub personal_id: Option<PersonalId>,
    pub phone: Option<String>,
    pub occupation: Option<String>,
}

/// A student row that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudentRow {
    pub row: u32,
    pub moet_code: Option<String>,
    pub personal_id: Option<PersonalId>,
    pub name: FullName,
    pub date_of_birth: Date,
    pub sex: Sex,
    pub class_name: Option<String>,
    pub status: Option<&'static str>,
    pub ethnicity: Option<String>,
    pub parents: Vec<ParentRow>,
}

/// A staff row that passed every check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRow {
    pub row: u32,
    pub staff_code: Option<String>,
    pub personal_id: Option<PersonalId>,
    pub name: FullName,
    pub date_of_birth: Option<Date>,
    pub sex: Option<Sex>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: Option<String>,
    pub status: Option<&'static str>,
}

/// What the file as a whole is wrong about (nothing is imported).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileProblem {
    /// No header row with a full-name column.
    NoHeader,
    /// A required column is absent.
    MissingColumn(String),
    /// The file's school codes are not (only) this school's.
    OtherSchool {
        codes: Vec<String>,
    },
    TooManyRows,
}

/// The rows of a file, checked: the good ones and every problem.
#[derive(Clone, Debug)]
pub struct Checked<T> {
    pub rows: Vec<T>,
    pub errors: Vec<RowError>,
}

impl<T> Default for Checked<T> {
    fn default() -> Self {
        Checked {
            rows: Vec::new(),
            errors: Vec::new(),
        }
    }
}

/// Enough for a district's largest school many times over; larger files are refused whole.
pub const MAX_ROWS: usize = 20_000;

struct Columns<'a> {
    fields: Vec<Option<Field>>,
    headers: &'a [String],
}

impl Columns<'_> {
    fn index(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    fn cell<'c>(&self, cells: &'c [CellValue], field: Field) -> Option<&'c CellValue> {
        self.index(field)
            .and_then(|i| cells.get(i))
            .filter(|c| !c.is_empty())
    }

    fn text(&self, cells: &[CellValue], field: Field) -> Option<String> {
        self.cell(cells, field).map(CellValue::as_text)
    }

    fn header(&self, field: Field) -> String {
        self.index(field)
            .and_then(|i| self.headers.get(i).cloned())
            .unwrap_or_else(|| field.header())
    }
}

/// Checks the school codes a file carries: refused whole when any row names another school.
fn check_school_codes(
    columns: &Columns<'_>,
    sheet: &Sheet,
    school_code: &str,
) -> Result<(), FileProblem> {
    if columns.index(Field::SchoolCode).is_none() {
        return Ok(());
    }
    let mut others: Vec<String> = sheet
        .rows
        .iter()
        .filter_map(|(_, cells)| columns.text(cells, Field::SchoolCode))
        .filter(|code| code != school_code)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    others.sort();
    if others.is_empty() {
        Ok(())
    } else {
        Err(FileProblem::OtherSchool { codes: others })
    }
}

/// Reads and checks the student rows of a sheet. `today` bounds dates of birth; `school_code`
/// is the importing school's MOET code; `classes` the current year's class names (and codes).
pub fn check_students(
    sheet: &Sheet,
    school_code: &str,
    classes: &HashSet<String>,
    today: Date,
) -> Result<Checked<StudentRow>, FileProblem> {
    let columns = Columns {
        fields: match_headers(ImportKind::Students, &sheet.headers),
        headers: &sheet.headers,
    };
    for required in [Field::FullName, Field::DateOfBirth, Field::Sex] {
        if columns.index(required).is_none() {
            return Err(FileProblem::MissingColumn(required.header()));
        }
    }
    if sheet.rows.len() > MAX_ROWS {
        return Err(FileProblem::TooManyRows);
    }
    check_school_codes(&columns, sheet, school_code)?;
    let mut checked = Checked::default();
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    for (row, cells) in &sheet.rows {
        let row = *row;
        let mut errors = Vec::new();
        let mut fail = |field: Field, problem: Problem| {
            errors.push(RowError::new(row, &columns.header(field), problem));
        };
        let name = match columns.text(cells, Field::FullName) {
            None => {
                fail(Field::FullName, Problem::Missing);
                None
            }
            Some(text) => {
                let name = valid_name(&text);
                if name.is_none() {
                    fail(Field::FullName, Problem::NameInvalid);
                }
                name
            }
        };
        let date_of_birth = match columns.cell(cells, Field::DateOfBirth) {
            None => {
                fail(Field::DateOfBirth, Problem::Missing);
                None
            }
            Some(cell) => match parse_date_cell(cell) {
                None => {
                    fail(Field::DateOfBirth, Problem::DateInvalid);
                    None
                }
                Some(date) if date > today => {
                    fail(Field::DateOfBirth, Problem::DateInFuture);
                    None
                }
                Some(date) => Some(date),
            },
        };
        let sex = match columns.text(cells, Field::Sex) {
            None => {
                fail(Field::Sex, Problem::Missing);
                None
            }
            Some(text) => {
                let sex = parse_sex(&text);
                if sex.is_none() {
                    fail(Field::Sex, Problem::SexInvalid);
                }
                sex
            }
        };
        let personal_id = match columns.cell(cells, Field::PersonalId) {
            None => None,
            Some(cell) => match parse_personal_id_cell(cell) {
                None => {
                    fail(Field::PersonalId, Problem::PersonalIdFormat);
                    None
                }
                Some(id) => {
                    if let (Some(born), Some(sex)) = (date_of_birth, sex)
                        && !id.agrees_with(born, sex)
                    {
                        fail(Field::PersonalId, Problem::PersonalIdDisagrees);
                    }
                    Some(id)
                }
            },
        };
        let moet_code = columns.text(cells, Field::MoetCode);
        if personal_id.is_none()
            && moet_code.is_none()
            && columns.cell(cells, Field::PersonalId).is_none()
        {
            fail(Field::PersonalId, Problem::NoKey);
        }
        if let Some(id) = &personal_id
            && !ids.insert(id.clone())
        {
            fail(Field::PersonalId, Problem::DuplicateInFile);
        }
        if let Some(code) = &moet_code
            && !codes.insert(code.clone())
        {
            fail(Field::MoetCode, Problem::DuplicateInFile);
        }
        let class_name = columns.text(cells, Field::ClassName);
        if let Some(class) = &class_name
            && !classes.contains(&fold_header(class))
        {
            fail(Field::ClassName, Problem::UnknownClass);
        }
        let status = match columns.text(cells, Field::Status) {
            None => None,
            Some(text) => {
                let status = parse_status(&text);
                if status.is_none() {
                    fail(Field::Status, Problem::StatusInvalid);
                }
                status
            }
        };
        let mut parents = Vec::new();
        for parent in Parent::ALL {
            let field = |what| Field::Parent(parent, what);
            let Some(name_text) = columns.text(cells, field(ParentField::Name)) else {
                continue;
            };
            let Some(name) = valid_name(&name_text) else {
                fail(field(ParentField::Name), Problem::NameInvalid);
                continue;
            };
            let personal_id = match columns.cell(cells, field(ParentField::PersonalId)) {
                None => None,
                Some(cell) => match parse_personal_id_cell(cell) {
                    None => {
                        fail(field(ParentField::PersonalId), Problem::PersonalIdFormat);
                        None
                    }
                    Some(id) => {
                        let expected = match parent {
                            Parent::Father => Some(Sex::Male),
                            Parent::Mother => Some(Sex::Female),
                            Parent::Guardian => None,
                        };
                        if expected.is_some_and(|sex| id.birth_century_and_sex().1 != sex) {
                            fail(field(ParentField::PersonalId), Problem::ParentIdSex);
                        }
                        Some(id)
                    }
                },
            };
            let phone = match columns.text(cells, field(ParentField::Phone)) {
                None => None,
                Some(text) => {
                    let phone = clean_phone(&text);
                    if phone.is_none() {
                        fail(field(ParentField::Phone), Problem::PhoneInvalid);
                    }
                    phone
                }
            };
            parents.push(ParentRow {
                parent,
                name,
                personal_id,
                phone,
                occupation: columns.text(cells, field(ParentField::Occupation)),
            });
        }
        match (name, date_of_birth, sex) {
            (Some(name), Some(date_of_birth), Some(sex)) if errors.is_empty() => {
                checked.rows.push(StudentRow {
                    row,
                    moet_code,
                    personal_id,
                    name,
                    date_of_birth,
                    sex,
                    class_name,
                    status,
                    ethnicity: columns.text(cells, Field::Ethnicity),
                    parents,
                })
            }
            _ => checked.errors.extend(errors),
        }
    }
    Ok(checked)
}

/// A staff member's status as the portal writes it.
pub fn parse_staff_status(text: &str) -> Option<&'static str> {
    match fold_header(text).as_str() {
        "" | "dang lam viec" | "dang cong tac" | "lam viec" => Some("active"),
        "nghi phep" | "tam nghi" | "nghi thai san" => Some("on_leave"),
        "nghi viec" | "nghi huu" | "chuyen cong tac" | "thoi viec" => Some("left"),
        _ => None,
    }
}

pub fn staff_status_label(code: &str) -> &'static str {
    match code {
        "active" => "Đang làm việc",
        "on_leave" => "Tạm nghỉ",
        _ => "Nghỉ việc",
    }
}

/// Reads and checks the staff rows of a sheet.
pub fn check_staff(
    sheet: &Sheet,
    school_code: &str,
    today: Date,
) -> Result<Checked<StaffRow>, FileProblem> {
    let columns = Columns {
        fields: match_headers(ImportKind::Staff, &sheet.headers),
        headers: &sheet.headers,
    };
    if columns.index(Field::FullName).is_none() {
        return Err(FileProblem::MissingColumn(Field::FullName.header()));
    }
    if sheet.rows.len() > MAX_ROWS {
        return Err(FileProblem::TooManyRows);
    }
    check_school_codes(&columns, sheet, school_code)?;
    let mut checked = Checked::default();
    let mut ids = HashSet::new();
    let mut codes = HashSet::new();
    for (row, cells) in &sheet.rows {
        let row = *row;
        let mut errors = Vec::new();
        let mut fail = |field: Field, problem: Problem| {
            errors.push(RowError::new(row, &columns.header(field), problem));
        };
        let name = match columns.text(cells, Field::FullName) {
            None => {
                fail(Field::FullName, Problem::Missing);
                None
            }
            Some(text) => {
                let name = valid_name(&text);
                if name.is_none() {
                    fail(Field::FullName, Problem::NameInvalid);
                }
                name
            }
        };
        let date_of_birth = match columns.cell(cells, Field::DateOfBirth) {
            None => None,
            Some(cell) => match parse_date_cell(cell) {
                Some(date) if date <= today => Some(date),
                Some(_) => {
                    fail(Field::DateOfBirth, Problem::DateInFuture);
                    None
                }
                None => {
                    fail(Field::DateOfBirth, Problem::DateInvalid);
                    None
                }
            },
        };
        let sex = match columns.text(cells, Field::Sex) {
            None => None,
            Some(text) => {
                let sex = parse_sex(&text);
                if sex.is_none() {
                    fail(Field::Sex, Problem::SexInvalid);
                }
                sex
            }
        };
        let personal_id = match columns.cell(cells, Field::PersonalId) {
            None => None,
            Some(cell) => match parse_personal_id_cell(cell) {
                None => {
                    fail(Field::PersonalId, Problem::PersonalIdFormat);
                    None
                }
                Some(id) => {
                    let disagrees = match (date_of_birth, sex) {
                        (Some(born), Some(sex)) => !id.agrees_with(born, sex),
                        (None, Some(sex)) => id.birth_century_and_sex().1 != sex,
                        (Some(born), None) => id.birth_year() != born.year(),
                        (None, None) => false,
                    };
                    if disagrees {
                        fail(Field::PersonalId, Problem::PersonalIdDisagrees);
                    }
                    Some(id)
                }
            },
        };
        let staff_code = columns.text(cells, Field::StaffCode);
        if personal_id.is_none()
            && staff_code.is_none()
            && columns.cell(cells, Field::PersonalId).is_none()
        {
            fail(Field::PersonalId, Problem::NoKey);
        }
        if let Some(id) = &personal_id
            && !ids.insert(id.clone())
        {
            fail(Field::PersonalId, Problem::DuplicateInFile);
        }
        if let Some(code) = &staff_code
            && !codes.insert(code.clone())
        {
            fail(Field::StaffCode, Problem::DuplicateInFile);
        }
        let email = columns.text(cells, Field::Email);
        if let Some(email) = &email
            && (!email.contains('@') || email.contains(' '))
        {
            fail(Field::Email, Problem::EmailInvalid);
        }
        let phone = match columns.text(cells, Field::Phone) {
            None => None,
            Some(text) => {
                let phone = clean_phone(&text);
                if phone.is_none() {
                    fail(Field::Phone, Problem::PhoneInvalid);
                }
                phone
            }
        };
        let status = match columns.text(cells, Field::StaffStatus) {
            None => None,
            Some(text) => {
                let status = parse_staff_status(&text);
                if status.is_none() {
                    fail(Field::StaffStatus, Problem::StatusInvalid);
                }
                status
            }
        };
        match name {
            Some(name) if errors.is_empty() => checked.rows.push(StaffRow {
                row,
                staff_code,
                personal_id,
                name,
                date_of_birth,
                sex,
                email,
                phone,
                position: columns.text(cells, Field::Position),
                status,
            }),
            _ => checked.errors.extend(errors),
        }
    }
    Ok(checked)
}

// ---------------------------------------------------------------------------------------------
// The plan: what an import would add, change and leave alone.

/// A guardian as the school's records hold them (for comparing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingParent {
    pub guardian_id: i64,
    pub parent: Parent,
    pub name: FullName,
    pub pid_hash: Option<Vec<u8>>,
    pub phone: Option<String>,
    pub occupation: Option<String>,
}

/// A student as the school's records hold them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingStudent {
    pub id: i64,
    pub moet_code: Option<String>,
    pub pid_hash: Option<Vec<u8>>,
    pub name: FullName,
    pub date_of_birth: String,
    pub sex: Sex,
    pub ethnicity: Option<String>,
    pub status: String,
    /// Folded class name of the current enrolment.
    pub class_key: Option<String>,
    pub parents: Vec<ExistingParent>,
}

/// A field an import changes (names only: values stay on the server).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Change {
    Name,
    DateOfBirth,
    Sex,
    MoetCode,
    PersonalId,
    Ethnicity,
    Status,
    Class,
    ParentAdded(Parent),
    ParentDetails(Parent),
    Email,
    Phone,
    Position,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Planned<R> {
    Add(R),
    Change {
        id: i64,
        row: R,
        changes: Vec<Change>,
    },
    Same {
        id: i64,
    },
}

/// The plan of an import and the rows it refuses because of the records (not the file).
#[derive(Clone, Debug)]
pub struct Plan<R> {
    pub items: Vec<Planned<R>>,
    pub errors: Vec<RowError>,
}

impl<R> Plan<R> {
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut counts = (0, 0, 0);
        for item in &self.items {
            match item {
                Planned::Add(_) => counts.0 += 1,
                Planned::Change { .. } => counts.1 += 1,
                Planned::Same { .. } => counts.2 += 1,
            }
        }
        counts
    }
}

/// Compares checked student rows with the school's records. A row is matched by the keyed hash of
/// its ID number, else by its MOET code. `hash` is the server's keyed hash; `elsewhere` the
/// hashes of students active in other schools of the district.
pub fn plan_students(
    rows: Vec<StudentRow>,
    existing: &[ExistingStudent],
    elsewhere: &HashSet<Vec<u8>>,
    hash: &dyn Fn(&PersonalId) -> Vec<u8>,
) -> Plan<StudentRow> {
    let by_hash: HashMap<&[u8], &ExistingStudent> = existing
        .iter()
        .filter_map(|s| s.pid_hash.as_deref().map(|h| (h, s)))
        .collect();
    let by_code: HashMap<&str, &ExistingStudent> = existing
        .iter()
        .filter_map(|s| s.moet_code.as_deref().map(|c| (c, s)))
        .collect();
    let mut plan = Plan {
        items: Vec::with_capacity(rows.len()),
        errors: Vec::new(),
    };
    for row in rows {
        let row_hash = row.personal_id.as_ref().map(hash);
        let found = row_hash
            .as_deref()
            .and_then(|h| by_hash.get(h).copied())
            .or_else(|| {
                row.moet_code
                    .as_deref()
                    .and_then(|c| by_code.get(c).copied())
            });
        let Some(record) = found else {
            if row_hash.as_ref().is_some_and(|h| elsewhere.contains(h)) {
                plan.errors.push(RowError::new(
                    row.row,
                    &Field::PersonalId.header(),
                    Problem::EnrolledElsewhere,
                ));
            } else {
                plan.items.push(Planned::Add(row));
            }
            continue;
        };
        let mut changes = Vec::new();
        match (&record.moet_code, &row.moet_code) {
            (Some(old), Some(new)) if old != new => {
                plan.errors.push(RowError::new(
                    row.row,
                    &Field::MoetCode.header(),
                    Problem::MoetCodeDiffers,
                ));
                continue;
            }
            (None, Some(_)) => changes.push(Change::MoetCode),
            _ => {}
        }
        match (&record.pid_hash, &row_hash) {
            (Some(old), Some(new)) if old != new => {
                plan.errors.push(RowError::new(
                    row.row,
                    &Field::PersonalId.header(),
                    Problem::PersonalIdOtherRecord,
                ));
                continue;
            }
            (None, Some(_)) => changes.push(Change::PersonalId),
            _ => {}
        }
        if record.name != row.name {
            changes.push(Change::Name);
        }
        if record.date_of_birth != iso_date(row.date_of_birth) {
            changes.push(Change::DateOfBirth);
        }
        if record.sex != row.sex {
            changes.push(Change::Sex);
        }
        if row.ethnicity.is_some() && record.ethnicity != row.ethnicity {
            changes.push(Change::Ethnicity);
        }
        if let Some(status) = row.status
            && status != record.status
        {
            changes.push(Change::Status);
        }
        if let Some(class) = &row.class_name
            && record.class_key.as_deref() != Some(fold_header(class).as_str())
        {
            changes.push(Change::Class);
        }
        for parent in &row.parents {
            match record.parents.iter().find(|p| p.parent == parent.parent) {
                None => changes.push(Change::ParentAdded(parent.parent)),
                Some(known) => {
                    let new_hash = parent.personal_id.as_ref().map(hash);
                    let differs = known.name != parent.name
                        || (new_hash.is_some() && known.pid_hash != new_hash)
                        || (parent.phone.is_some() && known.phone != parent.phone)
                        || (parent.occupation.is_some() && known.occupation != parent.occupation);
                    if differs {
                        changes.push(Change::ParentDetails(parent.parent));
                    }
                }
            }
        }
        if changes.is_empty() {
            plan.items.push(Planned::Same { id: record.id });
        } else {
            plan.items.push(Planned::Change {
                id: record.id,
                row,
                changes,
            });
        }
    }
    plan
}

/// A staff member as the school's records hold them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExistingStaff {
    pub id: i64,
    pub staff_code: Option<String>,
    pub pid_hash: Option<Vec<u8>>,
    pub name: FullName,
    pub date_of_birth: Option<String>,
    pub sex: Option<Sex>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub position: Option<String>,
    pub status: String,
}

/// Compares checked staff rows with the school's staff, matched by ID number then staff code.
pub fn plan_staff(
    rows: Vec<StaffRow>,
    existing: &[ExistingStaff],
    hash: &dyn Fn(&PersonalId) -> Vec<u8>,
) -> Plan<StaffRow> {
    let mut plan = Plan {
        items: Vec::with_capacity(rows.len()),
        errors: Vec::new(),
    };
    for row in rows {
        let row_hash = row.personal_id.as_ref().map(hash);
        let found = existing.iter().find(|s| {
            (row_hash.is_some() && s.pid_hash == row_hash)
                || (row.staff_code.is_some() && s.staff_code == row.staff_code)
        });
        let Some(record) = found else {
            plan.items.push(Planned::Add(row));
            continue;
        };
        let mut changes = Vec::new();
        match (&record.staff_code, &row.staff_code) {
            (Some(old), Some(new)) if old != new => {
                plan.errors.push(RowError::new(
                    row.row,
                    &Field::StaffCode.header(),
                    Problem::MoetCodeDiffers,
                ));
                continue;
            }
            (None, Some(_)) => changes.push(Change::MoetCode),
            _ => {}
        }
        match (&record.pid_hash, &row_hash) {
            (Some(old), Some(new)) if old != new => {
                plan.errors.push(RowError::new(
                    row.row,
                    &Field::PersonalId.header(),
                    Problem::PersonalIdOtherRecord,
                ));
                continue;
            }
            (None, Some(_)) => changes.push(Change::PersonalId),
            _ => {}
        }
        if record.name != row.name {
            changes.push(Change::Name);
        }
        if row.date_of_birth.is_some() && record.date_of_birth != row.date_of_birth.map(iso_date) {
            changes.push(Change::DateOfBirth);
        }
        if row.sex.is_some() && record.sex != row.sex {
            changes.push(Change::Sex);
        }
        if row.email.is_some() && record.email != row.email {
            changes.push(Change::Email);
        }
        if row.phone.is_some() && record.phone != row.phone {
            changes.push(Change::Phone);
        }
        if row.position.is_some() && record.position != row.position {
            changes.push(Change::Position);
        }
        if let Some(status) = row.status
            && status != record.status
        {
            changes.push(Change::Status);
        }
        if changes.is_empty() {
            plan.items.push(Planned::Same { id: record.id });
        } else {
            plan.items.push(Planned::Change {
                id: record.id,
                row,
                changes,
            });
        }
    }
    plan
}

#[cfg(test)]
mod tests;

pub mod police;
