//! What the desk page can be told by the daemon: every error has a stable code, an HTTP status
//! and a message in Vietnamese and English. Card errors keep the codes of
//! [`ReaderError`](crate::icao::reader::ReaderError).

use thiserror::Error;

use crate::icao::reader::ReaderError;
use crate::protocol::ErrorBody;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{} / {}", self.message_vi(), self.message_en())]
pub enum BridgeError {
    /// The request body is not what the endpoint expects.
    InvalidRequest {
        detail: String,
    },
    InvalidChallenge,
    /// The MRZ or QR data cannot give BAC keys (bad check digit, wrong length…).
    InvalidAccess {
        detail: String,
    },
    /// The QR path needs the expiry date and none could be proposed.
    ExpiryNeeded,
    /// The card answered, but not as hoped.
    Card(ReaderError),
    /// The PC/SC service (pcscd) is not running or not reachable.
    PcscUnavailable {
        detail: String,
    },
    /// PC/SC lists no reader at all.
    NoReaders,
    /// The configured reader is not connected.
    ReaderNotFound {
        name: String,
    },
    /// No reader is configured and several are connected.
    ReaderAmbiguous {
        names: Vec<String>,
    },
    /// The reader disappeared while in use.
    ReaderUnplugged,
    /// No card on the reader (after waiting, when asked to wait).
    NoCard,
    NotPaired,
    /// Another card read is in progress.
    Busy,
    OriginForbidden,
    OriginMissing,
    HostForbidden,
    ServerUnreachable {
        detail: String,
    },
    PairingRejected {
        server: Option<ErrorBody>,
        status: u16,
    },
    PairingAnswerInvalid {
        detail: String,
    },
    State {
        detail: String,
    },
    TrustStore {
        detail: String,
    },
    Internal {
        detail: String,
    },
}

