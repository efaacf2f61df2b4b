//! One translation mechanism for every screen: texts are declared next to the feature that
//! shows them with [`texts!`](crate::texts), always in Vietnamese and English, and looked up
//! through [`I18n`], whose language is a signal (switching re-renders without a reload).
//!
//! Vietnamese is the default. The choice lives in the `lang` cookie so the server renders the
//! same language the browser hydrates.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The languages the interface speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Vi, Lang::En];

    /// The BCP 47 tag used in `<html lang>` and in the cookie.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim() {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Reads the `lang` cookie out of a `Cookie` header value.
    pub fn from_cookie_header(header: &str) -> Option<Lang> {
        header
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == LANG_COOKIE)
            .and_then(|(_, value)| Lang::from_code(value))
    }
}

pub const LANG_COOKIE: &str = "lang";

/// A set of texts that exist in every language.
pub trait Translate {
    fn text(&self, lang: Lang) -> &'static str;

    /// Vietnamese first, English second: for places that must show both (errors, printouts).
    fn both(&self) -> String {
        format!("{} / {}", self.text(Lang::Vi), self.text(Lang::En))
    }
}

/// Declares an enum of texts with their Vietnamese and English wording.
/// Every variant must carry both, so a missing translation does not compile.
#[macro_export]
macro_rules! texts {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($variant:ident => ($vi:expr, $en:expr)),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name { $($variant),* }

        impl $name {
            #[allow(dead_code)]
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
        }

        impl $crate::i18n::Translate for $name {
            fn text(&self, lang: $crate::i18n::Lang) -> &'static str {
                match (self, lang) {
                    $(
                        ($name::$variant, $crate::i18n::Lang::Vi) => $vi,
                        ($name::$variant, $crate::i18n::Lang::En) => $en,
                    )*
                }
            }
        }
    };
}

/// The language of this page, shared by every component through context.
#[derive(Clone, Copy, Debug)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    pub fn lang(&self) -> Lang {
        self.lang.get()
    }

    /// The text in the current language; reactive when called inside a closure in a view.
    pub fn t(&self, text: impl Translate) -> &'static str {
        text.text(self.lang.get())
    }

    pub fn set_lang(&self, lang: Lang) {
        self.lang.set(lang);
        #[cfg(feature = "hydrate")]
        browser::remember(lang);
    }
}

/// Provides the page language: from the request's cookie on the server, from `<html lang>`
/// (which the server wrote) in the browser, so hydration starts from the same language.
pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        lang: RwSignal::new(initial_lang()),
    };
    provide_context(i18n);
    i18n
}

pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(provide_i18n)
}

#[cfg(feature = "ssr")]
fn initial_lang() -> Lang {
    request_lang().unwrap_or_default()
}

/// The language asked for by the current request's cookie, if any.
#[cfg(feature = "ssr")]
pub fn request_lang() -> Option<Lang> {
    let parts = use_context::<http::request::Parts>()?;
    parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(Lang::from_cookie_header)
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn initial_lang() -> Lang {
    browser::document_lang().unwrap_or_default()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn initial_lang() -> Lang {
    Lang::default()
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::{LANG_COOKIE, Lang};
    use wasm_bindgen::JsCast;

    pub fn document_lang() -> Option<Lang> {
        let element = web_sys::window()?.document()?.document_element()?;
        Lang::from_code(&element.get_attribute("lang")?)
    }

    /// Keeps the choice for the next page load and tells assistive technology.
    pub fn remember(lang: Lang) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if let Some(element) = document.document_element() {
            let _ = element.set_attribute("lang", lang.code());
        }
        if let Ok(html) = document.dyn_into::<web_sys::HtmlDocument>() {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                lang.code()
            );
            let _ = html.set_cookie(&cookie);
        }
    }
}

texts! {
    /// Texts of the application frame, shared by every screen.
    pub enum ShellText {
        AppName => ("Trường Số", "Trường Số"),
        Tagline => ("Sổ liên lạc điện tử của trường THCS", "The lower-secondary school's digital hub"),
        SwitchLanguage => ("Ngôn ngữ", "Language"),
        LanguageName => ("Tiếng Việt", "English"),
        SkipToContent => ("Bỏ qua, tới nội dung chính", "Skip to main content"),
        NotFoundTitle => ("Không tìm thấy trang", "Page not found"),
        NotFoundBody => ("Trang bạn tìm không tồn tại hoặc đã được chuyển đi.", "The page you are looking for does not exist or has moved."),
        BackHome => ("Về trang chủ", "Back to the home page"),
        Loading => ("Đang tải…", "Loading…"),
        Offline => ("Bạn đang ngoại tuyến", "You are offline"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lang_cookie_is_read_among_others() {
        assert_eq!(
            Lang::from_cookie_header("a=1; lang=en; b=2"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_cookie_header("lang=vi"), Some(Lang::Vi));
        assert_eq!(Lang::from_cookie_header("lang=fr"), None);
        assert_eq!(Lang::from_cookie_header("xlang=en"), None);
    }

    #[test]
    fn every_shell_text_exists_in_both_languages() {
        for text in ShellText::ALL {
            for lang in Lang::ALL {
                assert!(
                    !text.text(lang).trim().is_empty(),
                    "{text:?} has no {lang:?} text"
                );
            }
        }
    }
}
