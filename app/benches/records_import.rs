//! Importing a 2,000-student file from the ministry's export (with father and mother, their ID
//! numbers and phones) into a fresh school on SQLite: read, check, plan and apply in one
//! transaction; then the same file again (a no-op). Prints the times of each run.
//!
//! `cargo bench -p truongso-app --features ssr --bench records_import`

use std::time::{Duration, Instant};

use app::people::store::{self, NewSchool};
use app::platform::audit::Actor;
use app::platform::crypto::PidCrypto;
use app::platform::db::Db;
use app::platform::personal_id::{PersonalId, Sex};
use app::records::rules::ImportKind;
use app::records::store::import::import_workbook;
use rust_xlsxwriter::Workbook;
use time::macros::date;

const STUDENTS: u32 = 2_000;
const PER_CLASS: u32 = 40;
const KEY: &str = "dGVzdC1vbmx5LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24=";
const FAMILY: [&str; 8] = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"];
const GIVEN: [&str; 8] = ["An", "Bình", "Châu", "Dũng", "Đức", "Hà", "Khoa", "Linh"];

fn class_name(index: u32) -> String {
    let grade = 6 + (index / PER_CLASS) % 4;
    let section = index / (PER_CLASS * 4) + 1;
    format!("{grade}A{section}")
}

fn workbook() -> Vec<u8> {
    let headers = [
        "STT",
        "Mã trường",
        "Mã lớp",
        "Mã học sinh",
        "Họ tên",
        "Ngày sinh",
        "Giới tính",
        "Trạng thái HS",
        "Dân tộc",
        "Số định danh cá nhân",
        "Họ tên cha",
        "Số định danh cha",
        "Số điện thoại cha",
        "Nghề nghiệp cha",
        "Họ tên mẹ",
        "Số định danh mẹ",
        "Số điện thoại mẹ",
    ];
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in headers.iter().enumerate() {
        let _ = sheet.write_string(0, c as u16, *h);
    }
    for i in 0..STUDENTS {
        let row = i + 1;
        let grade = 6 + (i / PER_CLASS) % 4;
        let year = 2021 - grade as i32;
        let sex = if i % 2 == 0 { Sex::Male } else { Sex::Female };
        let family = FAMILY[(i % 8) as usize];
        let name = format!(
            "{family} Văn {} {}",
            GIVEN[(i / 8 % 8) as usize],
            GIVEN[(i % 8) as usize]
        );
        let pid = |y: i32, s: Sex, serial: u32| {
            PersonalId::compose(79, y, s, serial)
                .map(|p| p.expose().to_string())
                .unwrap_or_default()
        };
        let cells = [
            row.to_string(),
            "79000801".to_string(),
            class_name(i),
            format!("79{:08}", i),
            name,
            format!("{:02}/{:02}/{year}", 1 + i % 28, 1 + i % 12),
            if sex == Sex::Male { "Nam" } else { "Nữ" }.to_string(),
            "Đang học".to_string(),
            "Kinh".to_string(),
            pid(year, sex, 100_000 + i),
            format!("{family} Văn Cha"),
            pid(1980, Sex::Male, 300_000 + i),
            format!("09{:08}", i),
            "Công nhân".to_string(),
            "Lê Thị Mẹ".to_string(),
            pid(1982, Sex::Female, 500_000 + i),
            format!("08{:08}", i),
        ];
        for (c, value) in cells.iter().enumerate() {
            let _ = sheet.write_string(row, c as u16, value);
        }
    }
    book.save_to_buffer().unwrap_or_default()
}

async fn fresh_school(dir: &std::path::Path, run: usize) -> (Db, i64) {
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.join(format!("bench-{run}.db")).display()
    );
    let db = Db::connect(&url, &Default::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("{e}"));
    let mut conn = db.pool().acquire().await.unwrap_or_else(|e| panic!("{e}"));
    let district = store::insert_district(&mut conn, "79-B", "Huyện", "79", 0)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let school = store::insert_school(
        &mut conn,
        &NewSchool {
            district_id: district,
            moet_code: "79000801",
            name: "Trường THCS Thử",
            address: None,
            phone: None,
        },
        0,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let year = store::insert_school_year(
        &mut conn,
        school,
        "2026-2027",
        date!(2026 - 09 - 05),
        date!(2027 - 05 - 31),
        true,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mut made = std::collections::HashSet::new();
    for i in 0..STUDENTS {
        let name = class_name(i);
        if made.insert(name.clone()) {
            let grade = 6 + (i / PER_CLASS) % 4;
            store::insert_class(&mut conn, school, year, i64::from(grade), &name)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    (db, school)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let crypto = PidCrypto::from_base64_key(KEY).unwrap_or_else(|e| panic!("{e}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = workbook();
    println!(
        "records import: {STUDENTS} students with both parents, file {} KB",
        file.len() / 1024
    );
    let mut first = Vec::new();
    let mut again = Vec::new();
    let mut preview = Vec::new();
    for run in 0..5 {
        runtime.block_on(async {
            let (db, school) = fresh_school(dir.path(), run).await;
            let today = date!(2026 - 12 - 04);
            let start = Instant::now();
            let report = import_workbook(
                &db,
                &crypto,
                &Actor::system(),
                school,
                ImportKind::Students,
                file.clone(),
                false,
                today,
                1,
            )
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
            preview.push(start.elapsed());
            assert_eq!(
                report.added,
                STUDENTS as usize,
                "{:?}",
                report.errors.first()
            );
            let start = Instant::now();
            let report = import_workbook(
                &db,
                &crypto,
                &Actor::system(),
                school,
                ImportKind::Students,
                file.clone(),
                true,
                today,
                2,
            )
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
            first.push(start.elapsed());
            assert!(report.applied);
            let start = Instant::now();
            let report = import_workbook(
                &db,
                &crypto,
                &Actor::system(),
                school,
                ImportKind::Students,
                file.clone(),
                true,
                today,
                3,
            )
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
            again.push(start.elapsed());
            assert_eq!(report.unchanged, STUDENTS as usize);
            db.close().await;
        });
    }
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    println!(
        "preview (read, check, plan):      median {:?}",
        median(&mut preview)
    );
    println!(
        "first import (applied, 1 tx):     median {:?}",
        median(&mut first)
    );
    println!(
        "same file again (no change):      median {:?}",
        median(&mut again)
    );
}