impl BridgeError {
    /// Stable identifier; never changes once published.
    pub fn code(&self) -> &'static str {
        match self {
            BridgeError::InvalidRequest { .. } => "request_invalid",
            BridgeError::InvalidChallenge => "challenge_invalid",
            BridgeError::InvalidAccess { .. } => "access_data_invalid",
            BridgeError::ExpiryNeeded => "access_expiry_needed",
            BridgeError::Card(error) => error.code(),
            BridgeError::PcscUnavailable { .. } => "pcsc_unavailable",
            BridgeError::NoReaders => "reader_none",
            BridgeError::ReaderNotFound { .. } => "reader_not_found",
            BridgeError::ReaderAmbiguous { .. } => "reader_ambiguous",
            BridgeError::ReaderUnplugged => "reader_unplugged",
            BridgeError::NoCard => "card_absent",
            BridgeError::NotPaired => "bridge_not_paired",
            BridgeError::Busy => "bridge_busy",
            BridgeError::OriginForbidden => "origin_forbidden",
            BridgeError::OriginMissing => "origin_missing",
            BridgeError::HostForbidden => "host_forbidden",
            BridgeError::ServerUnreachable { .. } => "server_unreachable",
            BridgeError::PairingRejected { .. } => "pairing_rejected",
            BridgeError::PairingAnswerInvalid { .. } => "pairing_answer_invalid",
            BridgeError::State { .. } => "state_error",
            BridgeError::TrustStore { .. } => "trust_store_error",
            BridgeError::Internal { .. } => "internal_error",
        }
    }

    /// The HTTP status the local API answers with.
    pub fn http_status(&self) -> u16 {
        match self {
            BridgeError::InvalidRequest { .. }
            | BridgeError::InvalidChallenge
            | BridgeError::InvalidAccess { .. }
            | BridgeError::ExpiryNeeded => 400,
            BridgeError::OriginForbidden
            | BridgeError::OriginMissing
            | BridgeError::HostForbidden => 403,
            BridgeError::NotPaired | BridgeError::Busy => 409,
            BridgeError::Card(ReaderError::Reader { .. }) => 503,
            BridgeError::Card(_) | BridgeError::NoCard => 422,
            BridgeError::PcscUnavailable { .. }
            | BridgeError::NoReaders
            | BridgeError::ReaderNotFound { .. }
            | BridgeError::ReaderAmbiguous { .. }
            | BridgeError::ReaderUnplugged => 503,
            BridgeError::ServerUnreachable { .. }
            | BridgeError::PairingRejected { .. }
            | BridgeError::PairingAnswerInvalid { .. } => 502,
            BridgeError::State { .. }
            | BridgeError::TrustStore { .. }
            | BridgeError::Internal { .. } => 500,
        }
    }

    pub fn message_vi(&self) -> String {
        match self {
            BridgeError::InvalidRequest { detail } => {
                format!("Yêu cầu gửi tới bộ đọc thẻ không hợp lệ ({detail})")
            }
            BridgeError::InvalidChallenge => {
                "Mã thử thách (challenge) từ máy chủ không hợp lệ; hãy tải lại trang".to_owned()
            }
            BridgeError::InvalidAccess { detail } => {
                format!("Thông tin MRZ/QR không hợp lệ ({detail}); hãy kiểm tra hoặc quét lại")
            }
            BridgeError::ExpiryNeeded => "Cần nhập ngày hết hạn in trên thẻ để mở chip".to_owned(),
            BridgeError::Card(error) => error.message_vi(),
            BridgeError::PcscUnavailable { .. } => {
                "Dịch vụ đầu đọc thẻ (pcscd) không chạy; hãy khởi động lại máy hoặc dịch vụ pcscd"
                    .to_owned()
            }
            BridgeError::NoReaders => {
                "Không thấy đầu đọc thẻ nào; hãy cắm đầu đọc vào máy".to_owned()
            }
            BridgeError::ReaderNotFound { name } => {
                format!("Không thấy đầu đọc thẻ \"{name}\"; hãy cắm lại đầu đọc hoặc sửa cấu hình")
            }
            BridgeError::ReaderAmbiguous { names } => format!(
                "Có nhiều đầu đọc thẻ ({}); hãy chọn một đầu đọc trong cấu hình (reader_name)",
                names.join(", ")
            ),
            BridgeError::ReaderUnplugged => {
                "Đầu đọc thẻ bị rút ra khi đang đọc; hãy cắm lại và đọc lại".to_owned()
            }
            BridgeError::NoCard => "Chưa có thẻ trên đầu đọc; hãy đặt thẻ lên đầu đọc".to_owned(),
            BridgeError::NotPaired => {
                "Bộ đọc thẻ chưa được ghép với máy chủ của trường; hãy nhập mã ghép nối".to_owned()
            }
            BridgeError::Busy => "Bộ đọc thẻ đang đọc một thẻ khác; hãy chờ một chút".to_owned(),
            BridgeError::OriginForbidden => {
                "Trang web này không được phép dùng bộ đọc thẻ".to_owned()
            }
            BridgeError::OriginMissing => {
                "Yêu cầu không cho biết trang web gửi (thiếu Origin); bị từ chối".to_owned()
            }
            BridgeError::HostForbidden => {
                "Yêu cầu gửi tới địa chỉ không hợp lệ; bị từ chối".to_owned()
            }
            BridgeError::ServerUnreachable { .. } => {
                "Không kết nối được máy chủ của trường; hãy kiểm tra mạng".to_owned()
            }
            BridgeError::PairingRejected { server, .. } => match server {
                Some(body) => format!("Máy chủ từ chối ghép nối: {}", body.message_vi),
                None => "Máy chủ từ chối ghép nối; hãy xin mã ghép nối mới".to_owned(),
            },
            BridgeError::PairingAnswerInvalid { .. } => {
                "Máy chủ trả lời ghép nối không đúng định dạng".to_owned()
            }
            BridgeError::State { .. } => {
                "Không đọc/ghi được thư mục trạng thái của bộ đọc thẻ".to_owned()
            }
            BridgeError::TrustStore { .. } => {
                "Không đọc được thư mục chứng thư CSCA tin cậy".to_owned()
            }
            BridgeError::Internal { .. } => "Lỗi nội bộ của bộ đọc thẻ; hãy thử lại".to_owned(),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            BridgeError::InvalidRequest { detail } => {
                format!("The request to the card bridge is invalid ({detail})")
            }
            BridgeError::InvalidChallenge => {
                "The server's challenge is invalid; reload the page".to_owned()
            }
            BridgeError::InvalidAccess { detail } => {
                format!("The MRZ/QR data is invalid ({detail}); check it or scan again")
            }
            BridgeError::ExpiryNeeded => {
                "The expiry date printed on the card is needed to open the chip".to_owned()
            }
            BridgeError::Card(error) => error.message_en(),
            BridgeError::PcscUnavailable { .. } => {
                "The smart-card service (pcscd) is not running; restart it or the computer"
                    .to_owned()
            }
            BridgeError::NoReaders => "No card reader found; plug the reader in".to_owned(),
            BridgeError::ReaderNotFound { name } => {
                format!(
                    "Card reader \"{name}\" not found; plug it in again or fix the configuration"
                )
            }
            BridgeError::ReaderAmbiguous { names } => format!(
                "Several card readers are connected ({}); choose one in the configuration \
                 (reader_name)",
                names.join(", ")
            ),
            BridgeError::ReaderUnplugged => {
                "The card reader was unplugged during reading; plug it in and retry".to_owned()
            }
            BridgeError::NoCard => "No card on the reader; place the card on it".to_owned(),
            BridgeError::NotPaired => {
                "The card bridge is not paired with the school server; enter a pairing code"
                    .to_owned()
            }
            BridgeError::Busy => {
                "The card bridge is reading another card; wait a moment".to_owned()
            }
            BridgeError::OriginForbidden => {
                "This web page is not allowed to use the card bridge".to_owned()
            }
            BridgeError::OriginMissing => {
                "The request does not say which page sent it (no Origin); refused".to_owned()
            }
            BridgeError::HostForbidden => {
                "The request was sent to an invalid address; refused".to_owned()
            }
            BridgeError::ServerUnreachable { .. } => {
                "The school server cannot be reached; check the network".to_owned()
            }
            BridgeError::PairingRejected { server, .. } => match server {
                Some(body) => format!("The server refused the pairing: {}", body.message_en),
                None => "The server refused the pairing; ask for a new pairing code".to_owned(),
            },
            BridgeError::PairingAnswerInvalid { .. } => {
                "The server's pairing answer is malformed".to_owned()
            }
            BridgeError::State { .. } => {
                "The card bridge cannot read or write its state folder".to_owned()
            }
            BridgeError::TrustStore { .. } => {
                "The trusted CSCA certificate folder cannot be read".to_owned()
            }
            BridgeError::Internal { .. } => "Internal error of the card bridge; retry".to_owned(),
        }
    }

    /// Technical detail for the log (never personal data: the details of invalid requests and
    /// access data may quote what was typed, so they are not given).
    pub fn detail(&self) -> Option<&str> {
        match self {
            BridgeError::PcscUnavailable { detail }
            | BridgeError::ServerUnreachable { detail }
            | BridgeError::PairingAnswerInvalid { detail }
            | BridgeError::State { detail }
            | BridgeError::TrustStore { detail }
            | BridgeError::Internal { detail } => Some(detail),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message_vi: self.message_vi(),
            message_en: self.message_en(),
        }
    }
}

