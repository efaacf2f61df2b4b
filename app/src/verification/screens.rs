//! Screens of desk verification: the clerk's desk page (tablet or desktop), the parent's claim
//! page (phone), the review queue, the admin's bridges page, the progress dashboard, and the
//! guardian's link history and the office's links on the start screens.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    bridges_overview, claim_handoff, claim_preview, create_pairing_code, desk_challenge,
    desk_context, desk_submit, handoff_status, my_link_history, new_handoff, resolve_review,
    review_queue, revoke_bridge, set_desk_face_image, verification_follow_up,
    verification_progress,
};
use super::rules::{self, ReviewReason};
use super::{ClaimResult, DeskOutcome, HandoffState, HandoffTicket, ProgressView, format_time};
use crate::i18n::{Lang, Translate, use_i18n};
use crate::identity::PersonaKind;
use crate::identity::screens::use_current_user;
use crate::people::StaffRole;
use crate::platform::error::AppError;
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum DeskText {
        DeskTitle => ("Bàn xác minh thẻ căn cước", "ID card desk"),
        DeskIntro => (
            "Đặt thẻ căn cước gắn chip lên đầu đọc, nhập ba dòng MRZ ở mặt sau (hoặc quét mã QR mặt trước), rồi bấm Đọc thẻ.",
            "Put the chip ID card on the reader, type the three MRZ lines from its back (or scan the front QR code), then press Read the card."
        ),
        BridgeTitle => ("Máy đọc thẻ (pcsc-bridge)", "Card reader (pcsc-bridge)"),
        BridgeChecking => ("Đang kiểm tra máy đọc…", "Checking the reader…"),
        BridgeUnreachable => (
            "Không kết nối được pcsc-bridge trên máy này. Kiểm tra dịch vụ pcsc-bridge đang chạy, rồi bấm Kiểm tra lại.",
            "pcsc-bridge on this computer cannot be reached. Check that the pcsc-bridge service runs, then press Check again."
        ),
        BridgeReady => ("Sẵn sàng", "Ready"),
        BridgeUnpaired => (
            "pcsc-bridge chưa được ghép nối với trường. Nhập mã ghép nối do quản trị trường cấp.",
            "pcsc-bridge is not paired with the school. Enter the pairing code the school admin made."
        ),
        CheckAgain => ("Kiểm tra lại", "Check again"),
        Reader => ("Đầu đọc", "Reader"),
        NoReader => ("chưa thấy đầu đọc", "no reader found"),
        CardPresent => ("có thẻ trên đầu đọc", "a card is on the reader"),
        CardAbsent => ("chưa có thẻ", "no card yet"),
        TrustedCsca => ("chứng thư CSCA tin cậy", "trusted CSCA certificates"),
        PairingCode => ("Mã ghép nối", "Pairing code"),
        DeskName => ("Tên bàn (ví dụ: Văn phòng – bàn 1)", "Desk name (e.g. Office – desk 1)"),
        Pair => ("Ghép nối", "Pair"),
        Paired => ("Đã ghép nối với trường.", "Paired with the school."),
        NoActiveBridge => (
            "Trường chưa có máy đọc thẻ nào được ghép nối.",
            "The school has no paired card reader yet."
        ),
        ReadTitle => ("Đọc thẻ", "Read a card"),
        ModeMrz => ("Dòng MRZ (mặt sau)", "MRZ (back)"),
        ModeQr => ("Mã QR (mặt trước)", "QR code (front)"),
        MrzLabel => ("Ba dòng MRZ ở mặt sau thẻ (gõ hoặc quét)", "The three MRZ lines on the back (typed or scanned)"),
        QrLabel => ("Nội dung mã QR ở mặt trước (quét bằng máy quét)", "The front QR code's text (scanned)"),
        ExpiryLabel => (
            "Ngày hết hạn in trên thẻ (dd/mm/yyyy; đề xuất theo tuổi, sửa nếu khác)",
            "Expiry printed on the card (dd/mm/yyyy; proposed from the age rule, correct it if it differs)"
        ),
        ReadCard => ("Đọc thẻ", "Read the card"),
        Reading => ("Đang đọc chip… giữ thẻ trên đầu đọc.", "Reading the chip… keep the card on the reader."),
        InputIncomplete => (
            "Dữ liệu nhập chưa đủ: MRZ cần đủ 90 ký tự; với mã QR cần ngày hết hạn hợp lệ.",
            "The input is incomplete: the MRZ needs all 90 characters; the QR path needs a valid expiry date."
        ),
        ResultTitle => ("Kết quả xác minh", "Verification result"),
        Authentic => (
            "Chip hợp lệ: dữ liệu do cơ quan cấp ký số, máy đọc của trường đã ký kết quả.",
            "Genuine chip: the data is signed by the issuer, and the school's reader signed the result."
        ),
        FullName => ("Họ và tên", "Full name"),
        BornOn => ("Ngày sinh", "Date of birth"),
        IdNumber => ("Số định danh", "ID number"),
        Father => ("Cha", "Father"),
        Mother => ("Mẹ", "Mother"),
        ReadAt => ("Đọc lúc", "Read at"),
        Desk => ("Bàn", "Desk"),
        Photo => ("Ảnh trên chip", "Photo from the chip"),
        PhotoUnavailable => ("Chip không có ảnh trình duyệt hiển thị được.", "The chip has no photo this browser can show."),
        ChecksTitle => ("Các bước kiểm tra", "Checks"),
        RecordsTitle => ("Đối chiếu hồ sơ nhà trường", "The school's records"),
        NoRecords => (
            "Không có hồ sơ nào của trường mang số định danh này.",
            "No record of the school carries this ID number."
        ),
        KindGuardian => ("Phụ huynh", "Guardian"),
        KindStudent => ("Học sinh", "Student"),
        KindStaff => ("Cán bộ, giáo viên", "Staff"),
        RecordAgrees => ("Họ tên, ngày sinh khớp hồ sơ", "Name and date of birth match the record"),
        RecordDiffers => (
            "Họ tên hoặc ngày sinh khác hồ sơ: liên kết sẽ chờ văn thư duyệt",
            "Name or date of birth differ from the record: links will wait for a clerk's review"
        ),
        QrTitle => ("Phụ huynh quét mã này bằng điện thoại", "The parent scans this code with their phone"),
        QrHelp => (
            "Đăng nhập VNeID trên điện thoại rồi bấm Xác nhận. Mã dùng một lần, hết hạn lúc",
            "Log in with VNeID on the phone, then press Confirm. The code works once and expires at"
        ),
        Waiting => ("Đang chờ phụ huynh quét mã…", "Waiting for the parent to scan…"),
        ClaimedBy => ("Đã nhận trên điện thoại của", "Claimed on the phone of"),
        Expired => ("Mã đã hết hạn.", "The code has expired."),
        NewCode => ("Tạo mã mới", "New code"),
        ReadAnother => ("Đọc thẻ khác", "Read another card"),
        OutcomeVerified => ("Liên kết đã được xác minh.", "The links are verified."),
        OutcomeReview => ("Đã chuyển văn thư duyệt.", "Sent to the clerk's review queue."),
        OutcomeNothing => ("Không có liên kết nào thay đổi.", "No link changed."),
        StatusUnverified => ("chưa xác minh", "not verified"),
        StatusPending => ("chờ duyệt", "waiting for review"),
        StatusVerified => ("đã xác minh", "verified"),
        StatusRevoked => ("đã thu hồi", "revoked"),
        RelFather => ("cha", "father"),
        RelMother => ("mẹ", "mother"),
        RelGuardian => ("người giám hộ", "guardian"),
        CheckDg1 => ("Dữ liệu MRZ (DG1) khớp chữ ký", "MRZ data (DG1) matches the signature"),
        CheckDg2 => ("Ảnh (DG2) khớp chữ ký", "Photo (DG2) matches the signature"),
        CheckDg13 => ("Thông tin cá nhân (DG13) khớp chữ ký", "Personal data (DG13) matches the signature"),
        CheckDigest => ("Bản tóm lược được ký khớp", "Signed digest matches"),
        CheckSignature => ("Chữ ký của cơ quan cấp (SOD) đúng", "The issuer's signature (SOD) is valid"),
        CheckChain => ("Chứng thư ký thuộc CSCA tin cậy", "The signer chains to a trusted CSCA"),
        CheckSignerValid => ("Chứng thư ký còn hiệu lực", "The signer certificate is valid"),
        CheckCscaValid => ("Chứng thư CSCA còn hiệu lực", "The CSCA certificate is valid"),
        ClaimTitle => ("Nhận kết quả xác minh thẻ căn cước", "Receive your ID card verification"),
        ClaimLogin => (
            "Văn phòng trường vừa đọc một thẻ căn cước. Đăng nhập bằng VNeID để gắn kết quả này vào tài khoản của bạn.",
            "The school office just read an ID card. Log in with VNeID to attach this result to your account."
        ),
        LogInVneid => ("Đăng nhập bằng VNeID", "Log in with VNeID"),
        ClaimIntro => ("Văn phòng trường vừa xác minh thẻ căn cước của", "The school office just verified the ID card of"),
        ClaimAt => ("tại", "at"),
        ClaimExplain => (
            "Bấm Xác nhận để liên kết của bạn với con được xác minh (ai xác minh, ở đâu, khi nào đều được ghi lại).",
            "Press Confirm to have your links to your children verified (who, where and when are recorded)."
        ),
        Confirm => ("Xác nhận", "Confirm"),
        ClaimVerified => ("Đã xác minh liên kết với:", "Your link is now verified with:"),
        ClaimStaffVerified => ("Hồ sơ cán bộ của bạn đã được xác minh.", "Your staff record is verified."),
        ClaimReview => (
            "Một số thông tin chưa khớp hồ sơ: văn thư sẽ kiểm tra và xác minh giúp bạn.",
            "Some details do not match the records: a clerk will check them and verify for you."
        ),
        ClaimNothing => ("Các liên kết của bạn đã được xác minh từ trước.", "Your links were already verified."),
        GoToChildren => ("Xem con của tôi", "See my children"),
        ReviewsTitle => ("Hàng chờ duyệt xác minh", "Verification review queue"),
        NoReviews => ("Không có mục nào chờ duyệt.", "Nothing waits for review."),
        Approve => ("Duyệt (xác minh)", "Approve (verify)"),
        Reject => ("Từ chối", "Reject"),
        Note => ("Ghi chú", "Note"),
        CardSays => ("Thẻ ghi", "The card says"),
        RecordSays => ("Hồ sơ", "Records"),
        ClaimedByShort => ("Người nhận", "Claimed by"),
        ProposedRelation => ("Quan hệ theo thẻ", "Relation on the card"),
        ReasonRecordDiffers => ("Họ tên hoặc ngày sinh trên thẻ khác hồ sơ", "The card's name or date of birth differ from the record"),
        ReasonStudentRecordDiffers => ("Thẻ của học sinh khác hồ sơ học sinh", "The child's card differs from the student's record"),
        ReasonNoVneidName => ("VNeID không gửi họ tên để đối chiếu", "VNeID sent no name to compare"),
        ReasonNoLinkOnRecord => ("Thẻ ghi tên phụ huynh nhưng hồ sơ chưa có liên kết", "The card names the parent but the records have no link"),
        ReasonRelationDiffers => ("Thẻ ghi quan hệ khác hồ sơ (cha/mẹ)", "The card gives another relation (father/mother) than the records"),
        ReasonRelationNotOnCard => ("Hồ sơ ghi người giám hộ; thẻ chỉ ghi cha mẹ", "The records say guardian; the card names parents only"),
        ReasonParentNotOnCard => ("Thẻ không ghi tên cha/mẹ này", "The card does not name this parent"),
        ReasonNameDiffers => ("Thẻ ghi tên người khác", "The card names someone else"),
        ReasonLinkRevoked => ("Liên kết đã bị trường thu hồi", "The school revoked this link"),
        BridgesTitle => ("Máy đọc thẻ của trường", "The school's card readers"),
        BridgesIntro => (
            "Mỗi máy tính ở bàn văn phòng chạy pcsc-bridge. Tạo một mã ghép nối, nhập mã trên trang Bàn xác minh của máy đó. Thu hồi máy bị mất hoặc không dùng nữa.",
            "Each office desk computer runs pcsc-bridge. Make a pairing code and enter it on that computer's desk page. Revoke a reader that is lost or no longer used."
        ),
        MakeCode => ("Tạo mã ghép nối", "Make a pairing code"),
        CodeShownOnce => (
            "Mã chỉ hiện một lần, dùng một lần, hết hạn lúc",
            "Shown once, works once, expires at"
        ),
        NoBridges => ("Chưa có máy đọc nào.", "No readers yet."),
        PairedAt => ("Ghép nối", "Paired"),
        LastUsed => ("Dùng lần cuối", "Last used"),
        Revoke => ("Thu hồi", "Revoke"),
        RevokedAt => ("Đã thu hồi", "Revoked"),
        FaceImage => ("Đọc, hiển thị và lưu ảnh chân dung trên chip (DG2)", "Read, show and keep the chip's face image (DG2)"),
        FaceImageNote => (
            "Ảnh khuôn mặt là dữ liệu cá nhân nhạy cảm: chỉ bật khi nhà trường cần.",
            "Face images are sensitive personal data: turn this on only if the school needs it."
        ),
        BridgeUrl => ("Trang bàn xác minh gọi pcsc-bridge tại", "The desk page calls pcsc-bridge at"),
        OpenCodes => ("mã ghép nối còn hiệu lực", "pairing codes still valid"),
        ProgressTitle => ("Tiến độ xác minh", "Verification progress"),
        ProgressIntro => (
            "Tỉ lệ phụ huynh và giáo viên đã xác minh danh tính; mục tiêu là 100%.",
            "Share of guardians and teachers with a verified identity; the target is 100%."
        ),
        Guardians => ("Phụ huynh", "Guardians"),
        Teachers => ("Giáo viên", "Teachers"),
        TargetLine => ("Đường nét đứt: mục tiêu 100%", "Dashed line: the 100% target"),
        ClassCol => ("Lớp", "Class"),
        SchoolCol => ("Trường", "School"),
        Total => ("Cộng", "Total"),
        HistoryTitle => ("Lịch sử liên kết với con", "History of your links to your children"),
        NoHistory => ("Chưa có thay đổi nào.", "No changes yet."),
        MethodVneid => ("qua VNeID", "through VNeID"),
        MethodDeskCard => ("bằng thẻ căn cước tại văn phòng", "with the ID card at the office"),
        MethodClerk => ("do văn thư duyệt", "by a clerk's review"),
        HiddenChild => ("(tên hiện khi liên kết được xác minh)", "(name shown once the link is verified)"),
        VerifiedBy => ("người xác minh", "verified by"),
        OfficeTitle => ("Xác minh phụ huynh", "Guardian verification"),
        DeskLink => ("Bàn xác minh thẻ căn cước", "ID card desk"),
        ReviewsLink => ("Hàng chờ duyệt", "Review queue"),
        BridgesLink => ("Máy đọc thẻ", "Card readers"),
        ProgressLink => ("Tiến độ xác minh", "Verification progress"),
        FollowUpTitle => ("Ai chưa xác thực", "Who is not verified yet"),
        FollowUpIntro => (
            "Danh sách để liên hệ: phụ huynh chưa xác thực (kèm tên con và số điện thoại) và giáo viên chưa xác thực. In ra hoặc tải Excel.",
            "A list to call: guardians not verified yet (with their child and phone number) and teachers not verified yet. Print it or download it as Excel."
        ),
        FollowUpSchool => ("Danh sách chưa xác thực của cả trường", "The whole school's list of those not verified"),
        FollowUpCount => ("người chưa xác thực", "people not verified"),
        NobodyMissing => ("Tất cả đã xác thực.", "Everyone is verified."),
        Print => ("In danh sách", "Print the list"),
        Excel => ("Tải Excel", "Download Excel"),
        FollowUpLink => ("Phụ huynh chưa xác thực", "Guardians not verified"),
        ByCard => ("thẻ CCCD", "ID card"),
    }
}

