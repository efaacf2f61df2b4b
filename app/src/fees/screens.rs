//! Fee screens: the guardian's notices and payments, paying by VietQR, a receipt, and the fee
//! office (unmatched transfers, cash, cancellations, reports).

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    assign_transfer, cancel_receipt, fee_desk, fee_notice_status, fee_payment, fee_receipt,
    fee_report, my_fees, new_fee_notices, record_cash,
};
use super::{NoticeStatus, NoticeView, ReportKind};
use crate::i18n::use_i18n;
use crate::platform::format::{format_date, format_dong, parse_iso_date};
use crate::reports::ReportTable;
use crate::texts;
use crate::ui::ErrorNotice;

texts! {
    pub enum FeesText {
        Title => ("Các khoản thu", "School fees"),
        OpenFees => ("Xem các khoản thu và thanh toán", "See fees and pay"),
        NewNotices => ("thông báo thu mới", "new payment notices"),
        New => ("Mới", "New"),
        Due => ("Phải nộp", "Due"),
        Paid => ("Đã nộp", "Paid"),
        DueBy => ("Hạn nộp", "Due by"),
        StatusPaid => ("Đã nộp đủ", "Paid"),
        StatusPartly => ("Nộp một phần", "Partly paid"),
        StatusUnpaid => ("Chưa nộp", "Not paid"),
        Credit => ("Tiền nộp thừa (được trừ vào lần sau)", "Credit (counted next time)"),
        History => ("Lịch sử nộp tiền", "Payment history"),
        NoPayments => ("Chưa có khoản nộp nào.", "No payments yet."),
        NoNotices => ("Không có khoản thu nào.", "Nothing to pay."),
        PaySelected => ("Thanh toán các khoản đã chọn", "Pay the chosen notices"),
        ChooseToPay => ("Chọn các khoản muốn nộp (có thể chọn cho nhiều con một lần).", "Choose what to pay (several children at once is fine)."),
        Receipt => ("Biên lai", "Receipt"),
        Cancelled => ("Đã huỷ", "Cancelled"),
        PayTitle => ("Chuyển khoản bằng VietQR", "Pay by VietQR transfer"),
        PayIntro => (
            "Mở ứng dụng ngân hàng, chọn quét mã QR. Số tiền và nội dung đã có sẵn — không sửa nội dung chuyển khoản.",
            "Open your banking app and scan the code. The amount and text are filled in — do not change the text."
        ),
        NoScanner => ("Nếu ứng dụng không quét được, chuyển khoản theo thông tin sau:", "If your app cannot scan, transfer with these details:"),
        Bank => ("Ngân hàng", "Bank"),
        AccountNumber => ("Số tài khoản", "Account number"),
        AccountName => ("Chủ tài khoản", "Account holder"),
        Amount => ("Số tiền", "Amount"),
        Content => ("Nội dung", "Transfer text"),
        OtherBanks => ("Nộp vào tài khoản khác của trường:", "Pay into another account of the school:"),
        Waiting => ("Đang chờ ngân hàng báo tiền về…", "Waiting for the bank's notification…"),
        Received => ("Nhà trường đã nhận được tiền. Cảm ơn!", "The school has received the money. Thank you!"),
        OpenReceipt => ("Xem biên lai", "Open the receipt"),
        Print => ("In biên lai", "Print"),
        EInvoiceFile => ("Tệp cho hoá đơn điện tử (XML)", "E-invoice file (XML)"),
        TemplateSymbol => ("Ký hiệu mẫu", "Template symbol"),
        Series => ("Ký hiệu", "Series"),
        Number => ("Số", "Number"),
        Date => ("Ngày", "Date"),
        Payer => ("Người nộp", "Payer"),
        Method => ("Hình thức", "Method"),
        MethodBank => ("Chuyển khoản", "Bank transfer"),
        MethodCash => ("Tiền mặt", "Cash"),
        Total => ("Tổng cộng", "Total"),
        InWords => ("Bằng chữ", "In words"),
        Collector => ("Đơn vị thu", "Collected by"),
        OfficeTitle => ("Thu tiền — văn phòng", "Fee office"),
        OpenOffice => ("Thu tiền, đối soát, báo cáo", "Fees: cash, matching, reports"),
        Unmatched => ("Chuyển khoản chưa khớp", "Unmatched transfers"),
        NoUnmatched => ("Không có khoản nào chờ xử lý.", "Nothing waiting."),
        ReferenceCode => ("Mã thanh toán", "Payment code"),
        Assign => ("Ghi nhận", "Assign"),
        CashTitle => ("Thu tiền mặt", "Cash payment"),
        PayerName => ("Tên người nộp", "Payer's name"),
        RecordCash => ("Thu và in biên lai", "Record and issue a receipt"),
        RecentReceipts => ("Biên lai gần đây", "Recent receipts"),
        Reason => ("Lý do huỷ", "Reason"),
        Cancel => ("Huỷ biên lai", "Cancel receipt"),
        Reports => ("Báo cáo", "Reports"),
        Excel => ("Tải Excel", "Download Excel"),
        Done => ("Đã ghi nhận.", "Done."),
    }
}