impl From<ReaderError> for BridgeError {
    fn from(error: ReaderError) -> Self {
        BridgeError::Card(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_unique_code_status_and_both_messages() {
        let samples = vec![
            BridgeError::InvalidRequest { detail: "x".into() },
            BridgeError::InvalidChallenge,
            BridgeError::InvalidAccess { detail: "x".into() },
            BridgeError::ExpiryNeeded,
            BridgeError::Card(ReaderError::CardRemoved),
            BridgeError::PcscUnavailable { detail: "x".into() },
            BridgeError::NoReaders,
            BridgeError::ReaderNotFound { name: "r".into() },
            BridgeError::ReaderAmbiguous {
                names: vec!["a".into(), "b".into()],
            },
            BridgeError::ReaderUnplugged,
            BridgeError::NoCard,
            BridgeError::NotPaired,
            BridgeError::Busy,
            BridgeError::OriginForbidden,
            BridgeError::OriginMissing,
            BridgeError::HostForbidden,
            BridgeError::ServerUnreachable { detail: "x".into() },
            BridgeError::PairingRejected {
                server: None,
                status: 400,
            },
            BridgeError::PairingAnswerInvalid { detail: "x".into() },
            BridgeError::State { detail: "x".into() },
            BridgeError::TrustStore { detail: "x".into() },
            BridgeError::Internal { detail: "x".into() },
        ];
        let mut codes: Vec<&str> = samples.iter().map(BridgeError::code).collect();
        for error in &samples {
            assert!(!error.message_vi().is_empty());
            assert!(!error.message_en().is_empty());
            assert_ne!(error.message_vi(), error.message_en());
            assert!((400..600).contains(&error.http_status()));
            assert_eq!(error.body().code, error.code());
        }
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), samples.len(), "codes are unique");
        assert_eq!(
            BridgeError::Card(ReaderError::AuthenticationFailed).code(),
            "card_mrz_mismatch"
        );
    }
}