fn status_text(status: &str) -> DeskText {
    match status {
        "verified" => DeskText::StatusVerified,
        "pending" => DeskText::StatusPending,
        "revoked" => DeskText::StatusRevoked,
        _ => DeskText::StatusUnverified,
    }
}

fn relation_text(relation: &str) -> DeskText {
    match relation {
        "father" => DeskText::RelFather,
        "mother" => DeskText::RelMother,
        _ => DeskText::RelGuardian,
    }
}

fn check_text(code: &str) -> Option<DeskText> {
    Some(match code {
        "data_group_1" => DeskText::CheckDg1,
        "data_group_2" => DeskText::CheckDg2,
        "data_group_13" => DeskText::CheckDg13,
        "signed_content_digest" => DeskText::CheckDigest,
        "sod_signature" => DeskText::CheckSignature,
        "chain_to_trusted_csca" => DeskText::CheckChain,
        "document_signer_validity" => DeskText::CheckSignerValid,
        "csca_validity" => DeskText::CheckCscaValid,
        _ => return None,
    })
}

fn reason_text(reason: ReviewReason) -> DeskText {
    match reason {
        ReviewReason::RecordDiffers => DeskText::ReasonRecordDiffers,
        ReviewReason::StudentRecordDiffers => DeskText::ReasonStudentRecordDiffers,
        ReviewReason::NoVneidName => DeskText::ReasonNoVneidName,
        ReviewReason::NoLinkOnRecord => DeskText::ReasonNoLinkOnRecord,
        ReviewReason::RelationDiffers => DeskText::ReasonRelationDiffers,
        ReviewReason::RelationNotOnCard => DeskText::ReasonRelationNotOnCard,
        ReviewReason::ParentNotOnCard => DeskText::ReasonParentNotOnCard,
        ReviewReason::NameDiffers => DeskText::ReasonNameDiffers,
        ReviewReason::LinkRevoked => DeskText::ReasonLinkRevoked,
    }
}

