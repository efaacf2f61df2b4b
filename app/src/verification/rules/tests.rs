use time::macros::date;

use super::*;

const HUNG: &str = "Lê Văn Hùng";
const LAN: &str = "Nguyễn Thị Lan";
const CHILD: &str = "Lê Minh An";

fn card(name: &str, father: Option<&str>, mother: Option<&str>) -> CardFacts {
    CardFacts {
        full_name: name.to_string(),
        date_of_birth: Some("1985-08-12".into()),
        father_name: father.map(str::to_string),
        mother_name: mother.map(str::to_string),
    }
}

fn person(id: i64, name: &str, born: Option<&str>) -> PersonRecord {
    PersonRecord {
        id,
        full_name: name.to_string(),
        date_of_birth: born.map(str::to_string),
    }
}

fn link(link_id: i64, student_id: i64, relation: Relation, status: LinkStatus) -> LinkRecord {
    LinkRecord {
        link_id,
        student_id,
        relation,
        status,
    }
}

fn guardian(name: &str, links: Vec<LinkRecord>) -> GuardianRecord {
    GuardianRecord {
        person: person(7, name, Some("1985-08-12")),
        links,
    }
}

fn applied(decision: Decision) -> Linkage {
    match decision {
        Decision::Apply(linkage) => linkage,
        Decision::Refuse(refusal) => panic!("refused: {refusal:?}"),
    }
}

// --- the parent's own card --------------------------------------------------------------------

#[test]
fn the_guardians_own_card_verifies_every_open_link() {
    let claimant = Claimant {
        is_card_holder: true,
        vneid_name: Some(HUNG.into()),
        guardian: Some(guardian(
            HUNG,
            vec![
                link(1, 100, Relation::Father, LinkStatus::Unverified),
                link(2, 101, Relation::Father, LinkStatus::Pending),
                link(3, 102, Relation::Father, LinkStatus::Verified),
                link(4, 103, Relation::Father, LinkStatus::Revoked),
            ],
        )),
        staff: None,
    };
    let linkage = applied(decide(
        &card(HUNG, None, None),
        &HolderRecords::default(),
        &claimant,
    ));
    assert_eq!(
        linkage.verify,
        vec![
            VerifyLink {
                link_id: 1,
                student_id: 100,
                basis: LinkBasis::OwnCard
            },
            VerifyLink {
                link_id: 2,
                student_id: 101,
                basis: LinkBasis::OwnCard
            },
        ]
    );
    assert_eq!(linkage.already_verified, vec![3]);
    assert!(linkage.reviews.is_empty());
    assert_eq!(linkage.outcome(), "verified");
}

#[test]
fn an_own_card_whose_name_or_birth_differs_from_the_record_goes_to_review() {
    for (name, born) in [("Lê Văn Hưng", "1985-08-12"), (HUNG, "1986-08-12")] {
        let mut record = guardian(
            name,
            vec![link(1, 100, Relation::Father, LinkStatus::Unverified)],
        );
        record.person.date_of_birth = Some(born.into());
        let claimant = Claimant {
            is_card_holder: true,
            vneid_name: Some(HUNG.into()),
            guardian: Some(record),
            staff: None,
        };
        let linkage = applied(decide(
            &card(HUNG, None, None),
            &HolderRecords::default(),
            &claimant,
        ));
        assert!(linkage.verify.is_empty(), "{name} {born}");
        assert_eq!(linkage.reviews.len(), 1);
        assert_eq!(linkage.reviews[0].reason, ReviewReason::RecordDiffers);
        assert_eq!(linkage.reviews[0].link_id, Some(1));
        assert_eq!(linkage.outcome(), "review");
    }
}

#[test]
fn names_compare_with_diacritics_but_not_case_spacing_or_normal_form() {
    assert!(same_name("Lê Văn Hùng", "LÊ  VĂN HÙNG"));
    assert!(same_name(
        "Lê Văn Hùng",
        "Le\u{0302} Va\u{0306}n Hu\u{0300}ng"
    ));
    assert!(!same_name("Lê Văn Hùng", "Lê Văn Hưng"));
    assert!(!same_name("Lê Văn Hùng", "Le Van Hung"));
    assert!(!same_name("", ""));
}

#[test]
fn a_missing_date_of_birth_on_either_side_does_not_block() {
    let mut facts = card(HUNG, None, None);
    facts.date_of_birth = None;
    assert!(card_matches_record(
        &facts,
        &person(1, HUNG, Some("1985-08-12"))
    ));
    assert!(card_matches_record(
        &card(HUNG, None, None),
        &person(1, HUNG, None)
    ));
}

