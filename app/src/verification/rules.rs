//! Pure rules of desk verification: who a verified chip ID card links to (and what goes to a
//! clerk instead), the card's expiry proposed from the age rule (front-QR path), and the shares
//! and chart of the progress dashboard. No I/O and no clock: the server and the browser run the
//! same code, and the tests call it directly.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::people::Relation;
use crate::platform::collation::normalize_name;

// ---------------------------------------------------------------------------------------------
// Linkage

/// What the card says, as the bridge signed it and the server checked it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CardFacts {
    pub full_name: String,
    /// ISO date, when the card holds a readable one.
    pub date_of_birth: Option<String>,
    /// DG13 field 13: the holder's father and mother as the card names them.
    pub father_name: Option<String>,
    pub mother_name: Option<String>,
}

/// A person as the school's records hold them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub full_name: String,
    /// ISO date.
    pub date_of_birth: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkStatus {
    Unverified,
    Pending,
    Verified,
    Revoked,
}

impl LinkStatus {
    pub fn code(self) -> &'static str {
        match self {
            LinkStatus::Unverified => "unverified",
            LinkStatus::Pending => "pending",
            LinkStatus::Verified => "verified",
            LinkStatus::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<LinkStatus> {
        match code {
            "unverified" => Some(LinkStatus::Unverified),
            "pending" => Some(LinkStatus::Pending),
            "verified" => Some(LinkStatus::Verified),
            "revoked" => Some(LinkStatus::Revoked),
            _ => None,
        }
    }
}

/// One guardian link of the school's records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkRecord {
    pub link_id: i64,
    pub student_id: i64,
    pub relation: Relation,
    pub status: LinkStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardianRecord {
    pub person: PersonRecord,
    pub links: Vec<LinkRecord>,
}

/// Records of the school whose ID number is the card's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolderRecords {
    pub student: Option<PersonRecord>,
    pub guardian: Option<PersonRecord>,
    pub staff: Option<PersonRecord>,
}

/// The person who scanned the QR code and logged in with VNeID.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Claimant {
    /// Their VNeID ID number is the card's.
    pub is_card_holder: bool,
    /// The name VNeID vouches for.
    pub vneid_name: Option<String>,
    /// Their guardian record in this school, with its links.
    pub guardian: Option<GuardianRecord>,
    /// Their staff record in this school.
    pub staff: Option<PersonRecord>,
}

/// Why a link was verified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LinkBasis {
    /// The card's ID number is the guardian's on record (and the card holder claimed it).
    OwnCard,
    /// The child's card names the parent, and VNeID and the record carry that name.
    ChildCardNamesParent,
}

impl LinkBasis {
    pub fn code(self) -> &'static str {
        match self {
            LinkBasis::OwnCard => "own_card",
            LinkBasis::ChildCardNamesParent => "child_card_names_parent",
        }
    }
}

/// Why a clerk has to decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReviewReason {
    /// The card's name or date of birth differs from the guardian's or staff record.
    RecordDiffers,
    /// The child's card differs from the student's record.
    StudentRecordDiffers,
    /// VNeID sent no name to compare with the card.
    NoVneidName,
    /// The card names the claimant as a parent, but the records do not link them to the child.
    NoLinkOnRecord,
    /// The card names the claimant as the other parent than the records say.
    RelationDiffers,
    /// The records link the claimant as a (non-parent) guardian; the card names parents only.
    RelationNotOnCard,
    /// The card names no father (or mother) where the records have one.
    ParentNotOnCard,
    /// The card names someone else where the records have the claimant.
    NameDiffers,
    /// The school revoked the link; only a clerk can restore it.
    LinkRevoked,
}