// ---------------------------------------------------------------------------------------------
// The desk page

/// Why a read did not give a result.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum ReadFailure {
    /// The server refused (bad signature, used challenge, card not authentic…).
    Server(AppError),
    /// The bridge answered with its own error (wrong MRZ, no card…): its code and both texts.
    Bridge {
        code: String,
        vi: String,
        en: String,
    },
    /// The bridge could not be reached.
    Unreachable,
    /// The form is incomplete.
    Input,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl ReadFailure {
    fn from_bridge(body: &str) -> ReadFailure {
        let value: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
        let text = |key: &str| {
            value
                .get(key)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        ReadFailure::Bridge {
            code: text("code"),
            vi: text("message_vi"),
            en: text("message_en"),
        }
    }
}

#[component]
fn ReadFailureNotice(failure: ReadFailure) -> impl IntoView {
    let i18n = use_i18n();
    match failure {
        ReadFailure::Server(error) => view! { <ErrorNotice error /> }.into_any(),
        ReadFailure::Bridge { code, vi, en } => view! {
            <div class="notice notice-error" role="alert" data-bridge-error=code>
                <p lang="vi">{vi}</p>
                <p lang="en" class="secondary">{en}</p>
            </div>
        }
        .into_any(),
        ReadFailure::Unreachable => view! {
            <div class="notice notice-error" role="alert" data-bridge-error="unreachable">
                <p lang="vi">{DeskText::BridgeUnreachable.text(Lang::Vi)}</p>
                <p lang="en" class="secondary">{DeskText::BridgeUnreachable.text(Lang::En)}</p>
            </div>
        }
        .into_any(),
        ReadFailure::Input => view! {
            <div class="notice notice-error" role="alert" data-bridge-error="input">
                <p>{move || i18n.t(DeskText::InputIncomplete)}</p>
            </div>
        }
        .into_any(),
    }
}

/// What the clerk entered: the bridge's `access` member.
fn access_json(mode: &str, mrz: &str, qr: &str, expiry: &str) -> Option<serde_json::Value> {
    if mode == "qr" {
        rules::parse_front_qr(qr)?;
        let expiry = crate::platform::format::parse_date(expiry)?;
        Some(serde_json::json!({
            "kind": "qr",
            "text": qr.trim(),
            "date_of_expiry": rules::yymmdd(expiry),
        }))
    } else {
        let text = rules::clean_mrz(mrz);
        (text.len() == 90).then(|| serde_json::json!({ "kind": "mrz", "text": text }))
    }
}

/// Asks the server for a challenge, the bridge for the signed card data, then the server to
/// check it. Runs in the browser (the bridge is on the clerk's computer).
async fn read_card(
    bridge_url: String,
    access: serde_json::Value,
) -> Result<DeskOutcome, ReadFailure> {
    let challenge = desk_challenge().await.map_err(ReadFailure::Server)?;
    let body = serde_json::json!({
        "challenge": challenge.challenge,
        "access": access,
        "include_face_image": challenge.include_face_image,
        "wait_seconds": 20,
    })
    .to_string();
    #[cfg(feature = "hydrate")]
    {
        let answer = super::bridge_client::call(&bridge_url, "/verify", Some(&body))
            .await
            .map_err(|_| ReadFailure::Unreachable)?;
        if answer.status != 200 {
            return Err(ReadFailure::from_bridge(&answer.body));
        }
        desk_submit(answer.body).await.map_err(ReadFailure::Server)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (bridge_url, body, desk_submit);
        Err(ReadFailure::Unreachable)
    }
}

/// The bridge's `/status`, as the desk shows it.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum BridgeView {
    Checking,
    Unreachable,
    Status(serde_json::Value),
}

