//! The inbox, turning on push notifications on a device, and a guardian's choices.

use leptos::prelude::*;

use super::api::{
    mark_message_read, my_inbox, my_notification_preferences, push_public_key,
    set_notification_preference, subscribe_push,
};
use super::{NotificationKind, NotificationText};
use crate::i18n::{Lang, use_i18n};
use crate::platform::error::{AppError, ErrorCode};
use crate::ui::{ErrorNotice, run_in_browser};

#[component]
pub fn InboxPage() -> impl IntoView {
    let i18n = use_i18n();
    let inbox = Resource::new(|| (), |_| my_inbox());
    let read = Action::new(|id: &i64| mark_message_read(*id));
    Effect::new(move |_| {
        if read.version().get() > 0 {
            inbox.refetch();
        }
    });
    view! {
        <PushSwitch />
        <section class="card" data-page="inbox">
            <h1>{move || i18n.t(NotificationText::InboxTitle)}</h1>
            <Suspense fallback=|| ()>
                {move || inbox.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p>{move || i18n.t(NotificationText::NoMessages)}</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="list">
                            {list.into_iter().map(|m| {
                                let (title_vi, title_en, body_vi, body_en) = (m.title_vi.clone(), m.title_en.clone(), m.body_vi.clone(), m.body_en.clone());
                                view! {
                                    <li class="list-item" class:unread=!m.read data-message=m.kind.clone()>
                                        <span class="list-title">{move || if i18n.lang() == Lang::En { title_en.clone() } else { title_vi.clone() }}</span>
                                        <span>{move || if i18n.lang() == Lang::En { body_en.clone() } else { body_vi.clone() }}</span>
                                        {(!m.read).then(|| view! {
                                            <button type="button" class="button button-secondary" data-action="mark-read"
                                                on:click=move |_| { read.dispatch(m.id); }>
                                                {move || i18n.t(NotificationText::MarkRead)}
                                            </button>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
        <Preferences />
    }
}

/// Subscribes this browser to push messages and registers the subscription.
async fn enable_push() -> Result<(), AppError> {
    let key = push_public_key()
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::PushUnavailable))?;
    #[cfg(feature = "hydrate")]
    {
        let subscription = browser::subscribe(&key)
            .await
            .map_err(|_| AppError::new(ErrorCode::PushUnavailable))?;
        subscribe_push(
            subscription.endpoint,
            subscription.p256dh,
            subscription.auth,
        )
        .await
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (key, subscribe_push);
        Err(AppError::new(ErrorCode::PushUnavailable))
    }
}

#[component]
fn PushSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let outcome = RwSignal::new(None::<Result<(), AppError>>);
    view! {
        <section class="card" data-section="push">
            <h2>{move || i18n.t(NotificationText::PushTitle)}</h2>
            <button type="button" class="button" data-action="enable-push" on:click=move |_| run_in_browser(outcome, enable_push())>
                {move || i18n.t(NotificationText::EnablePush)}
            </button>
            {move || outcome.get().map(|r| match r {
                Ok(()) => view! { <p class="notice notice-ok" data-push-enabled="true">{i18n.t(NotificationText::PushEnabled)}</p> }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </section>
    }
}

#[component]
fn Preferences() -> impl IntoView {
    let i18n = use_i18n();
    let preferences = Resource::new(|| (), |_| my_notification_preferences());
    let set = Action::new(|(student, kind, enabled): &(i64, NotificationKind, bool)| {
        set_notification_preference(*student, *kind, *enabled)
    });
    view! {
        <Suspense fallback=|| ()>
            {move || preferences.get().and_then(Result::ok).filter(|list| !list.is_empty()).map(|list| view! {
                <section class="card" data-section="preferences">
                    <h2>{move || i18n.t(NotificationText::PreferencesTitle)}</h2>
                    <ul class="list">
                        {list.into_iter().map(|p| {
                            let checked = RwSignal::new(p.enabled);
                            let label = format!("{} · ", p.student_name);
                            view! {
                                <li class="list-item">
                                    <label class="toggle">
                                        <input type="checkbox" data-kind=p.kind.code() prop:checked=move || checked.get()
                                            on:change=move |ev| {
                                                let on = event_target_checked(&ev);
                                                checked.set(on);
                                                set.dispatch((p.student_id, p.kind, on));
                                            } />
                                        <span>{label} {move || i18n.t(p.kind.label())}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            })}
        </Suspense>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use base64::Engine as _;
    use js_sys::{Object, Reflect, Uint8Array};
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    pub struct Subscription {
        pub endpoint: String,
        pub p256dh: String,
        pub auth: String,
    }

    fn get(target: &JsValue, key: &str) -> Result<JsValue, JsValue> {
        Reflect::get(target, &key.into())
    }

    /// `registration.pushManager.subscribe({userVisibleOnly: true, applicationServerKey})`.
    pub async fn subscribe(server_key: &str) -> Result<Subscription, JsValue> {
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        let container = get(&window.navigator(), "serviceWorker")?;
        let ready: js_sys::Promise = get(&container, "ready")?.dyn_into()?;
        let registration = JsFuture::from(ready).await?;
        let manager = get(&registration, "pushManager")?;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(server_key)
            .map_err(|_| JsValue::NULL)?;
        let options = Object::new();
        Reflect::set(&options, &"userVisibleOnly".into(), &JsValue::TRUE)?;
        Reflect::set(
            &options,
            &"applicationServerKey".into(),
            &Uint8Array::from(key.as_slice()),
        )?;
        let subscribe: js_sys::Function = get(&manager, "subscribe")?.dyn_into()?;
        let promise: js_sys::Promise = subscribe.call1(&manager, &options)?.dyn_into()?;
        let subscription = JsFuture::from(promise).await?;
        let to_json: js_sys::Function = get(&subscription, "toJSON")?.dyn_into()?;
        let json = to_json.call0(&subscription)?;
        let keys = get(&json, "keys")?;
        let text = |v: JsValue| v.as_string().ok_or(JsValue::NULL);
        Ok(Subscription {
            endpoint: text(get(&json, "endpoint")?)?,
            p256dh: text(get(&keys, "p256dh")?)?,
            auth: text(get(&keys, "auth")?)?,
        })
    }
}
