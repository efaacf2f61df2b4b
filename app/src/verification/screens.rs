//! placeholder
use leptos::prelude::*;
#[component] pub fn DeskPage() -> impl IntoView { view! { <p>"desk"</p> } }
#[component] pub fn ReviewQueuePage() -> impl IntoView { view! { <p>"r"</p> } }
#[component] pub fn BridgesPage() -> impl IntoView { view! { <p>"b"</p> } }
#[component] pub fn ProgressPage() -> impl IntoView { view! { <p>"p"</p> } }
#[component] pub fn ClaimPage() -> impl IntoView { view! { <p>"c"</p> } }