async fn bridge_status(bridge_url: String) -> BridgeView {
    #[cfg(feature = "hydrate")]
    {
        match super::bridge_client::call(&bridge_url, "/status", None).await {
            Ok(answer) if answer.status == 200 => serde_json::from_str(&answer.body)
                .map(BridgeView::Status)
                .unwrap_or(BridgeView::Unreachable),
            _ => BridgeView::Unreachable,
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = bridge_url;
        BridgeView::Checking
    }
}

async fn pair_bridge(
    bridge_url: String,
    code: String,
    name: String,
) -> Result<String, ReadFailure> {
    let mut body = serde_json::json!({ "pairing_code": code.trim() });
    if !name.trim().is_empty() {
        body["bridge_name"] = serde_json::Value::from(name.trim());
    }
    #[cfg(feature = "hydrate")]
    {
        let answer = super::bridge_client::call(&bridge_url, "/pair", Some(&body.to_string()))
            .await
            .map_err(|_| ReadFailure::Unreachable)?;
        if answer.status != 200 {
            return Err(ReadFailure::from_bridge(&answer.body));
        }
        let value: serde_json::Value = serde_json::from_str(&answer.body).unwrap_or_default();
        Ok(value["bridge_id"].as_str().unwrap_or_default().to_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (bridge_url, body);
        Err(ReadFailure::Unreachable)
    }
}

#[component]
pub fn DeskPage() -> impl IntoView {
    let i18n = use_i18n();
    let context = Resource::new(|| (), |_| desk_context());
    view! {
        <Suspense fallback=|| ()>
            {move || context.get().map(|result| match result {
                Ok(context) => view! { <Desk context /> }.into_any(),
                Err(error) => view! { <section class="card"><ErrorNotice error /></section> }.into_any(),
            })}
        </Suspense>
        <p class="secondary desk-nav">
            <a href="/desk/reviews">{move || i18n.t(DeskText::ReviewsLink)}</a> " · "
            <a href="/desk/progress">{move || i18n.t(DeskText::ProgressLink)}</a>
        </p>
    }
}

#[component]
fn Desk(context: super::DeskInfo) -> impl IntoView {
    let i18n = use_i18n();
    let bridge_url = context.bridge_url.clone();
    let status = RwSignal::new(BridgeView::Checking);
    let check = {
        let bridge_url = bridge_url.clone();
        Action::new_local(move |_: &()| {
            let bridge_url = bridge_url.clone();
            async move { status.set(bridge_status(bridge_url).await) }
        })
    };
    Effect::new(move |_| {
        check.dispatch(());
    });

    let code = RwSignal::new(String::new());
    let desk_name = RwSignal::new(String::new());
    let pair = {
        let bridge_url = bridge_url.clone();
        Action::new_local(move |_: &()| {
            let bridge_url = bridge_url.clone();
            async move {
                let paired =
                    pair_bridge(bridge_url, code.get_untracked(), desk_name.get_untracked()).await;
                if paired.is_ok() {
                    check.dispatch(());
                }
                paired
            }
        })
    };

    let mode = RwSignal::new("mrz".to_string());
    let mrz = RwSignal::new(String::new());
    let qr = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    // Propose the expiry from the QR's date of birth and issue date (the clerk corrects it).
    Effect::new(move |_| {
        if let Some(front) = rules::parse_front_qr(&qr.get()) {
            let proposed = rules::propose_expiry(front.date_of_birth, front.issue_date)
                .map(crate::platform::format::format_date)
                .unwrap_or_default();
            expiry.set(proposed);
        }
    });
    let read = {
        let bridge_url = bridge_url.clone();
        Action::new_local(move |_: &()| {
            let bridge_url = bridge_url.clone();
            let access = access_json(
                &mode.get_untracked(),
                &mrz.get_untracked(),
                &qr.get_untracked(),
                &expiry.get_untracked(),
            );
            async move {
                match access {
                    Some(access) => read_card(bridge_url, access).await,
                    None => Err(ReadFailure::Input),
                }
            }
        })
    };
    let outcome = RwSignal::new(None::<DeskOutcome>);
    Effect::new(move |_| {
        if let Some(Ok(result)) = read.value().get() {
            outcome.set(Some(result));
            mrz.set(String::new());
            qr.set(String::new());
        }
    });

    let school_name = context.school_name.clone();
    let no_bridge = context.active_bridges == 0;
    view! {
        <section class="card desk" data-page="desk">
            <h1>{move || i18n.t(DeskText::DeskTitle)}</h1>
            <p class="secondary">{school_name}</p>
            {no_bridge.then(|| view! { <p class="notice">{move || i18n.t(DeskText::NoActiveBridge)}</p> })}
        </section>
        <section class="card" data-bridge-status=move || match status.get() {
            BridgeView::Checking => "checking",
            BridgeView::Unreachable => "unreachable",
            BridgeView::Status(s) if s["paired"].as_bool() == Some(true) => "ready",
            BridgeView::Status(_) => "unpaired",
        }>
            <h2>{move || i18n.t(DeskText::BridgeTitle)}</h2>
            <p class="secondary">{bridge_url.clone()}</p>
            {move || match status.get() {
                BridgeView::Checking => view! { <p>{move || i18n.t(DeskText::BridgeChecking)}</p> }.into_any(),
                BridgeView::Unreachable => view! { <ReadFailureNotice failure=ReadFailure::Unreachable /> }.into_any(),
                BridgeView::Status(s) => {
                    let paired = s["paired"].as_bool() == Some(true);
                    let reader = s["reader"].as_str().map(str::to_string);
                    let card = s["card_present"].as_bool() == Some(true);
                    let csca = s["trusted_csca_count"].as_u64().unwrap_or(0);
                    view! {
                        <p>
                            {move || if paired { i18n.t(DeskText::BridgeReady) } else { "" }} " "
                            <span class="list-meta">
                                {move || i18n.t(DeskText::Reader)} ": "
                                {reader.clone().unwrap_or_else(|| i18n.t(DeskText::NoReader).to_string())}
                                " · " {move || i18n.t(if card { DeskText::CardPresent } else { DeskText::CardAbsent })}
                                " · " {csca} " " {move || i18n.t(DeskText::TrustedCsca)}
                            </span>
                        </p>
                        {(!paired).then(|| view! {
                            <p>{move || i18n.t(DeskText::BridgeUnpaired)}</p>
                            <form class="desk-form" on:submit=move |ev| { ev.prevent_default(); pair.dispatch(()); }>
                                <label>{move || i18n.t(DeskText::PairingCode)}
                                    <input type="text" name="pairing_code" autocomplete="off" data-field="pairing-code"
                                        prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
                                </label>
                                <label>{move || i18n.t(DeskText::DeskName)}
                                    <input type="text" name="desk_name" autocomplete="off"
                                        prop:value=move || desk_name.get() on:input=move |ev| desk_name.set(event_target_value(&ev)) />
                                </label>
                                <button type="submit" class="button" data-action="pair">{move || i18n.t(DeskText::Pair)}</button>
                            </form>
                        })}
                    }.into_any()
                }
            }}
            {move || pair.value().get().map(|result| match result {
                Ok(_) => view! { <p class="notice" data-paired="true">{move || i18n.t(DeskText::Paired)}</p> }.into_any(),
                Err(failure) => view! { <ReadFailureNotice failure /> }.into_any(),
            })}
            <button type="button" class="button button-secondary" on:click=move |_| { check.dispatch(()); }>
                {move || i18n.t(DeskText::CheckAgain)}
            </button>
        </section>
        {move || match outcome.get() {
            Some(result) => view! { <DeskResult result outcome /> }.into_any(),
            None => view! {
                <section class="card">
                    <h2>{move || i18n.t(DeskText::ReadTitle)}</h2>
                    <p class="secondary">{move || i18n.t(DeskText::DeskIntro)}</p>
                    <div class="desk-tabs" role="group">
                        <button type="button" class="desk-tab" data-mode="mrz" aria-pressed=move || (mode.get() == "mrz").to_string()
                            on:click=move |_| mode.set("mrz".into())>{move || i18n.t(DeskText::ModeMrz)}</button>
                        <button type="button" class="desk-tab" data-mode="qr" aria-pressed=move || (mode.get() == "qr").to_string()
                            on:click=move |_| mode.set("qr".into())>{move || i18n.t(DeskText::ModeQr)}</button>
                    </div>
                    <form class="desk-form" on:submit=move |ev| { ev.prevent_default(); read.dispatch(()); }>
                        {move || if mode.get() == "qr" {
                            view! {
                                <label>{move || i18n.t(DeskText::QrLabel)}
                                    <input type="text" name="qr" autocomplete="off" data-field="qr"
                                        prop:value=move || qr.get() on:input=move |ev| qr.set(event_target_value(&ev)) />
                                </label>
                                <label>{move || i18n.t(DeskText::ExpiryLabel)}
                                    <input type="text" name="expiry" inputmode="numeric" autocomplete="off" data-field="expiry"
                                        prop:value=move || expiry.get() on:input=move |ev| expiry.set(event_target_value(&ev)) />
                                </label>
                            }.into_any()
                        } else {
                            view! {
                                <label>{move || i18n.t(DeskText::MrzLabel)}
                                    <textarea name="mrz" rows="3" class="mrz" spellcheck="false" autocomplete="off" data-field="mrz"
                                        prop:value=move || mrz.get() on:input=move |ev| mrz.set(event_target_value(&ev))></textarea>
                                </label>
                            }.into_any()
                        }}
                        <button type="submit" class="button button-wide" data-action="read-card" disabled=move || read.pending().get()>
                            {move || i18n.t(DeskText::ReadCard)}
                        </button>
                    </form>
                    {move || read.pending().get().then(|| view! { <p class="notice" data-reading="true">{move || i18n.t(DeskText::Reading)}</p> })}
                    {move || read.value().get().and_then(Result::err).map(|failure| view! { <ReadFailureNotice failure /> })}
                </section>
            }.into_any(),
        }}
    }
}

#[component]
fn DeskResult(result: DeskOutcome, outcome: RwSignal<Option<DeskOutcome>>) -> impl IntoView {
    let i18n = use_i18n();
    let card = result.card.clone();
    let verification_id = result.verification_id;
    let ticket = RwSignal::new(result.handoff.clone());
    let state = RwSignal::new(None::<HandoffState>);
    poll_handoff(ticket, state);
    let renew = Action::new(move |_: &()| new_handoff(verification_id));
    Effect::new(move |_| {
        if let Some(Ok(fresh)) = renew.value().get() {
            state.set(None);
            ticket.set(fresh);
        }
    });
    let checks = result.checks.clone();
    view! {
        <section class="card" data-desk-result="true">
            <h2>{move || i18n.t(DeskText::ResultTitle)}</h2>
            <p class="notice notice-ok">{move || i18n.t(DeskText::Authentic)}</p>
            <div class="card-facts">
                {result.face_image.clone().map(|src| view! {
                    <img class="card-photo" src=src alt=move || i18n.t(DeskText::Photo) />
                })}
                <dl class="facts">
                    <dt>{move || i18n.t(DeskText::FullName)}</dt><dd data-card-name=card.full_name.clone()>{card.full_name.clone()}</dd>
                    <dt>{move || i18n.t(DeskText::BornOn)}</dt><dd>{card.date_of_birth.clone().unwrap_or_default()}</dd>
                    <dt>{move || i18n.t(DeskText::IdNumber)}</dt><dd>{card.id_masked.clone()}</dd>
                    <dt>{move || i18n.t(DeskText::Father)}</dt><dd>{card.father_name.clone().unwrap_or_default()}</dd>
                    <dt>{move || i18n.t(DeskText::Mother)}</dt><dd>{card.mother_name.clone().unwrap_or_default()}</dd>
                    <dt>{move || i18n.t(DeskText::ReadAt)}</dt><dd>{format_time(card.read_at)}</dd>
                    <dt>{move || i18n.t(DeskText::Desk)}</dt><dd>{card.bridge_name.clone()}</dd>
                </dl>
            </div>
            <h3>{move || i18n.t(DeskText::ChecksTitle)}</h3>
            <ul class="checks">
                {checks.into_iter().filter_map(|c| check_text(&c.code).map(|t| (t, c.passed, c.code))).map(|(text, passed, code)| view! {
                    <li class=if passed { "check check-ok" } else { "check check-failed" } data-check=code>
                        {if passed { "✓ " } else { "✗ " }} {move || i18n.t(text)}
                    </li>
                }).collect_view()}
            </ul>
            <h3>{move || i18n.t(DeskText::RecordsTitle)}</h3>
            {if result.matches.is_empty() {
                view! { <p data-records="none">{move || i18n.t(DeskText::NoRecords)}</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {result.matches.clone().into_iter().map(|m| {
                            let kind = match m.kind.as_str() {
                                "guardian" => DeskText::KindGuardian,
                                "student" => DeskText::KindStudent,
                                _ => DeskText::KindStaff,
                            };
                            let agrees = m.agrees;
                            view! {
                                <li class="list-item" data-record=m.kind.clone()>
                                    <span class="list-title">{move || i18n.t(kind)} ": " {m.name.clone()}</span>
                                    <span class=if agrees { "list-meta" } else { "list-meta warning" }>
                                        {move || i18n.t(if agrees { DeskText::RecordAgrees } else { DeskText::RecordDiffers })}
                                    </span>
                                    <ul class="related">
                                        {m.related.into_iter().map(|r| {
                                            let relation = r.relation.as_deref().map(relation_text);
                                            let status = r.status.as_deref().map(status_text);
                                            view! {
                                                <li>
                                                    {r.name} {r.class_name.map(|c| format!(" ({c})"))}
                                                    {relation.map(|t| view! { " · " {move || i18n.t(t)} })}
                                                    {status.map(|t| view! { " · " <span class="badge">{move || i18n.t(t)}</span> })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        <section class="card handoff">
            <h2>{move || i18n.t(DeskText::QrTitle)}</h2>
            {move || {
                let ticket = ticket.get();
                view! {
                    <div class="qr" data-handoff-url=ticket.url.clone() data-handoff-id=ticket.handoff_id inner_html=ticket.qr_svg.clone()></div>
                    <p class="secondary">{move || i18n.t(DeskText::QrHelp)} " " {format_time(ticket.expires_at)}</p>
                }
            }}
            <p class="handoff-status" data-handoff-status=move || state.get().map(|s| s.status).unwrap_or_else(|| "waiting".into())>
                {move || match state.get() {
                    Some(s) if s.status == "claimed" => {
                        let outcome = match s.outcome.as_deref() {
                            Some("verified") => DeskText::OutcomeVerified,
                            Some("review") => DeskText::OutcomeReview,
                            _ => DeskText::OutcomeNothing,
                        };
                        view! {
                            {move || i18n.t(DeskText::ClaimedBy)} " " {s.claimed_by.clone().unwrap_or_default()} ". "
                            <strong data-handoff-outcome=s.outcome.clone().unwrap_or_default()>{move || i18n.t(outcome)}</strong>
                        }.into_any()
                    }
                    Some(s) if s.status == "expired" => view! {
                        {move || i18n.t(DeskText::Expired)} " "
                        <button type="button" class="button" data-action="new-code" on:click=move |_| { renew.dispatch(()); }>
                            {move || i18n.t(DeskText::NewCode)}
                        </button>
                    }.into_any(),
                    _ => view! { {move || i18n.t(DeskText::Waiting)} }.into_any(),
                }}
            </p>
            {move || renew.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            <button type="button" class="button button-secondary" data-action="read-another" on:click=move |_| outcome.set(None)>
                {move || i18n.t(DeskText::ReadAnother)}
            </button>
        </section>
    }
}

/// Asks every two seconds whether the QR code was claimed, until it is (or expired).
fn poll_handoff(ticket: RwSignal<HandoffTicket>, state: RwSignal<Option<HandoffState>>) {
    #[cfg(feature = "hydrate")]
    {
        let busy = StoredValue::new(false);
        let handle = set_interval_with_handle(
            move || {
                let settled = state
                    .get_untracked()
                    .is_some_and(|s| s.status == "claimed" || s.status == "expired");
                if settled || busy.get_value() {
                    return;
                }
                busy.set_value(true);
                let id = ticket.get_untracked().handoff_id;
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = handoff_status(id).await
                        && ticket.get_untracked().handoff_id == id
                    {
                        state.set(Some(fresh));
                    }
                    busy.set_value(false);
                });
            },
            std::time::Duration::from_secs(2),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ticket, state, handoff_status);
}

// ---------------------------------------------------------------------------------------------
// The parent's phone

#[component]
pub fn ClaimPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let user = use_current_user();
    view! {
        <section class="card" data-page="claim">
            <h1>{move || i18n.t(DeskText::ClaimTitle)}</h1>
            <Suspense fallback=|| ()>
                {move || user.0.get().map(|me| match me {
                    Ok(Some(_)) => view! { <ClaimForm token=token() /> }.into_any(),
                    _ => view! {
                        <p>{move || i18n.t(DeskText::ClaimLogin)}</p>
                        <a class="button button-wide" rel="external" data-login="vneid"
                            href=move || format!("/auth/vneid/start?return_to=/claim/{}", token())>
                            {move || i18n.t(DeskText::LogInVneid)}
                        </a>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ClaimForm(token: String) -> impl IntoView {
    let i18n = use_i18n();
    let token = StoredValue::new(token);
    let preview = Resource::new(move || token.get_value(), claim_preview);
    let claim = Action::new(move |token: &String| claim_handoff(token.clone()));
    let done = move |result: ClaimResult| {
        let nothing = result.outcome == "nothing";
        view! {
            <div data-claim-outcome=result.outcome.clone()>
                {(!result.verified_children.is_empty()).then(|| view! {
                    <p class="notice notice-ok">{move || i18n.t(DeskText::ClaimVerified)}</p>
                })}
                <ul class="list">
                    {result.verified_children.into_iter().map(|name| view! {
                        <li class="list-item" data-verified-child=name.clone()>{name.clone()}</li>
                    }).collect_view()}
                </ul>
                {result.staff_verified.then(|| view! { <p class="notice notice-ok">{move || i18n.t(DeskText::ClaimStaffVerified)}</p> })}
                {(result.review_count > 0).then(|| view! { <p class="notice">{move || i18n.t(DeskText::ClaimReview)}</p> })}
                {nothing.then(|| view! { <p>{move || i18n.t(DeskText::ClaimNothing)}</p> })}
                <a class="button button-wide" href="/guardian" rel="external">{move || i18n.t(DeskText::GoToChildren)}</a>
            </div>
        }
    };
    view! {
        {move || match claim.value().get() {
            Some(Ok(result)) => done(result).into_any(),
            Some(Err(error)) => view! { <ErrorNotice error /> }.into_any(),
            None => view! {
                <Suspense fallback=|| ()>
                    {move || preview.get().map(|result| match result {
                        Ok(summary) => view! {
                            <p>{move || i18n.t(DeskText::ClaimIntro)}</p>
                            <p class="claim-name" data-claim-card=summary.card_name.clone()><strong>{summary.card_name.clone()}</strong></p>
                            <p class="secondary">{summary.school_name.clone()} " · " {format_time(summary.read_at)}</p>
                            <p>{move || i18n.t(DeskText::ClaimExplain)}</p>
                            <button type="button" class="button button-wide" data-action="confirm-claim"
                                disabled=move || claim.pending().get()
                                on:click=move |_| { claim.dispatch(token.get_value()); }>
                                {move || i18n.t(DeskText::Confirm)}
                            </button>
                        }.into_any(),
                        Err(error) => view! { <ErrorNotice error /> }.into_any(),
                    })}
                </Suspense>
            }.into_any(),
        }}
    }
}

// ---------------------------------------------------------------------------------------------
// The review queue

#[component]
pub fn ReviewQueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let resolve = Action::new(|(id, approve, note): &(i64, bool, String)| {
        resolve_review(*id, *approve, note.clone())
    });
    let items = Resource::new(move || resolve.version().get(), |_| review_queue());
    view! {
        <section class="card" data-page="review-queue">
            <h1>{move || i18n.t(DeskText::ReviewsTitle)}</h1>
            {move || resolve.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            <Suspense fallback=|| ()>
                {move || items.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p data-reviews="none">{move || i18n.t(DeskText::NoReviews)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|item| {
                                let note = RwSignal::new(String::new());
                                let id = item.id;
                                let reason = ReviewReason::from_code(&item.reason).map(reason_text);
                                view! {
                                    <li class="list-item review" data-review=item.id>
                                        <span class="list-title">
                                            {move || reason.map(|r| i18n.t(r)).unwrap_or_default()}
                                        </span>
                                        <span class="list-meta">{format_time(item.created_at)} {item.claimed_by.clone().map(|c| format!(" · {c}"))}</span>
                                        <dl class="facts">
                                            <dt>{move || i18n.t(DeskText::CardSays)}</dt>
                                            <dd>
                                                {item.card_name.clone()}
                                                {item.card_father.clone().map(|f| view! { " · " {move || i18n.t(DeskText::Father)} ": " {f.clone()} })}
                                                {item.card_mother.clone().map(|m| view! { " · " {move || i18n.t(DeskText::Mother)} ": " {m.clone()} })}
                                            </dd>
                                            <dt>{move || i18n.t(DeskText::RecordSays)}</dt>
                                            <dd>
                                                {[item.guardian_name.clone(), item.student_name.clone(), item.staff_name.clone()]
                                                    .into_iter().flatten().collect::<Vec<_>>().join(" → ")}
                                                {item.relation.clone().map(|r| { let t = relation_text(&r); view! { " · " {move || i18n.t(t)} } })}
                                            </dd>
                                            {item.proposed_relation.clone().map(|r| { let t = relation_text(&r); view! {
                                                <dt>{move || i18n.t(DeskText::ProposedRelation)}</dt><dd>{move || i18n.t(t)}</dd>
                                            } })}
                                        </dl>
                                        <label>{move || i18n.t(DeskText::Note)}
                                            <input type="text" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev)) />
                                        </label>
                                        <div class="desk-actions">
                                            <button type="button" class="button" data-action="approve"
                                                on:click=move |_| { resolve.dispatch((id, true, note.get_untracked())); }>
                                                {move || i18n.t(DeskText::Approve)}
                                            </button>
                                            <button type="button" class="button button-secondary" data-action="reject"
                                                on:click=move |_| { resolve.dispatch((id, false, note.get_untracked())); }>
                                                {move || i18n.t(DeskText::Reject)}
                                            </button>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// The admin's bridges page

#[component]
pub fn BridgesPage() -> impl IntoView {
    let i18n = use_i18n();
    let make_code = Action::new(|_: &()| create_pairing_code());
    let revoke = Action::new(|id: &i64| revoke_bridge(*id));
    let face = Action::new(|enabled: &bool| set_desk_face_image(*enabled));
    let overview = Resource::new(
        move || {
            (
                make_code.version().get(),
                revoke.version().get(),
                face.version().get(),
            )
        },
        |_| bridges_overview(),
    );
    view! {
        <section class="card" data-page="bridges">
            <h1>{move || i18n.t(DeskText::BridgesTitle)}</h1>
            <p class="secondary">{move || i18n.t(DeskText::BridgesIntro)}</p>
            <button type="button" class="button" data-action="make-code" on:click=move |_| { make_code.dispatch(()); }>
                {move || i18n.t(DeskText::MakeCode)}
            </button>
            {move || make_code.value().get().map(|result| match result {
                Ok(code) => view! {
                    <p class="pairing-code" data-pairing-code=code.code.clone()>{code.code.clone()}</p>
                    <p class="secondary">{move || i18n.t(DeskText::CodeShownOnce)} " " {format_time(code.expires_at)}</p>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
            {move || revoke.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error /> })}
            <Suspense fallback=|| ()>
                {move || overview.get().map(|result| match result {
                    Ok(overview) => {
                        let enabled = overview.face_image;
                        view! {
                            <p class="secondary">{overview.open_codes} " " {move || i18n.t(DeskText::OpenCodes)}</p>
                            {if overview.bridges.is_empty() {
                                view! { <p>{move || i18n.t(DeskText::NoBridges)}</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="list">
                                        {overview.bridges.into_iter().map(|bridge| {
                                            let id = bridge.id;
                                            let revoked = bridge.revoked_at;
                                            view! {
                                                <li class="list-item" data-bridge=bridge.bridge_key.clone() data-revoked=revoked.is_some().to_string()>
                                                    <span class="list-title">{bridge.name.clone()}</span>
                                                    <span class="list-meta">
                                                        {bridge.bridge_key.clone()} " · pcsc-bridge " {bridge.version.clone()} " · "
                                                        {move || i18n.t(DeskText::PairedAt)} " " {format_time(bridge.paired_at)}
                                                        {bridge.last_used_at.map(|at| view! { " · " {move || i18n.t(DeskText::LastUsed)} " " {format_time(at)} })}
                                                    </span>
                                                    {match revoked {
                                                        Some(at) => view! { <span class="badge">{move || i18n.t(DeskText::RevokedAt)} " " {format_time(at)}</span> }.into_any(),
                                                        None => view! {
                                                            <button type="button" class="button button-secondary" data-action="revoke"
                                                                on:click=move |_| { revoke.dispatch(id); }>
                                                                {move || i18n.t(DeskText::Revoke)}
                                                            </button>
                                                        }.into_any(),
                                                    }}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <label class="checkbox">
                                <input type="checkbox" data-field="face-image" prop:checked=enabled
                                    on:change=move |ev| { face.dispatch(event_target_checked(&ev)); } />
                                {move || i18n.t(DeskText::FaceImage)}
                            </label>
                            <p class="secondary">{move || i18n.t(DeskText::FaceImageNote)}</p>
                            <p class="secondary">{move || i18n.t(DeskText::BridgeUrl)} ": " <code>{overview.bridge_url.clone()}</code></p>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Progress

#[component]
pub fn ProgressPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_current_user();
    let query = use_query_map();
    // Staff see their school; the district admin sees the district, or one school (`?school=`).
    let scope = move || {
        let asked = query
            .read()
            .get("school")
            .and_then(|s| s.parse::<i64>().ok());
        match user.0.get() {
            Some(Ok(Some(me))) => match me.persona {
                Some(choice) if choice.persona.kind == PersonaKind::Staff => {
                    choice.persona.school_id
                }
                _ => asked,
            },
            _ => asked,
        }
    };
    let progress = Resource::new(scope, verification_progress);
    view! {
        <section class="card" data-page="progress">
            <h1>{move || i18n.t(DeskText::ProgressTitle)}</h1>
            <p class="secondary">{move || i18n.t(DeskText::ProgressIntro)}</p>
            <Suspense fallback=|| ()>
                {move || progress.get().map(|result| match result {
                    Ok(view) => view! { <ProgressBody view /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ProgressBody(view: ProgressView) -> impl IntoView {
    let i18n = use_i18n();
    let district = view.district;
    let school = view.school_id;
    let total = view.total.clone();
    view! {
        <h2>{view.scope_name.clone()}</h2>
        <div class="chart" inner_html=view.chart_svg.clone()></div>
        <p class="legend">
            <span class="legend-guardians">{move || i18n.t(DeskText::Guardians)}</span> " "
            <span class="legend-teachers">{move || i18n.t(DeskText::Teachers)}</span> " · "
            {move || i18n.t(DeskText::TargetLine)}
        </p>
        <table class="desk-table progress-table">
            <thead>
                <tr>
                    <th>{move || i18n.t(if district { DeskText::SchoolCol } else { DeskText::ClassCol })}</th>
                    <th>{move || i18n.t(DeskText::Guardians)}</th>
                    <th>{move || i18n.t(DeskText::Teachers)}</th>
                </tr>
            </thead>
            <tbody>
                {view.rows.into_iter().map(|row| {
                    // A class opens its follow-up list; a school (district view) its classes.
                    let href = match (row.id, school) {
                        (Some(class), Some(school)) => Some(format!("/desk/follow-up?school={school}&class={class}")),
                        (Some(school), None) => Some(format!("/desk/progress?school={school}")),
                        _ => None,
                    };
                    let label = row.label.clone();
                    view! {
                    <tr data-progress-row=row.label.clone()>
                        <td>{match href {
                            Some(href) => view! { <a class="table-link" href=href data-drill=label.clone()>{label.clone()}</a> }.into_any(),
                            None => view! { {label.clone()} }.into_any(),
                        }}</td>
                        <td><ShareCell share=row.guardians /></td>
                        <td><ShareCell share=row.teachers /></td>
                    </tr>
                }}).collect_view()}
            </tbody>
            <tfoot>
                <tr data-progress-total="true">
                    <th>{move || i18n.t(DeskText::Total)}</th>
                    <th><ShareCell share=total.guardians /></th>
                    <th><ShareCell share=total.teachers /></th>
                </tr>
            </tfoot>
        </table>
        <div class="actions">
            <a class="button button-secondary" rel="external" data-excel="progress"
                href=school.map_or_else(|| "/desk/progress/xlsx".to_string(), |school| format!("/desk/progress/xlsx?school={school}"))>
                {move || i18n.t(DeskText::Excel)}
            </a>
            {school.map(|school| view! {
                <a class="button button-secondary" href=format!("/desk/follow-up?school={school}") data-link="follow-up-school">
                    {move || i18n.t(DeskText::FollowUpSchool)}
                </a>
            })}
        </div>
    }
}

/// A share as "87,5% (35/40)", and under it how many came through VNeID and the desk's card check.
#[component]
fn ShareCell(share: rules::Share) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        {share.percent_text()} <span class="secondary">" (" {share.verified} "/" {share.total} ")"</span>
        <span class="share-ways secondary" data-by-vneid=share.by_vneid data-by-card=share.by_desk_card>
            "VNeID " {share.by_vneid} " · " {move || i18n.t(DeskText::ByCard)} " " {share.by_desk_card}
        </span>
    }
}

/// Who is not verified yet, in a school or one class (`?school=ID&class=ID`): a table to read on
/// the phone, print, or download as Excel.
#[component]
pub fn FollowUpPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let scope = move || {
        let query = query.read();
        let number = |key: &str| query.get(key).and_then(|v| v.parse::<i64>().ok());
        (number("school").unwrap_or_default(), number("class"))
    };
    let list = Resource::new(scope, |(school, class)| {
        verification_follow_up(school, class)
    });
    let excel = move || {
        let (school, class) = scope();
        match class {
            Some(class) => format!("/desk/follow-up/xlsx?school={school}&class={class}"),
            None => format!("/desk/follow-up/xlsx?school={school}"),
        }
    };
    view! {
        <section class="card" data-page="follow-up">
            <h1>{move || i18n.t(DeskText::FollowUpTitle)}</h1>
            <p class="secondary no-print">{move || i18n.t(DeskText::FollowUpIntro)}</p>
            <Suspense fallback=|| ()>
                {move || list.get().map(|result| match result {
                    Ok(table) => {
                        let count = table.rows.len();
                        view! {
                            <p data-missing=count>
                                {if count == 0 {
                                    view! { <span class="notice notice-ok">{move || i18n.t(DeskText::NobodyMissing)}</span> }.into_any()
                                } else {
                                    view! { <strong>{count}</strong> " " {move || i18n.t(DeskText::FollowUpCount)} }.into_any()
                                }}
                            </p>
                            <crate::reports::ReportTable table />
                            <div class="actions no-print">
                                <button type="button" class="button" data-action="print" on:click=move |_| crate::ui::print_page()>
                                    {move || i18n.t(DeskText::Print)}
                                </button>
                                <a class="button button-secondary" rel="external" data-excel="follow-up" href=excel>
                                    {move || i18n.t(DeskText::Excel)}
                                </a>
                            </div>
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

// ---------------------------------------------------------------------------------------------
// Pieces of other features' screens

/// The guardian's link history, on their start screen.
#[component]
pub fn LinkHistory() -> impl IntoView {
    let i18n = use_i18n();
    let history = Resource::new(|| (), |_| my_link_history());
    view! {
        <section class="card" data-section="link-history">
            <h2>{move || i18n.t(DeskText::HistoryTitle)}</h2>
            <Suspense fallback=|| ()>
                {move || history.get().map(|result| match result {
                    Ok(events) if events.is_empty() => view! { <p>{move || i18n.t(DeskText::NoHistory)}</p> }.into_any(),
                    Ok(events) => view! {
                        <ul class="list">
                            {events.into_iter().map(|event| {
                                let status = status_text(&event.status);
                                let relation = relation_text(&event.relation);
                                let method = event.method.as_deref().map(|m| match m {
                                    "vneid" => DeskText::MethodVneid,
                                    "desk_card" => DeskText::MethodDeskCard,
                                    _ => DeskText::MethodClerk,
                                });
                                let hidden = event.child_name.is_empty();
                                view! {
                                    <li class="list-item" data-link-event=event.status.clone()>
                                        <span class="list-title">
                                            {if hidden { None } else { Some(event.child_name.clone()) }}
                                            {hidden.then(|| view! { <span class="secondary">{move || i18n.t(DeskText::HiddenChild)}</span> })}
                                            " · " {move || i18n.t(relation)} ": "
                                            <span class="badge">{move || i18n.t(status)}</span>
                                        </span>
                                        <span class="list-meta">
                                            {format_time(event.at)} " · " {event.place.clone()}
                                            {method.map(|m| view! { " · " {move || i18n.t(m)} })}
                                            {event.by.clone().map(|by| view! { " · " {move || i18n.t(DeskText::VerifiedBy)} " " {by.clone()} })}
                                        </span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

/// Links to the office's verification pages, on a staff start screen (admins and clerks).
#[component]
pub fn OfficeLinks(roles: Vec<StaffRole>) -> impl IntoView {
    let i18n = use_i18n();
    let office = roles
        .iter()
        .any(|r| matches!(r, StaffRole::SchoolAdmin | StaffRole::Clerk));
    let admin = roles.contains(&StaffRole::SchoolAdmin);
    office.then(|| view! {
        <section class="card" data-section="office-links">
            <h2>{move || i18n.t(DeskText::OfficeTitle)}</h2>
            <ul class="list">
                <li class="list-item"><a class="list-link" href="/desk" data-link="desk">{move || i18n.t(DeskText::DeskLink)}</a></li>
                <li class="list-item"><a class="list-link" href="/desk/reviews" data-link="reviews">{move || i18n.t(DeskText::ReviewsLink)}</a></li>
                {admin.then(|| view! {
                    <li class="list-item"><a class="list-link" href="/desk/bridges" data-link="bridges">{move || i18n.t(DeskText::BridgesLink)}</a></li>
                })}
                <li class="list-item"><a class="list-link" href="/desk/progress" data-link="progress">{move || i18n.t(DeskText::ProgressLink)}</a></li>
            </ul>
        </section>
    })
}

/// The district admin's link to the district's progress.
#[component]
pub fn DistrictProgressLink() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card" data-section="district-progress">
            <a class="list-link" href="/desk/progress" data-link="progress">{move || i18n.t(DeskText::ProgressLink)}</a>
        </section>
    }
}
