use super::*;
use time::macros::date;
use unicode_normalization::UnicodeNormalization;

fn text(s: &str) -> CellValue {
    CellValue::Text(s.to_string())
}

fn sheet(headers: &[&str], rows: Vec<Vec<CellValue>>) -> Sheet {
    Sheet {
        header_row: 1,
        headers: headers.iter().map(|h| h.to_string()).collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| (i as u32 + 2, r))
            .collect(),
    }
}

fn classes() -> HashSet<String> {
    ["6a1", "6a2"].iter().map(|s| s.to_string()).collect()
}

const TODAY: Date = date!(2026 - 12 - 04);

#[test]
fn headers_match_with_or_without_diacritics_in_any_order() {
    let headers: Vec<String> = [
        "NGAY SINH",
        "Ho va ten",
        "  Giới   tính ",
        "Số CCCD",
        "STT",
        "Họ tên cha",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(
        match_headers(ImportKind::Students, &headers),
        vec![
            Some(Field::DateOfBirth),
            Some(Field::FullName),
            Some(Field::Sex),
            Some(Field::PersonalId),
            None,
            Some(Field::Parent(Parent::Father, ParentField::Name)),
        ]
    );
    // An NFD-typed header is the same header.
    let nfd: String = "Số định danh cá nhân".nfd().collect();
    assert_eq!(
        match_headers(ImportKind::Students, &[nfd]),
        vec![Some(Field::PersonalId)]
    );
}

#[test]
fn serial_and_text_dates_read_alike() {
    let born = date!(2013 - 03 - 02);
    let serial = date_to_excel_serial(born);
    assert_eq!(serial, 41335.0);
    assert_eq!(parse_date_cell(&CellValue::Date(serial)), Some(born));
    assert_eq!(parse_date_cell(&CellValue::Number(serial)), Some(born));
    assert_eq!(parse_date_cell(&text("02/03/2013")), Some(born));
    assert_eq!(parse_date_cell(&text("2013-03-02")), Some(born));
    assert_eq!(parse_date_cell(&text("31/02/2013")), None);
}

#[test]
fn an_id_number_that_lost_its_leading_zero_is_padded_back() {
    let id = parse_personal_id_cell(&CellValue::Number(79_313_000_123.0)).unwrap();
    assert_eq!(id.expose(), "079313000123");
    assert!(parse_personal_id_cell(&text("07931300012")).is_none());
    assert!(parse_personal_id_cell(&text("0793130001x3")).is_none());
}

#[test]
fn bad_rows_are_reported_with_row_column_and_reason() {
    let headers = [
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Số định danh cá nhân",
        "Mã lớp",
        "Họ tên cha",
        "Số định danh cha",
    ];
    let good = vec![
        text("Nguyễn Thị Lan Anh"),
        text("02/03/2013"),
        text("Nữ"),
        text("079313000123"),
        text("6A1"),
        text("Nguyễn Văn Bình"),
        text("079080000001"),
    ];
    let mut wrong_century = good.clone();
    wrong_century[3] = text("079213000124"); // male digit for a girl
    let mut bad_date = good.clone();
    bad_date[1] = text("30/02/2013");
    bad_date[3] = text("079313000125");
    let mut unknown_class = good.clone();
    unknown_class[3] = text("079313000126");
    unknown_class[4] = text("9Z9");
    let mut mother_as_father = good.clone();
    mother_as_father[3] = text("079313000127");
    mother_as_father[6] = text("079180000001");
    let checked = check_students(
        &sheet(
            &headers,
            vec![
                good,
                wrong_century,
                bad_date,
                unknown_class,
                mother_as_father,
            ],
        ),
        "79000701",
        &classes(),
        TODAY,
    )
    .unwrap();
    assert_eq!(checked.rows.len(), 1);
    let found: Vec<(u32, &str, Problem)> = checked
        .errors
        .iter()
        .map(|e| (e.row, e.column.as_str(), e.problem))
        .collect();
    assert_eq!(
        found,
        vec![
            (3, "Số định danh cá nhân", Problem::PersonalIdDisagrees),
            (4, "Ngày sinh", Problem::DateInvalid),
            (5, "Mã lớp", Problem::UnknownClass),
            (6, "Số định danh cha", Problem::ParentIdSex),
        ]
    );
    assert!(checked.errors[0].reason_vi.starts_with("Số định danh"));
    assert!(checked.errors[0].reason_en.starts_with("The ID number"));
}

#[test]
fn a_file_naming_another_school_is_refused_whole() {
    let headers = [
        "Mã trường",
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Mã học sinh",
    ];
    let row = |school: &str, code: &str| {
        vec![
            text(school),
            text("Lê Văn An"),
            text("01/01/2013"),
            text("Nam"),
            text(code),
        ]
    };
    let result = check_students(
        &sheet(&headers, vec![row("79000701", "1"), row("79000702", "2")]),
        "79000701",
        &classes(),
        TODAY,
    );
    assert_eq!(
        result.err(),
        Some(FileProblem::OtherSchool {
            codes: vec!["79000702".into()]
        })
    );
}

#[test]
fn a_missing_required_column_refuses_the_file() {
    let result = check_students(
        &sheet(&["Họ tên", "Giới tính"], vec![]),
        "79000701",
        &classes(),
        TODAY,
    );
    assert_eq!(
        result.err(),
        Some(FileProblem::MissingColumn("Ngày sinh".into()))
    );
}

#[test]
fn the_plan_adds_changes_and_leaves_alone() {
    let headers = ["Mã học sinh", "Họ tên", "Ngày sinh", "Giới tính"];
    let rows = vec![
        vec![
            text("A1"),
            text("Lê Văn An"),
            text("01/01/2013"),
            text("Nam"),
        ],
        vec![
            text("A2"),
            text("Lê Thị Hoa"),
            text("01/01/2013"),
            text("Nữ"),
        ],
        vec![
            text("A3"),
            text("Trần Văn Minh"),
            text("01/01/2013"),
            text("Nam"),
        ],
    ];
    let checked = check_students(&sheet(&headers, rows), "x", &classes(), TODAY).unwrap();
    let existing = |id: i64, code: &str, name: &str| ExistingStudent {
        id,
        moet_code: Some(code.into()),
        pid_hash: None,
        name: FullName::parse(name).unwrap(),
        date_of_birth: "2013-01-01".into(),
        sex: if name.contains("Thị") {
            Sex::Female
        } else {
            Sex::Male
        },
        ethnicity: None,
        status: "studying".into(),
        class_key: None,
        parents: vec![],
    };
    let records = vec![
        existing(1, "A1", "Lê Văn An"),
        existing(2, "A2", "Lê Thị Hoà"),
    ];
    let plan = plan_students(checked.rows, &records, &HashSet::new(), &|id| {
        id.expose().as_bytes().to_vec()
    });
    assert_eq!(plan.counts(), (1, 1, 1));
    assert!(
        matches!(&plan.items[1], Planned::Change { id: 2, changes, .. } if changes == &vec![Change::Name])
    );
}