#[test]
fn a_teachers_own_card_verifies_their_staff_record() {
    let claimant = Claimant {
        is_card_holder: true,
        vneid_name: Some(HUNG.into()),
        guardian: None,
        staff: Some(person(9, HUNG, Some("1985-08-12"))),
    };
    let linkage = applied(decide(
        &card(HUNG, None, None),
        &HolderRecords::default(),
        &claimant,
    ));
    assert_eq!(linkage.verify_staff, Some(9));
    assert_eq!(linkage.outcome(), "verified");
    let differs = Claimant {
        staff: Some(person(9, "Lê Văn Hưng", None)),
        ..claimant
    };
    let linkage = applied(decide(
        &card(HUNG, None, None),
        &HolderRecords::default(),
        &differs,
    ));
    assert_eq!(linkage.verify_staff, None);
    assert_eq!(linkage.reviews[0].staff_id, Some(9));
}

#[test]
fn an_own_card_with_no_record_here_is_refused() {
    let claimant = Claimant {
        is_card_holder: true,
        vneid_name: Some(HUNG.into()),
        ..Claimant::default()
    };
    assert_eq!(
        decide(
            &card(HUNG, None, None),
            &HolderRecords::default(),
            &claimant
        ),
        Decision::Refuse(Refusal::NothingToLink)
    );
}

// --- someone else's card ---------------------------------------------------------------------

#[test]
fn another_adults_card_is_refused() {
    let claimant = Claimant {
        is_card_holder: false,
        vneid_name: Some(LAN.into()),
        guardian: Some(guardian(
            LAN,
            vec![link(1, 100, Relation::Mother, LinkStatus::Unverified)],
        )),
        staff: None,
    };
    let holder = HolderRecords {
        guardian: Some(person(8, HUNG, None)),
        ..HolderRecords::default()
    };
    assert_eq!(
        decide(&card(HUNG, None, None), &holder, &claimant),
        Decision::Refuse(Refusal::CardOfAnotherPerson)
    );
    assert_eq!(
        decide(
            &card(HUNG, None, None),
            &HolderRecords::default(),
            &claimant
        ),
        Decision::Refuse(Refusal::CardNotInRecords)
    );
}

// --- the child's card ------------------------------------------------------------------------

fn child_holder() -> HolderRecords {
    HolderRecords {
        student: Some(person(100, CHILD, Some("2013-05-01"))),
        ..HolderRecords::default()
    }
}

fn child_card(father: Option<&str>, mother: Option<&str>) -> CardFacts {
    CardFacts {
        full_name: CHILD.into(),
        date_of_birth: Some("2013-05-01".into()),
        father_name: father.map(str::to_string),
        mother_name: mother.map(str::to_string),
    }
}

fn parent(name: &str, relation: Relation, status: LinkStatus) -> Claimant {
    Claimant {
        is_card_holder: false,
        vneid_name: Some(name.into()),
        guardian: Some(guardian(name, vec![link(1, 100, relation, status)])),
        staff: None,
    }
}

#[test]
fn the_childs_card_naming_the_mother_verifies_her_link() {
    let linkage = applied(decide(
        &child_card(Some(HUNG), Some(LAN)),
        &child_holder(),
        &parent(LAN, Relation::Mother, LinkStatus::Unverified),
    ));
    assert_eq!(
        linkage.verify,
        vec![VerifyLink {
            link_id: 1,
            student_id: 100,
            basis: LinkBasis::ChildCardNamesParent
        }]
    );
}

#[test]
fn the_childs_card_naming_the_parent_as_the_other_relation_goes_to_review() {
    let linkage = applied(decide(
        &child_card(Some(LAN), Some("Trần Thị Mai")),
        &child_holder(),
        &parent(LAN, Relation::Mother, LinkStatus::Unverified),
    ));
    assert!(linkage.verify.is_empty());
    assert_eq!(linkage.reviews[0].reason, ReviewReason::RelationDiffers);
    assert_eq!(linkage.reviews[0].proposed_relation, Some(Relation::Father));
}