impl ReviewReason {
    pub const ALL: [ReviewReason; 9] = [
        ReviewReason::RecordDiffers,
        ReviewReason::StudentRecordDiffers,
        ReviewReason::NoVneidName,
        ReviewReason::NoLinkOnRecord,
        ReviewReason::RelationDiffers,
        ReviewReason::RelationNotOnCard,
        ReviewReason::ParentNotOnCard,
        ReviewReason::NameDiffers,
        ReviewReason::LinkRevoked,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ReviewReason::RecordDiffers => "record_differs",
            ReviewReason::StudentRecordDiffers => "student_record_differs",
            ReviewReason::NoVneidName => "no_vneid_name",
            ReviewReason::NoLinkOnRecord => "no_link_on_record",
            ReviewReason::RelationDiffers => "relation_differs",
            ReviewReason::RelationNotOnCard => "relation_not_on_card",
            ReviewReason::ParentNotOnCard => "parent_not_on_card",
            ReviewReason::NameDiffers => "name_differs",
            ReviewReason::LinkRevoked => "link_revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<ReviewReason> {
        ReviewReason::ALL.into_iter().find(|r| r.code() == code)
    }
}

/// Why nothing at all happens (the claim is refused; the QR code stays usable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// Someone else's card: only its holder, or a parent it names, can claim it.
    CardOfAnotherPerson,
    /// The card's ID number is in no record of this school.
    CardNotInRecords,
    /// The card is a child's, and the claimant is not a guardian of this school.
    NotAGuardian,
    /// The child's card does not name the claimant, and no record links them.
    NotNamedOnCard,
    /// The claimant's own card, but they have no guardian or staff record here.
    NothingToLink,
}

/// A link the claim verifies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyLink {
    pub link_id: i64,
    pub student_id: i64,
    pub basis: LinkBasis,
}

/// Something a clerk decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewProposal {
    pub reason: ReviewReason,
    pub guardian_id: Option<i64>,
    pub student_id: Option<i64>,
    pub staff_id: Option<i64>,
    /// The link in question, when the records have one.
    pub link_id: Option<i64>,
    /// For a missing link: the relation the card gives.
    pub proposed_relation: Option<Relation>,
}

/// What a claim does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Linkage {
    pub verify: Vec<VerifyLink>,
    pub reviews: Vec<ReviewProposal>,
    /// The claimant's staff record, verified by their own card.
    pub verify_staff: Option<i64>,
    /// Links that were verified already (nothing changes).
    pub already_verified: Vec<i64>,
}