fn status_text(status: NoticeStatus) -> FeesText {
    match status {
        NoticeStatus::Paid => FeesText::StatusPaid,
        NoticeStatus::PartlyPaid => FeesText::StatusPartly,
        NoticeStatus::Unpaid => FeesText::StatusUnpaid,
    }
}

fn status_code(status: NoticeStatus) -> &'static str {
    match status {
        NoticeStatus::Paid => "paid",
        NoticeStatus::PartlyPaid => "partly-paid",
        NoticeStatus::Unpaid => "unpaid",
    }
}

fn iso_to_shown(iso: &str) -> String {
    parse_iso_date(iso)
        .map(format_date)
        .unwrap_or_else(|| iso.to_string())
}

fn unix_to_shown(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix + 7 * 3600)
        .map(|t| {
            format!(
                "{} {:02}:{:02}",
                format_date(t.date()),
                t.hour(),
                t.minute()
            )
        })
        .unwrap_or_default()
}

fn period_shown(notice: &NoticeView) -> String {
    match notice.period.split_once('-') {
        Some((year, month)) => format!("{} {month}/{year}", notice.collection),
        None => notice.collection.clone(),
    }
}

/// On the guardian's start screen: the way to the fees, with the count of new notices.
#[component]
pub fn FeesLink() -> impl IntoView {
    let i18n = use_i18n();
    let count = Resource::new(|| (), |_| new_fee_notices());
    view! {
        <section class="card">
            <a class="list-link fees-link" href="/fees" data-fees-link="true">
                <span class="list-title">{move || i18n.t(FeesText::OpenFees)}</span>
                <Suspense fallback=|| ()>
                    {move || count.get().and_then(Result::ok).filter(|n| *n > 0).map(|n| view! {
                        <span class="badge badge-new" data-new-notices=n.to_string()>
                            {n} " " {move || i18n.t(FeesText::NewNotices)}
                        </span>
                    })}
                </Suspense>
            </a>
        </section>
    }
}

/// On the staff start screen of admins and clerks: the way to the fee office.
#[component]
pub fn OfficeLink() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="card">
            <a class="list-link" href="/fees/office" data-office-link="true">
                <span class="list-title">{move || i18n.t(FeesText::OpenOffice)}</span>
            </a>
        </section>
    }
}