#[test]
fn a_card_naming_someone_else_goes_to_review_and_a_missing_parent_too() {
    let linkage = applied(decide(
        &child_card(Some(HUNG), Some("Trần Thị Mai")),
        &child_holder(),
        &parent(LAN, Relation::Mother, LinkStatus::Unverified),
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::NameDiffers);
    let linkage = applied(decide(
        &child_card(Some(HUNG), None),
        &child_holder(),
        &parent(LAN, Relation::Mother, LinkStatus::Unverified),
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::ParentNotOnCard);
}

#[test]
fn vneid_and_record_must_agree_with_the_card() {
    // The card and VNeID say Lan; the school's record says otherwise.
    let mut claimant = parent(LAN, Relation::Mother, LinkStatus::Unverified);
    if let Some(g) = claimant.guardian.as_mut() {
        g.person.full_name = "Nguyễn Thị Lân".into();
    }
    let linkage = applied(decide(
        &child_card(Some(HUNG), Some(LAN)),
        &child_holder(),
        &claimant,
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::RecordDiffers);
    // No name from VNeID: nothing to compare with.
    let mut claimant = parent(LAN, Relation::Mother, LinkStatus::Unverified);
    claimant.vneid_name = None;
    let linkage = applied(decide(
        &child_card(Some(HUNG), Some(LAN)),
        &child_holder(),
        &claimant,
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::NoVneidName);
}

#[test]
fn a_named_parent_without_a_link_on_record_goes_to_review_with_the_relation() {
    let mut claimant = parent(LAN, Relation::Mother, LinkStatus::Unverified);
    if let Some(g) = claimant.guardian.as_mut() {
        g.links.clear();
    }
    let linkage = applied(decide(
        &child_card(Some(HUNG), Some(LAN)),
        &child_holder(),
        &claimant,
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::NoLinkOnRecord);
    assert_eq!(linkage.reviews[0].proposed_relation, Some(Relation::Mother));
    assert_eq!(linkage.reviews[0].link_id, None);
    // Not named and not linked: refused, nothing queued.
    let linkage = decide(&child_card(Some(HUNG), None), &child_holder(), &claimant);
    assert_eq!(linkage, Decision::Refuse(Refusal::NotNamedOnCard));
}

#[test]
fn a_childs_card_for_someone_who_is_no_guardian_here_is_refused() {
    let claimant = Claimant {
        is_card_holder: false,
        vneid_name: Some(LAN.into()),
        guardian: None,
        staff: Some(person(3, LAN, None)),
    };
    assert_eq!(
        decide(&child_card(None, Some(LAN)), &child_holder(), &claimant),
        Decision::Refuse(Refusal::NotAGuardian)
    );
}

#[test]
fn a_child_card_that_differs_from_the_students_record_goes_to_review() {
    let mut holder = child_holder();
    if let Some(s) = holder.student.as_mut() {
        s.date_of_birth = Some("2013-06-01".into());
    }
    let linkage = applied(decide(
        &child_card(None, Some(LAN)),
        &holder,
        &parent(LAN, Relation::Mother, LinkStatus::Unverified),
    ));
    assert_eq!(
        linkage.reviews[0].reason,
        ReviewReason::StudentRecordDiffers
    );
}

#[test]
fn revoked_verified_and_guardian_links() {
    let card = child_card(Some(HUNG), Some(LAN));
    let linkage = applied(decide(
        &card,
        &child_holder(),
        &parent(LAN, Relation::Mother, LinkStatus::Revoked),
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::LinkRevoked);
    let linkage = applied(decide(
        &card,
        &child_holder(),
        &parent(LAN, Relation::Mother, LinkStatus::Verified),
    ));
    assert_eq!(linkage.already_verified, vec![1]);
    assert_eq!(linkage.outcome(), "nothing");
    let linkage = applied(decide(
        &card,
        &child_holder(),
        &parent(LAN, Relation::Guardian, LinkStatus::Unverified),
    ));
    assert_eq!(linkage.reviews[0].reason, ReviewReason::RelationNotOnCard);
}

/// Every combination of the facts the decision looks at: a link is verified exactly when one of
/// the two rules holds, never for someone else's link, never for a revoked one, and a refusal
/// changes nothing.
#[test]
fn exhaustively_nothing_is_verified_on_a_guess() {
    let names = [HUNG, LAN, "Trần Thị Mai"];
    let statuses = [
        LinkStatus::Unverified,
        LinkStatus::Pending,
        LinkStatus::Verified,
        LinkStatus::Revoked,
    ];
    let relations = [Relation::Father, Relation::Mother, Relation::Guardian];
    let optional_names = [None, Some(HUNG), Some(LAN), Some("Trần Thị Mai")];
    let mut cases = 0;
    for is_card_holder in [false, true] {
        for holder_kind in 0..4 {
            for card_father in optional_names {
                for card_mother in optional_names {
                    for vneid in [None, Some(HUNG), Some(LAN)] {
                        for record_name in names {
                            for relation in relations {
                                for status in statuses {
                                    for has_link in [false, true] {
                                        for child_matches in [false, true] {
                                            for card_name in [HUNG, CHILD] {
                                                cases += 1;
                                                check_case(Case {
                                                    is_card_holder,
                                                    holder_kind,
                                                    card_name,
                                                    card_father,
                                                    card_mother,
                                                    vneid,
                                                    record_name,
                                                    relation,
                                                    status,
                                                    has_link,
                                                    child_matches,
                                                });
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    assert!(cases > 100_000, "{cases}");
}

#[derive(Clone, Copy, Debug)]
struct Case {
    is_card_holder: bool,
    /// 0 nobody, 1 a student, 2 a guardian, 3 staff (whose ID the card carries).
    holder_kind: u8,
    card_name: &'static str,
    card_father: Option<&'static str>,
    card_mother: Option<&'static str>,
    vneid: Option<&'static str>,
    record_name: &'static str,
    relation: Relation,
    status: LinkStatus,
    has_link: bool,
    child_matches: bool,
}

fn check_case(c: Case) {
    let facts = CardFacts {
        full_name: c.card_name.to_string(),
        date_of_birth: None,
        father_name: c.card_father.map(str::to_string),
        mother_name: c.card_mother.map(str::to_string),
    };
    let student = person(
        100,
        if c.child_matches {
            c.card_name
        } else {
            "Khác Tên"
        },
        None,
    );
    let holder = HolderRecords {
        student: (c.holder_kind == 1).then(|| student.clone()),
        guardian: (c.holder_kind == 2).then(|| person(8, c.card_name, None)),
        staff: (c.holder_kind == 3).then(|| person(9, c.card_name, None)),
    };
    let links = if c.has_link {
        vec![link(1, 100, c.relation, c.status)]
    } else {
        Vec::new()
    };
    let claimant = Claimant {
        is_card_holder: c.is_card_holder,
        vneid_name: c.vneid.map(str::to_string),
        guardian: Some(GuardianRecord {
            person: person(7, c.record_name, None),
            links,
        }),
        staff: None,
    };
    let decision = decide(&facts, &holder, &claimant);
    let Decision::Apply(linkage) = decision else {
        return; // a refusal changes nothing by construction
    };
    for verified in &linkage.verify {
        assert_eq!(verified.link_id, 1, "{c:?}: only the claimant's own link");
        assert!(
            matches!(c.status, LinkStatus::Unverified | LinkStatus::Pending),
            "{c:?}"
        );
        match verified.basis {
            LinkBasis::OwnCard => {
                assert!(c.is_card_holder, "{c:?}");
                assert!(same_name(c.card_name, c.record_name), "{c:?}");
            }
            LinkBasis::ChildCardNamesParent => {
                assert!(!c.is_card_holder && c.holder_kind == 1, "{c:?}");
                assert!(c.child_matches, "{c:?}");
                let vneid = c.vneid.unwrap_or_default();
                let named = match c.relation {
                    Relation::Father => c.card_father,
                    Relation::Mother => c.card_mother,
                    Relation::Guardian => panic!("{c:?}: a guardian is not on the card"),
                };
                assert!(named.is_some_and(|n| same_name(n, vneid)), "{c:?}");
                assert!(same_name(vneid, c.record_name), "{c:?}");
            }
        }
    }
    // When both rules hold, the link is verified (the rules are not stricter than written).
    let own_rule = c.is_card_holder
        && c.has_link
        && matches!(c.status, LinkStatus::Unverified | LinkStatus::Pending)
        && same_name(c.card_name, c.record_name);
    let named = match c.relation {
        Relation::Father => c.card_father,
        Relation::Mother => c.card_mother,
        Relation::Guardian => None,
    };
    let child_rule = !c.is_card_holder
        && c.holder_kind == 1
        && c.has_link
        && c.child_matches
        && matches!(c.status, LinkStatus::Unverified | LinkStatus::Pending)
        && c.vneid
            .is_some_and(|v| named.is_some_and(|n| same_name(n, v)) && same_name(v, c.record_name));
    assert_eq!(
        !linkage.verify.is_empty(),
        own_rule || child_rule,
        "{c:?}: {linkage:?}"
    );
}

// --- expiry, QR, MRZ ---------------------------------------------------------------------------

#[test]
fn the_expiry_follows_the_age_milestones() {
    let born = date!(1985 - 08 - 12);
    assert_eq!(
        propose_expiry(born, date!(2021 - 04 - 10)),
        Some(date!(2025 - 08 - 12))
    );
    assert_eq!(
        propose_expiry(born, date!(2001 - 09 - 01)),
        Some(date!(2010 - 08 - 12))
    );
    // Within two years before 25: runs to 40.
    assert_eq!(
        propose_expiry(born, date!(2008 - 08 - 12)),
        Some(date!(2025 - 08 - 12))
    );
    assert_eq!(
        propose_expiry(born, date!(2008 - 08 - 11)),
        Some(date!(2010 - 08 - 12))
    );
    // Issued at 58 or later: no expiry.
    assert_eq!(propose_expiry(born, date!(2043 - 08 - 12)), None);
    // A leap-day birthday.
    assert_eq!(
        propose_expiry(date!(2012 - 02 - 29), date!(2026 - 01 - 01)),
        Some(date!(2037 - 02 - 28))
    );
}

#[test]
fn the_front_qr_gives_number_name_and_dates() {
    let qr = parse_front_qr(
        "001085012345|012345678|Lê Văn Hùng|12081985|Nam|Số 18, Long Biên, Hà Nội|10042021",
    )
    .unwrap();
    assert_eq!(qr.personal_id, "001085012345");
    assert_eq!(qr.full_name, HUNG);
    assert_eq!(qr.date_of_birth, date!(1985 - 08 - 12));
    assert_eq!(qr.issue_date, date!(2021 - 04 - 10));
    assert_eq!(yymmdd(date!(2025 - 08 - 12)), "250812");
    assert!(parse_front_qr("001085012345|x|y").is_none());
    assert!(parse_front_qr("00108501234|x|y|12081985|Nam|a|10042021").is_none());
    assert!(parse_front_qr("001085012345|x|y|32081985|Nam|a|10042021").is_none());
}

#[test]
fn mrz_input_is_cleaned_and_ids_masked() {
    assert_eq!(
        clean_mrz("idvnm0850123452 001085012345<<<\r\n8508122m"),
        "IDVNM0850123452001085012345<<<8508122M"
    );
    assert_eq!(mask_personal_id("001085012345"), "0010••••2345");
    assert_eq!(mask_personal_id("123"), "••••");
}

// --- progress ---------------------------------------------------------------------------------

#[test]
fn shares_count_who_existed_and_was_verified_at_each_moment() {
    let items = [
        Tracked {
            since: 0,
            verified_at: Some(10),
            method: Some(VerifiedBy::Vneid),
        },
        Tracked {
            since: 0,
            verified_at: Some(30),
            method: Some(VerifiedBy::DeskCard),
        },
        Tracked {
            since: 20,
            verified_at: None,
            method: None,
        },
    ];
    assert_eq!(
        Share::at(&items, 5),
        Share {
            verified: 0,
            total: 2,
            ..Share::default()
        }
    );
    // How they were verified counts only once they were.
    assert_eq!(
        Share::at(&items, 25),
        Share {
            verified: 1,
            total: 3,
            by_vneid: 1,
            by_desk_card: 0
        }
    );
    assert_eq!(Share::at(&items, 30).by_desk_card, 1);
    assert_eq!(Share::at(&items, 10).permille(), 500);
    assert_eq!(Share::at(&items, 25).permille(), 333);
    assert_eq!(Share::at(&items, 30).percent_text(), "66,6%");
    assert_eq!(Share::default().permille(), 0);
    assert_eq!(
        Share {
            verified: 3,
            total: 3,
            ..Share::default()
        }
        .percent_text(),
        "100,0%"
    );
    assert_eq!(
        weekly_points(1_000_000, 3),
        vec![1_000_000 - 14 * 86_400, 1_000_000 - 7 * 86_400, 1_000_000]
    );
}

#[test]
fn the_chart_is_plain_svg_with_a_target_line_and_escaped_text() {
    let svg = progress_chart_svg(
        "Tiến độ <xác minh>",
        &["01/09".into(), "08/09".into()],
        &[Series {
            class: "chart-guardians",
            label: "Phụ huynh".into(),
            shares: vec![
                Share {
                    verified: 0,
                    total: 4,
                    ..Share::default()
                },
                Share {
                    verified: 4,
                    total: 4,
                    ..Share::default()
                },
            ],
        }],
    );
    assert!(svg.starts_with("<svg"));
    assert!(svg.ends_with("</svg>"));
    assert!(svg.contains("chart-target"));
    assert!(svg.contains("Tiến độ &lt;xác minh&gt;"));
    assert!(svg.contains(r#"points="48,220 624,16""#), "{svg}");
    assert!(svg.contains("100,0%"));
    assert!(!svg.contains("style="), "no inline styles under the CSP");
    assert!(!svg.contains("<script"));
}