impl Linkage {
    /// `verified` when something was verified, else `review` when a clerk must decide, else
    /// `nothing`.
    pub fn outcome(&self) -> &'static str {
        if !self.verify.is_empty() || self.verify_staff.is_some() {
            "verified"
        } else if !self.reviews.is_empty() {
            "review"
        } else {
            "nothing"
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Apply(Linkage),
    Refuse(Refusal),
}

/// Two names are the same person's when they are equal after Unicode normalisation, spacing and
/// case, with every diacritic kept ("Hùng" and "Hưng" are different people).
pub fn same_name(a: &str, b: &str) -> bool {
    let a = normalize_name(a).to_lowercase();
    let b = normalize_name(b).to_lowercase();
    !a.is_empty() && a == b
}

/// The card and a record describe the same person: same name, and the same date of birth when
/// both have one.
pub fn card_matches_record(card: &CardFacts, record: &PersonRecord) -> bool {
    let birth_ok = match (&card.date_of_birth, &record.date_of_birth) {
        (Some(card), Some(record)) => card == record,
        _ => true,
    };
    same_name(&card.full_name, &record.full_name) && birth_ok
}

/// The linkage decision. Links are verified only on the two rules of the school (the card is the
/// guardian's own; or the child's card names the parent and VNeID and the record agree); every
/// doubt goes to the review queue; nothing is ever linked on a guess.
pub fn decide(card: &CardFacts, holder: &HolderRecords, claimant: &Claimant) -> Decision {
    if claimant.is_card_holder {
        own_card(card, claimant)
    } else if let Some(child) = &holder.student {
        child_card(card, child, claimant)
    } else if holder.guardian.is_some() || holder.staff.is_some() {
        Decision::Refuse(Refusal::CardOfAnotherPerson)
    } else {
        Decision::Refuse(Refusal::CardNotInRecords)
    }
}

fn own_card(card: &CardFacts, claimant: &Claimant) -> Decision {
    if claimant.guardian.is_none() && claimant.staff.is_none() {
        return Decision::Refuse(Refusal::NothingToLink);
    }
    let mut linkage = Linkage::default();
    if let Some(guardian) = &claimant.guardian {
        let matches = card_matches_record(card, &guardian.person);
        for link in &guardian.links {
            match link.status {
                LinkStatus::Verified => linkage.already_verified.push(link.link_id),
                LinkStatus::Revoked => {}
                LinkStatus::Unverified | LinkStatus::Pending if matches => {
                    linkage.verify.push(VerifyLink {
                        link_id: link.link_id,
                        student_id: link.student_id,
                        basis: LinkBasis::OwnCard,
                    })
                }
                LinkStatus::Unverified | LinkStatus::Pending => {
                    linkage.reviews.push(ReviewProposal {
                        reason: ReviewReason::RecordDiffers,
                        guardian_id: Some(guardian.person.id),
                        student_id: Some(link.student_id),
                        staff_id: None,
                        link_id: Some(link.link_id),
                        proposed_relation: None,
                    })
                }
            }
        }
    }
    if let Some(staff) = &claimant.staff {
        if card_matches_record(card, staff) {
            linkage.verify_staff = Some(staff.id);
        } else {
            linkage.reviews.push(ReviewProposal {
                reason: ReviewReason::RecordDiffers,
                guardian_id: None,
                student_id: None,
                staff_id: Some(staff.id),
                link_id: None,
                proposed_relation: None,
            });
        }
    }
    Decision::Apply(linkage)
}

/// The relation the card gives the claimant: father, mother, or none (or both, which is a doubt).
fn named_relation(card: &CardFacts, name: &str) -> Option<Relation> {
    let father = card
        .father_name
        .as_deref()
        .is_some_and(|f| same_name(f, name));
    let mother = card
        .mother_name
        .as_deref()
        .is_some_and(|m| same_name(m, name));
    match (father, mother) {
        (true, false) => Some(Relation::Father),
        (false, true) => Some(Relation::Mother),
        _ => None,
    }
}

fn child_card(card: &CardFacts, child: &PersonRecord, claimant: &Claimant) -> Decision {
    let Some(guardian) = &claimant.guardian else {
        return Decision::Refuse(Refusal::NotAGuardian);
    };
    let link = guardian.links.iter().find(|l| l.student_id == child.id);
    let review = |reason: ReviewReason, link: Option<&LinkRecord>, relation: Option<Relation>| {
        Decision::Apply(Linkage {
            reviews: vec![ReviewProposal {
                reason,
                guardian_id: Some(guardian.person.id),
                student_id: Some(child.id),
                staff_id: None,
                link_id: link.map(|l| l.link_id),
                proposed_relation: relation,
            }],
            ..Linkage::default()
        })
    };
    let Some(vneid_name) = claimant.vneid_name.as_deref() else {
        return match link {
            Some(link) if link.status == LinkStatus::Verified => already(link),
            _ => review(ReviewReason::NoVneidName, link, None),
        };
    };
    let relation_on_card = named_relation(card, vneid_name);
    let Some(link) = link else {
        return match relation_on_card {
            Some(relation) => review(ReviewReason::NoLinkOnRecord, None, Some(relation)),
            None => Decision::Refuse(Refusal::NotNamedOnCard),
        };
    };
    match link.status {
        LinkStatus::Verified => return already(link),
        LinkStatus::Revoked => return review(ReviewReason::LinkRevoked, Some(link), None),
        LinkStatus::Unverified | LinkStatus::Pending => {}
    }
    if !card_matches_record(card, child) {
        return review(ReviewReason::StudentRecordDiffers, Some(link), None);
    }
    let named = match link.relation {
        Relation::Father => card.father_name.as_deref(),
        Relation::Mother => card.mother_name.as_deref(),
        Relation::Guardian => {
            return review(
                ReviewReason::RelationNotOnCard,
                Some(link),
                relation_on_card,
            );
        }
    };
    let Some(named) = named else {
        return review(ReviewReason::ParentNotOnCard, Some(link), None);
    };
    if !same_name(named, vneid_name) {
        return match relation_on_card {
            Some(other) => review(ReviewReason::RelationDiffers, Some(link), Some(other)),
            None => review(ReviewReason::NameDiffers, Some(link), None),
        };
    }
    if !same_name(vneid_name, &guardian.person.full_name) {
        return review(ReviewReason::RecordDiffers, Some(link), None);
    }
    Decision::Apply(Linkage {
        verify: vec![VerifyLink {
            link_id: link.link_id,
            student_id: child.id,
            basis: LinkBasis::ChildCardNamesParent,
        }],
        ..Linkage::default()
    })
}

fn already(link: &LinkRecord) -> Decision {
    Decision::Apply(Linkage {
        already_verified: vec![link.link_id],
        ..Linkage::default()
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the card at the desk

/// The card's expiry, as the age rule gives it: the birthday at 25, 40 or 60, the next one when
/// the card was issued within the two years before a milestone; none after 60 (Luật Căn cước
/// công dân 2014, art. 21). The clerk confirms or corrects it.
pub fn propose_expiry(date_of_birth: Date, issue_date: Date) -> Option<Date> {
    for age in [25, 40, 60] {
        let milestone = add_years(date_of_birth, age)?;
        let grace_start = add_years(date_of_birth, age - 2)?;
        if issue_date < grace_start {
            return Some(milestone);
        }
    }
    None
}

fn add_years(date: Date, years: i32) -> Option<Date> {
    let year = date.year() + years;
    Date::from_calendar_date(year, date.month(), date.day())
        .or_else(|_| Date::from_calendar_date(year, date.month(), date.day() - 1))
        .ok()
}

/// The fields of the front QR code the desk uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontQr {
    pub personal_id: String,
    pub full_name: String,
    pub date_of_birth: Date,
    pub issue_date: Date,
}

/// `ID|old ID|name|ddmmyyyy|sex|address|issue ddmmyyyy` (the QR on the card's front).
pub fn parse_front_qr(text: &str) -> Option<FrontQr> {
    let fields: Vec<&str> = text.trim().split('|').map(str::trim).collect();
    if fields.len() < 7 {
        return None;
    }
    let personal_id = fields[0];
    if personal_id.len() != 12 || !personal_id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let date = |text: &str| {
        if text.len() != 8 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let day: u8 = text[0..2].parse().ok()?;
        let month: u8 = text[2..4].parse().ok()?;
        let year: i32 = text[4..8].parse().ok()?;
        Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
    };
    Some(FrontQr {
        personal_id: personal_id.to_string(),
        full_name: normalize_name(fields[2]),
        date_of_birth: date(fields[3])?,
        issue_date: date(fields[6])?,
    })
}

/// YYMMDD, the form MRZ dates (and the bridge's QR access) take.
pub fn yymmdd(date: Date) -> String {
    format!(
        "{:02}{:02}{:02}",
        date.year().rem_euclid(100),
        u8::from(date.month()),
        date.day()
    )
}

/// The three MRZ lines as typed or scanned: upper case, `<` kept, everything else dropped, so a
/// scanner's line breaks or a clerk's spaces do not matter. 90 characters when complete.
pub fn clean_mrz(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '<')
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// "0010••••2345": enough for a clerk to compare with the card in hand.
pub fn mask_personal_id(id: &str) -> String {
    if id.len() == 12 && id.is_ascii() {
        format!("{}••••{}", &id[..4], &id[8..])
    } else {
        "••••".to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Progress

/// How someone was verified: logging in with VNeID, their chip ID card read at the desk, or a
/// clerk's decision (the review queue, or a teacher checked in person).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBy {
    Vneid,
    DeskCard,
    Clerk,
}

impl VerifiedBy {
    /// The `verified_method` / `method` column's code; unknown codes count as a clerk's.
    pub fn from_code(code: &str) -> VerifiedBy {
        match code {
            "vneid" => VerifiedBy::Vneid,
            "desk_card" => VerifiedBy::DeskCard,
            _ => VerifiedBy::Clerk,
        }
    }
}

/// Someone the dashboard counts: when they entered the records and when (if) they were
/// verified, and how (their latest verification's way).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracked {
    pub since: i64,
    pub verified_at: Option<i64>,
    pub method: Option<VerifiedBy>,
}

/// Verified and total counts at one moment, and how many of the verified came through VNeID and
/// through the desk's card check (the plan reports both).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub verified: i64,
    pub total: i64,
    #[serde(default)]
    pub by_vneid: i64,
    #[serde(default)]
    pub by_desk_card: i64,
}

impl Share {
    pub fn at(items: &[Tracked], moment: i64) -> Share {
        let mut share = Share::default();
        for item in items.iter().filter(|i| i.since <= moment) {
            share.total += 1;
            if item.verified_at.is_some_and(|at| at <= moment) {
                share.verified += 1;
                match item.method {
                    Some(VerifiedBy::Vneid) => share.by_vneid += 1,
                    Some(VerifiedBy::DeskCard) => share.by_desk_card += 1,
                    _ => {}
                }
            }
        }
        share
    }

    /// Tenths of a percent, rounded down (so 100% means every single one).
    pub fn permille(self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.verified * 1000 / self.total
        }
    }

    /// "87,5%": Vietnamese decimal comma.
    pub fn percent_text(self) -> String {
        let p = self.permille();
        format!("{},{}%", p / 10, p % 10)
    }
}

/// The ends of `weeks` weeks up to `now` (oldest first).
pub fn weekly_points(now: i64, weeks: i64) -> Vec<i64> {
    (0..weeks.max(1))
        .rev()
        .map(|back| now - back * 7 * 86_400)
        .collect()
}

/// A line of the chart: a name for the legend's CSS class and its shares over time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Series {
    pub class: &'static str,
    pub label: String,
    pub shares: Vec<Share>,
}