#[component]
pub fn FamilyFeesPage() -> impl IntoView {
    let i18n = use_i18n();
    let fees = Resource::new(|| (), |_| my_fees());
    let chosen = RwSignal::new(Vec::<i64>::new());
    let pay_href = move || {
        let ids: Vec<String> = chosen.get().iter().map(i64::to_string).collect();
        format!("/fees/pay?n={}", ids.join(","))
    };
    view! {
        <section class="card" data-page="fees">
            <h1>{move || i18n.t(FeesText::Title)}</h1>
            <p class="secondary">{move || i18n.t(FeesText::ChooseToPay)}</p>
        </section>
        <Suspense fallback=|| ()>
            {move || fees.get().map(|result| match result {
                Ok(family) => family.children.into_iter().map(|child| view! {
                    <section class="card" data-child-fees=child.student_id.to_string()>
                        <h2>{child.name.clone()}</h2>
                        <p class="secondary">{child.class_name.clone().unwrap_or_default()}</p>
                        {child.notices.is_empty().then(|| view! { <p>{move || i18n.t(FeesText::NoNotices)}</p> })}
                        <ul class="list">
                            {child.notices.into_iter().map(|notice| {
                                let id = notice.notice_id;
                                let open = notice.outstanding() > 0;
                                let status = notice.status;
                                view! {
                                    <li class="list-item notice" data-notice=id.to_string() data-status=status_code(status)>
                                        <label class="notice-row">
                                            {open.then(|| view! {
                                                <input type="checkbox" class="notice-pick" data-pick=id.to_string()
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        chosen.update(|c| { c.retain(|x| *x != id); if on { c.push(id); } });
                                                    } />
                                            })}
                                            <span class="notice-text">
                                                <span class="list-title">
                                                    {period_shown(&notice)}
                                                    {notice.is_new.then(|| view! { " " <span class="badge badge-new">{move || i18n.t(FeesText::New)}</span> })}
                                                </span>
                                                <span class="list-meta">
                                                    {move || i18n.t(FeesText::Due)} ": " {format_dong(notice.amount_due)}
                                                    " · " {move || i18n.t(FeesText::DueBy)} " " {iso_to_shown(&notice.due_on)}
                                                </span>
                                                <span class="list-meta">
                                                    <span class=format!("status status-{}", status_code(status))>{move || i18n.t(status_text(status))}</span>
                                                    {(notice.paid > 0).then(|| view! { " · " {move || i18n.t(FeesText::Paid)} ": " {format_dong(notice.paid)} })}
                                                    " · " {notice.reference_code.clone()}
                                                </span>
                                            </span>
                                        </label>
                                        {notice.last_receipt_id.map(|r| view! {
                                            <a class="inline-link" href=format!("/fees/receipt/{r}") data-receipt-link=r.to_string()>{move || i18n.t(FeesText::Receipt)}</a>
                                        })}
                                    </li>
                                }.into_any()
                            }).collect_view()}
                        </ul>
                        {(child.credit > 0).then(|| view! {
                            <p class="credit" data-credit=child.credit.to_string()>{move || i18n.t(FeesText::Credit)} ": " {format_dong(child.credit)}</p>
                        })}
                        <h3>{move || i18n.t(FeesText::History)}</h3>
                        {child.payments.is_empty().then(|| view! { <p class="secondary">{move || i18n.t(FeesText::NoPayments)}</p> })}
                        <ul class="list">
                            {child.payments.into_iter().map(|p| view! {
                                <li class="list-item">
                                    <a class="list-link" href=format!("/fees/receipt/{}", p.receipt_id) data-history-receipt=p.receipt_id.to_string()>
                                        <span class="list-title">{format_dong(p.amount)}</span>
                                        <span class="list-meta">
                                            {unix_to_shown(p.issued_at)} " · " {move || i18n.t(FeesText::Receipt)} " " {p.receipt_number.clone()}
                                            {p.cancelled.then(|| view! { " · " <span class="status status-unpaid">{move || i18n.t(FeesText::Cancelled)}</span> })}
                                        </span>
                                    </a>
                                </li>
                            }.into_any()).collect_view()}
                        </ul>
                    </section>
                }.into_any()).collect_view().into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
        <div class="pay-bar">
            <a class="button pay-button" data-action="pay" href=pay_href
                aria-disabled=move || chosen.get().is_empty().to_string()>
                {move || i18n.t(FeesText::PaySelected)} " (" {move || chosen.get().len()} ")"
            </a>
        </div>
    }
}

fn parse_ids(text: &str) -> Vec<i64> {
    text.split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

#[component]
pub fn PayPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let ids = move || parse_ids(&query.read().get("n").unwrap_or_default());
    let account = move || query.read().get("a").and_then(|a| a.parse::<i64>().ok());
    let request = Resource::new(
        move || (ids(), account()),
        |(ids, account)| fee_payment(ids, account),
    );
    let states = Resource::new(ids, fee_notice_status);
    // Asks again every few seconds until the bank's notification has landed (browser only).
    Effect::new(move |_| {
        if let Ok(handle) =
            set_interval_with_handle(move || states.refetch(), std::time::Duration::from_secs(2))
        {
            on_cleanup(move || handle.clear());
        }
    });
    let paid_receipts = move || {
        states.get().and_then(Result::ok).and_then(|list| {
            let all_paid = !list.is_empty() && list.iter().all(|s| s.status == NoticeStatus::Paid);
            all_paid.then(|| {
                let mut receipts: Vec<i64> =
                    list.iter().filter_map(|s| s.last_receipt_id).collect();
                receipts.dedup();
                receipts
            })
        })
    };
    view! {
        <section class="card" data-page="pay">
            <h1>{move || i18n.t(FeesText::PayTitle)}</h1>
            <Suspense fallback=|| ()>
                {move || request.get().map(|result| match result {
                    Ok(pay) => {
                        let others = pay.accounts.iter().filter(|a| a.id != pay.account.id).cloned().collect::<Vec<_>>();
                        let ids_text = pay.notice_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
                        view! {
                            <p>{move || i18n.t(FeesText::PayIntro)}</p>
                            <div class="qr" data-qr=pay.payload.clone() inner_html=pay.qr_svg.clone()></div>
                            <p class="amount-big" data-amount=pay.amount.to_string()>{format_dong(pay.amount)}</p>
                            <p class="secondary">{move || i18n.t(FeesText::NoScanner)}</p>
                            <dl class="copy-list">
                                <dt>{move || i18n.t(FeesText::Bank)}</dt>
                                <dd class="copyable" data-bank=pay.account.bank_bin.clone()>{pay.account.bank_name.clone()}</dd>
                                <dt>{move || i18n.t(FeesText::AccountNumber)}</dt>
                                <dd class="copyable" data-account=pay.account.account_number.clone()>{pay.account.account_number.clone()}</dd>
                                <dt>{move || i18n.t(FeesText::AccountName)}</dt>
                                <dd class="copyable">{pay.account.account_name.clone()}</dd>
                                <dt>{move || i18n.t(FeesText::Amount)}</dt>
                                <dd class="copyable">{pay.amount.to_string()}</dd>
                                <dt>{move || i18n.t(FeesText::Content)}</dt>
                                <dd class="copyable" data-purpose=pay.purpose.clone()>{pay.purpose.clone()}</dd>
                            </dl>
                            {(!others.is_empty()).then(|| view! {
                                <p class="secondary">{move || i18n.t(FeesText::OtherBanks)}</p>
                                <ul class="list">
                                    {others.into_iter().map(|a| view! {
                                        <li class="list-item">
                                            <a class="list-link" href=format!("/fees/pay?n={ids_text}&a={}", a.id) data-other-account=a.id.to_string()>
                                                <span class="list-title">{a.bank_name.clone()}</span>
                                                <span class="list-meta">{a.account_number.clone()}</span>
                                            </a>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            })}
                        }.into_any()
                    }
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
        </section>
        <section class="card" data-payment-state=move || if paid_receipts().is_some() { "paid" } else { "waiting" }>
            {move || match paid_receipts() {
                Some(receipts) => view! {
                    <p class="notice notice-ok" data-paid="true">{move || i18n.t(FeesText::Received)}</p>
                    {receipts.into_iter().map(|r| view! {
                        <a class="button" href=format!("/fees/receipt/{r}") data-receipt-link=r.to_string()>{move || i18n.t(FeesText::OpenReceipt)}</a>
                    }).collect_view()}
                }.into_any(),
                None => view! { <p class="secondary">{move || i18n.t(FeesText::Waiting)}</p> }.into_any(),
            }}
        </section>
    }
}

#[component]
pub fn ReceiptPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or_default()
    };
    let receipt = Resource::new(id, fee_receipt);
    view! {
        <Suspense fallback=|| ()>
            {move || receipt.get().map(|result| match result {
                Ok(r) => view! {
                    <article class="card receipt" data-page="receipt" data-receipt=r.id.to_string()>
                        <p class="receipt-org">{r.organisation.clone()}</p>
                        <p class="secondary">{r.organisation_address.clone()}</p>
                        <h1>{r.type_name.to_uppercase()}</h1>
                        {r.cancelled_reason.clone().map(|reason| view! {
                            <p class="notice notice-error" data-cancelled="true">{move || i18n.t(FeesText::Cancelled)} ": " {reason.clone()}</p>
                        })}
                        <dl class="receipt-fields">
                            <dt>{move || i18n.t(FeesText::TemplateSymbol)}</dt><dd>{r.template_symbol.clone()}</dd>
                            <dt>{move || i18n.t(FeesText::Series)}</dt><dd>{r.series.clone()}</dd>
                            <dt>{move || i18n.t(FeesText::Number)}</dt><dd data-receipt-number=r.number_label()>{format!("{:07}", r.number)}</dd>
                            <dt>{move || i18n.t(FeesText::Date)}</dt><dd>{unix_to_shown(r.issued_at)}</dd>
                            <dt>{move || i18n.t(FeesText::Payer)}</dt><dd>{r.payer_name.clone()}</dd>
                            <dt>{move || i18n.t(FeesText::Method)}</dt>
                            <dd>{let cash = r.method == "cash"; move || i18n.t(if cash { FeesText::MethodCash } else { FeesText::MethodBank })}</dd>
                        </dl>
                        <ul class="list receipt-lines">
                            {r.lines.iter().map(|l| view! {
                                <li class="list-item">
                                    <span>{l.description.clone()}</span>
                                    <span class="list-title">{format_dong(l.amount)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        <p class="receipt-total">{move || i18n.t(FeesText::Total)} ": " <strong data-total=r.total.to_string()>{format_dong(r.total)}</strong></p>
                        <p>{move || i18n.t(FeesText::InWords)} ": " <em>{r.total_in_words.clone()}</em></p>
                        <p class="secondary">{move || i18n.t(FeesText::Collector)} ": " {r.organisation.clone()}</p>
                        <div class="receipt-actions">
                            <button type="button" class="button" on:click=move |_| crate::ui::print_page()>{move || i18n.t(FeesText::Print)}</button>
                            <a class="button button-secondary" href=format!("/fees/receipts/{}/einvoice.xml", r.id) rel="external">{move || i18n.t(FeesText::EInvoiceFile)}</a>
                        </div>
                    </article>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ReportSection(report: ReportKind, school_id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let table = Resource::new(move || report, fee_report);
    view! {
        <section class="card">
            <Suspense fallback=|| ()>
                {move || table.get().map(|result| match result {
                    Ok(table) => view! { <ReportTable table /> }.into_any(),
                    Err(error) => view! { <ErrorNotice error /> }.into_any(),
                })}
            </Suspense>
            {(report == ReportKind::ByClass).then(|| view! {
                <img class="report-chart" alt="" src=format!("/fees/reports/by-class/svg?school={school_id}") />
            })}
            <a class="button button-secondary" rel="external" data-excel=report.code()
                href=format!("/fees/reports/{}/xlsx?school={school_id}", report.code())>
                {move || i18n.t(FeesText::Excel)}
            </a>
        </section>
    }
}

#[component]
pub fn FeeOfficePage() -> impl IntoView {
    let i18n = use_i18n();
    let desk = Resource::new(|| (), |_| fee_desk());
    let assign = Action::new(|(id, code): &(i64, String)| assign_transfer(*id, code.clone()));
    let cash = Action::new(|(code, amount, payer): &(String, i64, String)| {
        record_cash(code.clone(), *amount, payer.clone())
    });
    let cancel = Action::new(|(id, reason): &(i64, String)| cancel_receipt(*id, reason.clone()));
    Effect::new(move |_| {
        if assign.value().get().is_some()
            || cash.value().get().is_some()
            || cancel.value().get().is_some()
        {
            desk.refetch();
        }
    });
    let cash_code = RwSignal::new(String::new());
    let cash_amount = RwSignal::new(String::new());
    let cash_payer = RwSignal::new(String::new());
    let last_error = move || {
        [
            assign.value().get().and_then(|r| r.err()),
            cash.value().get().and_then(|r| r.err()),
            cancel.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
    };
    view! {
        <section class="card" data-page="fee-office">
            <h1>{move || i18n.t(FeesText::OfficeTitle)}</h1>
            {move || last_error().map(|error| view! { <ErrorNotice error /> })}
            {move || cash.value().get().and_then(Result::ok).map(|r| view! {
                <p class="notice notice-ok">{move || i18n.t(FeesText::Done)} " "
                    <a href=format!("/fees/receipt/{r}") data-cash-receipt=r.to_string()>{move || i18n.t(FeesText::OpenReceipt)}</a></p>
            })}
        </section>
        <Suspense fallback=|| ()>
            {move || desk.get().map(|result| match result {
                Ok(desk) => {
                    let school_id = desk.school_id;
                    let waiting = desk.unmatched.len().to_string();
                    view! {
                        <section class="card" data-unmatched=waiting>
                            <h2>{move || i18n.t(FeesText::Unmatched)}</h2>
                            {desk.unmatched.is_empty().then(|| view! { <p class="secondary">{move || i18n.t(FeesText::NoUnmatched)}</p> })}
                            <ul class="list">
                                {desk.unmatched.into_iter().map(|t| {
                                    let code = RwSignal::new(String::new());
                                    let id = t.id;
                                    view! {
                                        <li class="list-item" data-transfer=id.to_string()>
                                            <span class="list-title">{format_dong(t.amount)} " · " {t.bank_name.clone()}</span>
                                            <span class="list-meta">{t.description.clone()} " · " {t.occurred_at.clone()}</span>
                                            <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); assign.dispatch((id, code.get())); }>
                                                <input type="text" required placeholder=move || i18n.t(FeesText::ReferenceCode)
                                                    prop:value=code on:input=move |ev| code.set(event_target_value(&ev)) />
                                                <button type="submit" class="button">{move || i18n.t(FeesText::Assign)}</button>
                                            </form>
                                        </li>
                                    }.into_any()
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="card">
                            <h2>{move || i18n.t(FeesText::CashTitle)}</h2>
                            <form class="stack-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let amount = cash_amount.get().replace(['.', ',', ' '], "").parse::<i64>().unwrap_or(0);
                                cash.dispatch((cash_code.get(), amount, cash_payer.get()));
                            }>
                                <label>{move || i18n.t(FeesText::ReferenceCode)}
                                    <input type="text" name="reference_code" required prop:value=cash_code on:input=move |ev| cash_code.set(event_target_value(&ev)) /></label>
                                <label>{move || i18n.t(FeesText::Amount)}
                                    <input type="text" inputmode="numeric" name="amount" required prop:value=cash_amount on:input=move |ev| cash_amount.set(event_target_value(&ev)) /></label>
                                <label>{move || i18n.t(FeesText::PayerName)}
                                    <input type="text" name="payer_name" required prop:value=cash_payer on:input=move |ev| cash_payer.set(event_target_value(&ev)) /></label>
                                <button type="submit" class="button">{move || i18n.t(FeesText::RecordCash)}</button>
                            </form>
                        </section>
                        <section class="card">
                            <h2>{move || i18n.t(FeesText::RecentReceipts)}</h2>
                            <ul class="list">
                                {desk.recent_receipts.into_iter().map(|p| {
                                    let reason = RwSignal::new(String::new());
                                    let id = p.receipt_id;
                                    view! {
                                        <li class="list-item" data-office-receipt=id.to_string()>
                                            <a class="list-link" href=format!("/fees/receipt/{id}")>
                                                <span class="list-title">{p.receipt_number.clone()} " · " {format_dong(p.amount)}</span>
                                                <span class="list-meta">{unix_to_shown(p.issued_at)}
                                                    {p.cancelled.then(|| view! { " · " <span class="status status-unpaid">{move || i18n.t(FeesText::Cancelled)}</span> })}</span>
                                            </a>
                                            {(!p.cancelled).then(|| view! {
                                                <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); cancel.dispatch((id, reason.get())); }>
                                                    <input type="text" placeholder=move || i18n.t(FeesText::Reason)
                                                        prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                                                    <button type="submit" class="button button-secondary">{move || i18n.t(FeesText::Cancel)}</button>
                                                </form>
                                            })}
                                        </li>
                                    }.into_any()
                                }).collect_view()}
                            </ul>
                        </section>
                        <h2 class="section-title">{move || i18n.t(FeesText::Reports)}</h2>
                        <ReportSection report=ReportKind::ByClass school_id />
                        <ReportSection report=ReportKind::Daily school_id />
                        <ReportSection report=ReportKind::Unmatched school_id />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error /> }.into_any(),
            })}
        </Suspense>
    }
}