const CHART_W: i64 = 640;
const CHART_H: i64 = 260;
const LEFT: i64 = 48;
const RIGHT: i64 = 16;
const TOP: i64 = 16;
const BOTTOM: i64 = 40;

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The progress chart as SVG (rendered on the server; no script, no inline style): one line per
/// series, the 100% target dashed, the date of each point below. `labels` are the x-axis texts.
pub fn progress_chart_svg(title: &str, labels: &[String], series: &[Series]) -> String {
    let plot_w = CHART_W - LEFT - RIGHT;
    let plot_h = CHART_H - TOP - BOTTOM;
    let points = labels.len().max(1) as i64;
    let x = |i: usize| {
        LEFT + if points > 1 {
            i as i64 * plot_w / (points - 1)
        } else {
            plot_w / 2
        }
    };
    let y = |permille: i64| TOP + plot_h - permille.clamp(0, 1000) * plot_h / 1000;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="progress-chart" viewBox="0 0 {CHART_W} {CHART_H}" role="img" aria-label="{}">"#,
        escape_xml(title)
    );
    svg.push_str(&format!("<title>{}</title>", escape_xml(title)));
    for tick in [0, 250, 500, 750, 1000] {
        svg.push_str(&format!(
            r#"<line class="chart-grid" x1="{LEFT}" x2="{}" y1="{y}" y2="{y}"/><text class="chart-axis" x="{}" y="{}" text-anchor="end">{}%</text>"#,
            LEFT + plot_w,
            LEFT - 6,
            y(tick) + 4,
            tick / 10,
            y = y(tick),
        ));
    }
    svg.push_str(&format!(
        r#"<line class="chart-target" x1="{LEFT}" x2="{}" y1="{y}" y2="{y}"/>"#,
        LEFT + plot_w,
        y = y(1000)
    ));
    let step = (labels.len() / 6).max(1);
    for (i, label) in labels.iter().enumerate() {
        if i % step == 0 || i + 1 == labels.len() {
            svg.push_str(&format!(
                r#"<text class="chart-axis" x="{}" y="{}" text-anchor="middle">{}</text>"#,
                x(i),
                CHART_H - BOTTOM + 18,
                escape_xml(label)
            ));
        }
    }
    for line in series {
        let coords: Vec<String> = line
            .shares
            .iter()
            .enumerate()
            .map(|(i, share)| format!("{},{}", x(i), y(share.permille())))
            .collect();
        svg.push_str(&format!(
            r#"<polyline class="chart-line {}" points="{}"><title>{}</title></polyline>"#,
            line.class,
            coords.join(" "),
            escape_xml(&line.label)
        ));
        if let (Some(last), Some(share)) = (coords.last(), line.shares.last()) {
            let (cx, cy) = last.split_once(',').unwrap_or(("0", "0"));
            svg.push_str(&format!(
                r#"<circle class="chart-dot {}" cx="{cx}" cy="{cy}" r="4"><title>{} {}</title></circle>"#,
                line.class,
                escape_xml(&line.label),
                share.percent_text()
            ));
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests;
