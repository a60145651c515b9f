// Issuers' screens: the review queue and decisions, issuing a permit
// directly, quotas, suspicious-conduct alerts (live) and, for analysts and
// admins, the statistics charts.
import { register, t, lang } from "./i18n.js";
import { h, field, select, toast, errorBox, fmtDate, fmtDateTime, loading, screenMount, pager } from "./ui.js";
import { get, post, request, qs, session, newKey } from "./api.js";
import { route, go } from "./router.js";
import {
  permitForm, requestFacts, loadCountries, attachmentList, messageList, statusNotice, applicationTable, appBadge, busy,
  readControls, taxonInput, onLeave, codeLabel, SOURCES, TERMS, UNITS,
} from "./exporter.js";
import { stackedBars, hBars } from "./charts.js";

const VERDICTS = [["valid", "#15803d"], ["used", "#1d4ed8"], ["expired", "#b45309"], ["not_yet_valid", "#0e7490"],
  ["revoked", "#b91c1c"], ["not_found", "#7e22ce"], ["bad_signature", "#be185d"], ["unknown_key", "#4338ca"], ["malformed", "#4b5563"]];
const SEVERITY_BADGE = { low: "", medium: "warn", high: "bad", critical: "bad" };
const ALERT_STATUS_BADGE = { open: "warn", acknowledged: "", closed: "good" };
const QUEUE_STATUSES = ["submitted", "changes_requested", "rejected", "approved", "draft"];

register({
  en: {
    nav_queue: "Review queue", nav_issue: "Issue permit", nav_quotas: "Quotas", nav_alerts: "Alerts", nav_stats: "Statistics",
    queue: "Applications to review", queue_empty: "No applications in this list.", review_n: "Review application {id}",
    applicant: "Applicant: {who}", submitted_on: "Submitted {when}",
    decision: "Decision", approve: "Approve and issue permit", request_changes: "Request changes", reject: "Reject",
    decision_message: "Message to the exporter", decision_message_hint: "Required to request changes or to reject.",
    message_needed: "Write what to change, or why the application is rejected.",
    confirm_missing: "Approve although these documents are missing", missing_approve_reason: "Why approve without them (kept in the permit's history)",
    confirm_missing_needed: "Tick the confirmation and give a reason to approve without the missing documents.", box13: "On the permit",
    f_submitted_from: "Submitted from", f_submitted_to: "Submitted until",
    f_sort: "Order", sort_oldest: "Waiting longest first", sort_newest: "Newest first", sort_updated: "Recently changed first",
    queue_search_hint: "Reference (A-2026-000123), exporter, importer or species.",
    queue_none_match: "No applications match: clear the search or choose another status.",
    queue_nothing_waiting: "No applications are waiting for review. New ones appear here when exporters submit them.",
    approved_ok: "Approved: permit {number} issued.", changes_ok: "Changes requested.", rejected_ok: "Application rejected.",
    issue_title: "Issue a permit", issue: "Issue permit", issued_ok: "Permit {number} issued.",
    quotas: "Export quotas", f_year: "Year", quotas_empty: "No quotas recorded for this year.", set_quota: "Record quota",
    set_quota_h: "Record or change a quota", quota_saved: "Quota recorded: {taxon}, {year}.", f_notes: "Notes",
    f_quota_quantity: "Annual quota", f_quota_authority: "Authority", f_quota_authority_hint: "Two-letter ISO code of the Management Authority.",
    col_taxon: "Species", col_source_term: "Source / type", col_quota: "Quota", col_used: "Used", col_remaining: "Remaining", col_period: "Quota year",
    show: "Show",
    f_evidence: "Evidence", f_evidence_hint: "A permit number, a case number or a verification id.", f_seen_from: "Seen from", f_seen_to: "Seen until",
    f_rule: "Rule", select_alert: "Select", select_all: "Select all on this page", bulk_acknowledge: "Acknowledge selected ({n})",
    bulk_close: "Close selected ({n})", bulk_done: "{n} alerts changed.", bulk_failed: "Not changed: {list}",
    alerts_none_match: "No alerts match these filters: choose another status, severity or rule.",
    alerts: "Alerts", alerts_empty: "No open alerts: new ones appear here as soon as the rules raise them.", acknowledge: "Acknowledge", close_alert: "Close",
    alert_open: "Open", alert_acknowledged: "Acknowledged", alert_closed: "Closed",
    sev_low: "Low", sev_medium: "Medium", sev_high: "High", sev_critical: "Critical", severity: "Severity",
    occurrences: "Occurrences: {n}", first_last: "First {first}, last {last}", evidence: "Evidence",
    ev_verification: "Verification", ev_permit: "Permit", ev_case: "Case",
    live_on: "Live updates on.", live_retry: "Connection lost: retrying in {n} s.", live_off: "Live updates are not available: {why}",
    new_alert: "New alert: {reason}",
    rule_forged_code: "Forged or unknown code", rule_revoked_permit: "Revoked permit presented", rule_expired_permit: "Expired permit presented",
    rule_reused_permit: "Used permit presented again", rule_two_checkpoints: "One permit at two checkpoints", rule_over_quantity: "More found than allowed",
    rule_linked_to_case: "Linked to an earlier case", rule_appendix_i_trade: "Appendix I commercial trade", rule_captive_volume: "Implausible captive-bred volume",
    rule_offline_endorsement_conflict: "Offline endorsement refused on arrival", rule_issue_spike: "Spike of permits for one species", rule_verification_log: "Verification record refused by the database",
    stats: "Statistics", f_period: "Period", last_days: "Last {n} days", f_stats_authority: "Authority (empty: all)",
    verifications_by_day: "Verifications by verdict, per day", verifications_desc: "{total} verifications from {from} to {to}.",
    cases_by_species: "Cases by species", cases_by_checkpoint: "Cases by checkpoint", cases_desc: "{total} cases from {from} to {to}; most: {top}.",
    n_cases: "Cases", totals: "In the period: cases {cases}, seizures {seizures}, alerts {alerts}.",
    vd_valid: "Valid", vd_used: "Used", vd_expired: "Expired", vd_not_yet_valid: "Not yet valid", vd_revoked: "Revoked",
    vd_not_found: "Not found", vd_bad_signature: "Bad signature", vd_unknown_key: "Unknown key", vd_malformed: "Unreadable",
  },
  ru: {
    nav_queue: "Очередь", nav_issue: "Выдать разрешение", nav_quotas: "Квоты", nav_alerts: "Оповещения", nav_stats: "Статистика",
    queue: "Заявки на рассмотрение", queue_empty: "В этом списке нет заявок.", review_n: "Рассмотрение заявки {id}",
    applicant: "Заявитель: {who}", submitted_on: "Подана {when}",
    decision: "Решение", approve: "Одобрить и выдать разрешение", request_changes: "Запросить изменения", reject: "Отклонить",
    decision_message: "Сообщение экспортёру", decision_message_hint: "Обязательно, чтобы запросить изменения или отклонить.",
    message_needed: "Напишите, что изменить, или почему заявка отклонена.",
    confirm_missing: "Одобрить, хотя этих документов нет", missing_approve_reason: "Почему одобряете без них (сохранится в истории разрешения)",
    confirm_missing_needed: "Отметьте подтверждение и укажите причину, чтобы одобрить без недостающих документов.", box13: "В разрешении",
    f_submitted_from: "Поданы с", f_submitted_to: "Поданы по",
    f_sort: "Порядок", sort_oldest: "Дольше всех ждут — сначала", sort_newest: "Сначала новые", sort_updated: "Сначала недавно изменённые",
    queue_search_hint: "Номер заявки (A-2026-000123), экспортёр, импортёр или вид.",
    queue_none_match: "Подходящих заявок нет: очистите поиск или выберите другой статус.",
    queue_nothing_waiting: "Заявок на рассмотрение нет. Новые появятся здесь, когда экспортёры их подадут.",
    approved_ok: "Одобрено: выдано разрешение {number}.", changes_ok: "Изменения запрошены.", rejected_ok: "Заявка отклонена.",
    issue_title: "Выдать разрешение", issue: "Выдать разрешение", issued_ok: "Выдано разрешение {number}.",
    quotas: "Экспортные квоты", f_year: "Год", quotas_empty: "На этот год квоты не записаны.", set_quota: "Записать квоту",
    set_quota_h: "Записать или изменить квоту", quota_saved: "Квота записана: {taxon}, {year}.", f_notes: "Примечания",
    f_quota_quantity: "Годовая квота", f_quota_authority: "Орган", f_quota_authority_hint: "Двухбуквенный код ISO административного органа.",
    col_taxon: "Вид", col_source_term: "Источник / тип", col_quota: "Квота", col_used: "Использовано", col_remaining: "Остаток", col_period: "Квотный год",
    show: "Показать",
    f_evidence: "Доказательство", f_evidence_hint: "Номер разрешения, номер дела или идентификатор проверки.", f_seen_from: "Замечены с", f_seen_to: "Замечены по",
    f_rule: "Правило", select_alert: "Выбрать", select_all: "Выбрать все на странице", bulk_acknowledge: "Принять выбранные ({n})",
    bulk_close: "Закрыть выбранные ({n})", bulk_done: "Изменено оповещений: {n}.", bulk_failed: "Не изменены: {list}",
    alerts_none_match: "Нет оповещений с такими условиями: выберите другой статус, важность или правило.",
    alerts: "Оповещения", alerts_empty: "Открытых оповещений нет: новые появятся здесь, как только их поднимут правила.", acknowledge: "Принять к сведению", close_alert: "Закрыть",
    alert_open: "Открыто", alert_acknowledged: "Принято к сведению", alert_closed: "Закрыто",
    sev_low: "Низкая", sev_medium: "Средняя", sev_high: "Высокая", sev_critical: "Критическая", severity: "Важность",
    occurrences: "Случаев: {n}", first_last: "Впервые {first}, последний раз {last}", evidence: "Доказательства",
    ev_verification: "Проверка", ev_permit: "Разрешение", ev_case: "Дело",
    live_on: "Обновления в реальном времени включены.", live_retry: "Связь потеряна: повтор через {n} с.", live_off: "Обновления в реальном времени недоступны: {why}",
    new_alert: "Новое оповещение: {reason}",
    rule_forged_code: "Поддельный или неизвестный код", rule_revoked_permit: "Предъявлено отозванное разрешение", rule_expired_permit: "Предъявлено просроченное разрешение",
    rule_reused_permit: "Повторно предъявлено использованное разрешение", rule_two_checkpoints: "Одно разрешение на двух пунктах", rule_over_quantity: "Найдено больше разрешённого",
    rule_linked_to_case: "Связано с прежним делом", rule_appendix_i_trade: "Коммерческая торговля видами Приложения I", rule_captive_volume: "Неправдоподобный объём разведённых в неволе",
    rule_offline_endorsement_conflict: "Офлайн-отметка отклонена при отправке", rule_issue_spike: "Всплеск разрешений на один вид", rule_verification_log: "Запись о проверке отклонена базой данных",
    stats: "Статистика", f_period: "Период", last_days: "Последние {n} дней", f_stats_authority: "Орган (пусто: все)",
    verifications_by_day: "Проверки по результату, по дням", verifications_desc: "{total} проверок с {from} по {to}.",
    cases_by_species: "Дела по видам", cases_by_checkpoint: "Дела по пунктам пропуска", cases_desc: "{total} дел с {from} по {to}; больше всего: {top}.",
    n_cases: "Дела", totals: "За период: дел {cases}, изъятий {seizures}, оповещений {alerts}.",
    vd_valid: "Действительно", vd_used: "Использовано", vd_expired: "Истёк срок", vd_not_yet_valid: "Ещё не действует", vd_revoked: "Отозвано",
    vd_not_found: "Не найдено", vd_bad_signature: "Неверная подпись", vd_unknown_key: "Неизвестный ключ", vd_malformed: "Не читается",
  },
  ky: {
    nav_queue: "Кезек", nav_issue: "Уруксат берүү", nav_quotas: "Квоталар", nav_alerts: "Эскертүүлөр", nav_stats: "Статистика",
    queue: "Кароодогу арыздар", queue_empty: "Бул тизмеде арыз жок.", review_n: "{id}-арызды кароо",
    applicant: "Арыз ээси: {who}", submitted_on: "Берилген: {when}",
    decision: "Чечим", approve: "Жактыруу жана уруксат берүү", request_changes: "Өзгөртүү суроо", reject: "Четке кагуу",
    decision_message: "Экспорттоочуга билдирүү", decision_message_hint: "Өзгөртүү суроо же четке кагуу үчүн милдеттүү.",
    message_needed: "Эмнени өзгөртүү керектигин же арыз эмне үчүн четке кагылганын жазыңыз.",
    confirm_missing: "Бул документтер жок болсо да жактыруу", missing_approve_reason: "Эмне үчүн аларсыз жактырасыз (уруксаттын тарыхында сакталат)",
    confirm_missing_needed: "Жетишпеген документтерсиз жактыруу үчүн ырастоону белгилеп, себебин жазыңыз.", box13: "Уруксатта",
    f_submitted_from: "Берилген күндөн", f_submitted_to: "Берилген күнгө чейин",
    f_sort: "Тартиби", sort_oldest: "Эң көп күткөндөр биринчи", sort_newest: "Жаңылары биринчи", sort_updated: "Жакында өзгөргөндөр биринчи",
    queue_search_hint: "Арыздын номери (A-2026-000123), экспорттоочу, импорттоочу же түр.",
    queue_none_match: "Ылайыктуу арыз жок: издөөнү тазалаңыз же башка абалды тандаңыз.",
    queue_nothing_waiting: "Кароону күткөн арыз жок. Экспорттоочулар бергенде жаңылары бул жерде пайда болот.",
    approved_ok: "Жактырылды: {number} уруксаты берилди.", changes_ok: "Өзгөртүү суралды.", rejected_ok: "Арыз четке кагылды.",
    issue_title: "Уруксат берүү", issue: "Уруксат берүү", issued_ok: "{number} уруксаты берилди.",
    quotas: "Экспорттук квоталар", f_year: "Жыл", quotas_empty: "Бул жылга квота жазылган эмес.", set_quota: "Квотаны жазуу",
    set_quota_h: "Квотаны жазуу же өзгөртүү", quota_saved: "Квота жазылды: {taxon}, {year}.", f_notes: "Эскертмелер",
    f_quota_quantity: "Жылдык квота", f_quota_authority: "Орган", f_quota_authority_hint: "Башкаруучу органдын эки тамгалуу ISO коду.",
    col_taxon: "Түр", col_source_term: "Булагы / түрү", col_quota: "Квота", col_used: "Колдонулду", col_remaining: "Калды", col_period: "Квота жылы",
    show: "Көрсөтүү",
    f_evidence: "Далил", f_evidence_hint: "Уруксаттын номери, иштин номери же текшерүүнүн идентификатору.", f_seen_from: "Байкалган күндөн", f_seen_to: "Байкалган күнгө чейин",
    f_rule: "Эреже", select_alert: "Тандоо", select_all: "Бул беттегилердин баарын тандоо", bulk_acknowledge: "Тандалгандарды кабыл алуу ({n})",
    bulk_close: "Тандалгандарды жабуу ({n})", bulk_done: "Өзгөргөн эскертүүлөр: {n}.", bulk_failed: "Өзгөргөн жок: {list}",
    alerts_none_match: "Бул шарттарга ылайык эскертүү жок: башка абалды, маанилүүлүктү же эрежени тандаңыз.",
    alerts: "Эскертүүлөр", alerts_empty: "Ачык эскертүү жок: эрежелер көтөргөндө жаңылары ушул жерде пайда болот.", acknowledge: "Кабыл алуу", close_alert: "Жабуу",
    alert_open: "Ачык", alert_acknowledged: "Кабыл алынган", alert_closed: "Жабылган",
    sev_low: "Төмөн", sev_medium: "Орточо", sev_high: "Жогору", sev_critical: "Өтө коркунучтуу", severity: "Маанилүүлүгү",
    occurrences: "{n} жолу", first_last: "Биринчи {first}, акыркы {last}", evidence: "Далилдер",
    ev_verification: "Текшерүү", ev_permit: "Уруксат", ev_case: "Иш",
    live_on: "Жаңыртуулар түз убакытта келет.", live_retry: "Байланыш үзүлдү: {n} сек кийин кайра аракет.", live_off: "Түз жаңыртуулар жеткиликсиз: {why}",
    new_alert: "Жаңы эскертүү: {reason}",
    rule_forged_code: "Жасалма же белгисиз код", rule_revoked_permit: "Кайтарылып алынган уруксат көрсөтүлдү", rule_expired_permit: "Мөөнөтү бүткөн уруксат көрсөтүлдү",
    rule_reused_permit: "Колдонулган уруксат кайра көрсөтүлдү", rule_two_checkpoints: "Бир уруксат эки бекетте", rule_over_quantity: "Уруксаттагыдан көп табылды",
    rule_linked_to_case: "Мурунку ишке байланыштуу", rule_appendix_i_trade: "I-тиркемедеги түрлөр менен коммерциялык соода", rule_captive_volume: "Туткунда көбөйтүлгөндөрдүн ишенимсиз көлөмү",
    rule_offline_endorsement_conflict: "Офлайн белги жөнөтүлгөндө четке кагылды", rule_issue_spike: "Бир түргө уруксаттардын кескин көбөйүшү", rule_verification_log: "Текшерүү жазуусун маалымат базасы кабыл алган жок",
    stats: "Статистика", f_period: "Мезгил", last_days: "Акыркы {n} күн", f_stats_authority: "Орган (бош: баары)",
    verifications_by_day: "Текшерүүлөр жыйынтык боюнча, күн сайын", verifications_desc: "{from} – {to}: {total} текшерүү.",
    cases_by_species: "Иштер түрлөр боюнча", cases_by_checkpoint: "Иштер бекеттер боюнча", cases_desc: "{from} – {to}: {total} иш; эң көбү: {top}.",
    n_cases: "Иштер", totals: "Мезгилде: {cases} иш, {seizures} алып коюу, {alerts} эскертүү.",
    vd_valid: "Жарактуу", vd_used: "Колдонулган", vd_expired: "Мөөнөтү бүткөн", vd_not_yet_valid: "Азырынча күчүндө эмес", vd_revoked: "Кайтарылып алынган",
    vd_not_found: "Табылган жок", vd_bad_signature: "Кол тамга туура эмес", vd_unknown_key: "Белгисиз ачкыч", vd_malformed: "Окулбайт",
  },
});

const ok = (text) => h("p", { class: "ok", role: "status" }, text);

// ---- review queue ----

const QUEUE_PAGE = 20;

// queueScreen is the review queue: searched by reference or any text of
// the application, filtered by status, longest waiting first by default,
// paged through any number.
async function queueScreen(params, query) {
  const mount = screenMount();
  const status = query.has("status") ? query.get("status") : "submitted";
  const q = query.get("q") || "", sort = query.get("sort") || "oldest";
  const from = query.get("from") || "", until = query.get("to") || "";
  const fromIn = h("input", { type: "date", name: "from", value: from });
  const toIn = h("input", { type: "date", name: "to", value: until });
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const search = h("input", { type: "search", name: "q", value: q, autocomplete: "off", autocapitalize: "none" });
  const sel = select("status", [...QUEUE_STATUSES.map((s) => [s, t("app_" + s)]), ["all", t("all")]], status);
  const sortSel = select("sort", [["oldest", t("sort_oldest")], ["newest", t("sort_newest")], ["updated", t("sort_updated")]], sort);
  const to = (p) => go("#/queue" + qs({ status: sel.value === "submitted" ? "" : sel.value, q: search.value.trim(),
    sort: sortSel.value === "oldest" ? "" : sortSel.value, from: fromIn.value, to: toIn.value, page: p > 1 ? p : "" }));
  sel.addEventListener("change", () => to(1));
  sortSel.addEventListener("change", () => to(1));
  const filter = h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); to(1); } },
    field(t("search"), search, t("queue_search_hint")),
    h("div", { class: "two" }, field(t("f_status"), sel), field(t("f_sort"), sortSel)),
    h("div", { class: "two" }, field(t("f_submitted_from"), fromIn), field(t("f_submitted_to"), toIn)),
    h("button", { type: "submit", "data-action": "search" }, t("search")));
  mount(h("h1", {}, t("queue")), filter, loading());
  const r = await get("/api/v1/applications" + qs({ status: status === "all" ? "" : status, q, sort, from, to: until, page, size: QUEUE_PAGE }));
  const pages = Math.max(1, Math.ceil(r.total / r.size));
  const empty = q || from || until || status !== "submitted" ? t("queue_none_match") : t("queue_nothing_waiting");
  mount(h("h1", {}, t("queue")), filter,
    h("p", { role: "status", "data-role": "total" }, t("total_n", { n: r.total })),
    r.applications.length ? applicationTable(r.applications, (a) => `#/queue/${a.id}`, { age: true }) : h("p", { class: "muted empty" }, empty),
    pager(page, pages, to));
}

// reviewScreen shows an application to the authority, with the decision
// buttons while it is submitted. flash is the outcome of the last action.
async function reviewScreen({ id }, query, flash) {
  const mount = screenMount();
  let title = t("review_n", { id });
  mount(h("h1", {}, title), loading());
  const [app] = await Promise.all([get(`/api/v1/applications/${encodeURIComponent(id)}`), loadCountries()]);
  title = t("review_n", { id: app.reference });
  const canDecide = session().role === "issuer" && app.status === "submitted";
  mount(h("h1", {}, title), flash ? h("div", { "aria-live": "assertive" }, flash) : null,
    h("p", {}, appBadge(app.status), " ", t("applicant", { who: app.exporter }),
      app.submitted_at ? [" · ", t("submitted_on", { when: fmtDateTime(app.submitted_at) })] : null),
    statusNotice(app), ...requestFacts(app.request),
    app.payment_reference ? h("p", {}, t("f_payment_reference"), ": ", app.payment_reference) : null,
    h("h2", {}, t("attachments")), attachmentList(app),
    canDecide ? decisionForm(app) : null,
    messageList(app));
}

function decisionForm(app) {
  const message = h("textarea", { name: "message", rows: 3, maxlength: 2000 });
  const place = h("input", { name: "issued_place", maxlength: 200, autocomplete: "address-level2" });
  const stamp = h("input", { name: "security_stamp", maxlength: 100, autocomplete: "off" });
  // Approving while documents are missing takes a confirmation and a
  // reason, which the permit's history keeps.
  const missing = app.missing || [];
  const confirm = h("input", { type: "checkbox", name: "confirm_missing_documents" });
  const why = h("textarea", { name: "missing_documents_reason", rows: 2, maxlength: 2000 });
  const msg = h("div", { "aria-live": "assertive" });
  const approve = h("button", { type: "button", class: "primary", "data-action": "approve" }, t("approve"));
  const changes = h("button", { type: "button", "data-action": "request-changes" }, t("request_changes"));
  const reject = h("button", { type: "button", class: "danger", "data-action": "reject" }, t("reject"));
  const decide = (decision, needsMessage, done) => busy([approve, changes, reject], async () => {
    msg.replaceChildren();
    const text = message.value.trim();
    if (needsMessage && !text) {
      msg.replaceChildren(h("p", { class: "error", role: "alert" }, t("message_needed")));
      message.focus();
      return;
    }
    const body = { decision, message: text };
    if (decision === "approve") {
      Object.assign(body, { issued_place: place.value.trim(), security_stamp: stamp.value.trim() });
      if (missing.length) {
        if (!confirm.checked || !why.value.trim()) {
          msg.replaceChildren(h("p", { class: "error", role: "alert" }, t("confirm_missing_needed")));
          (confirm.checked ? why : confirm).focus();
          return;
        }
        Object.assign(body, { confirm_missing_documents: true, missing_documents_reason: why.value.trim() });
      }
    }
    try {
      const a = await post(`/api/v1/applications/${app.id}/decision`, body);
      await reviewScreen({ id: String(app.id) }, null, ok(done(a)));
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
  approve.addEventListener("click", () => decide("approve", false, (a) => t("approved_ok", { number: a.permit_number })));
  changes.addEventListener("click", () => decide("request_changes", true, () => t("changes_ok")));
  reject.addEventListener("click", () => decide("reject", true, () => t("rejected_ok")));
  return h("section", { class: "card", "aria-labelledby": "decision-h" }, h("h2", { id: "decision-h" }, t("decision")),
    field(t("decision_message"), message, t("decision_message_hint")),
    h("fieldset", {}, h("legend", {}, t("box13")), h("div", { class: "two" },
      field(t("f_issued_place"), place), field(t("f_security_stamp"), stamp))),
    missing.length ? h("fieldset", { class: "missing-confirm", "data-role": "missing-confirm" }, h("legend", {}, t("missing_docs")),
      h("ul", { class: "missing" }, missing.map((k) => h("li", {}, t("att_" + k)))),
      h("label", { class: "check" }, confirm, t("confirm_missing")),
      field(t("missing_approve_reason"), why)) : null,
    msg,
    h("div", { class: "actions" }, approve, changes, reject));
}

// ---- issuing directly ----

function issueScreen() {
  const mount = screenMount();
  const form = permitForm({}, { issuer: true });
  // One key per permit to issue: pressing "Issue" again after a lost
  // answer gets the permit already issued, not a second one.
  const key = newKey();
  const msg = h("div", { "aria-live": "assertive" });
  const btn = h("button", { type: "submit", class: "primary", "data-action": "issue" }, t("issue"));
  mount(h("h1", {}, t("issue_title")),
    h("form", {
      novalidate: true,
      onsubmit: (e) => {
        e.preventDefault();
        msg.replaceChildren();
        busy([btn], async () => {
          try {
            const p = await post("/api/v1/permits", form.read(), { key });
            toast(t("issued_ok", { number: p.number }));
            go(`#/permits/${encodeURIComponent(p.number)}`);
          } catch (err) {
            msg.replaceChildren(errorBox(err));
          }
        });
      },
    }, form.el, msg, h("div", { class: "actions" }, btn)));
}

// ---- quotas ----

async function quotasScreen(params, query) {
  const mount = screenMount();
  const thisYear = new Date().getFullYear();
  const year = parseInt(query.get("year"), 10) || thisYear;
  const s = session();
  const yearSel = select("year", [thisYear - 1, thisYear, thisYear + 1].map((y) => [String(y), String(y)]), String(year));
  yearSel.addEventListener("change", () => go("#/quotas" + qs({ year: yearSel.value })));
  const filter = h("form", { class: "card", onsubmit: (e) => e.preventDefault() }, field(t("f_year"), yearSel));
  mount(h("h1", {}, t("quotas")), filter, loading());
  const r = await get("/api/v1/quotas" + qs({ year }));
  const list = r.quotas.length ? h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, [s.role === "issuer" ? null : "f_quota_authority", "col_taxon", "col_source_term", "col_quota", "col_used", "col_remaining", "col_period"]
      .filter(Boolean).map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, r.quotas.map((q) => h("tr", {},
      s.role === "issuer" ? null : h("td", {}, q.authority),
      h("td", {}, h("i", {}, q.taxon), q.notes ? h("div", { class: "muted" }, q.notes) : null),
      h("td", {}, `${q.source} / ${q.term}`, h("div", { class: "muted" }, `${t("source_" + q.source)}; ${t("term_" + q.term)}`)),
      h("td", {}, `${q.quantity} ${q.unit}`.trim()),
      h("td", {}, String(q.used)),
      h("td", {}, q.remaining <= 0 ? h("span", { class: "badge bad" }, String(q.remaining)) : String(q.remaining)),
      h("td", {}, `${fmtDate(q.year_start)} – ${fmtDate(q.year_end)}`)))))) : h("p", { class: "muted" }, t("quotas_empty"));
  mount(h("h1", {}, t("quotas")), filter, list, s.role === "issuer" || s.role === "admin" ? quotaForm(year, s) : null);
}

// quotaForm records a quota (POST replaces the one of the same authority,
// taxon, source, term and year).
function quotaForm(year, s) {
  const { input: taxon, list } = taxonInput("taxon", "");
  const taxonField = field(t("f_taxon"), taxon, t("f_taxon_hint"));
  taxonField.append(list);
  const msg = h("div", { "aria-live": "assertive" });
  const btn = h("button", { type: "submit", class: "primary", "data-action": "set-quota" }, t("set_quota"));
  const form = h("form", {
    class: "card",
    "aria-labelledby": "quota-h",
    novalidate: true,
    onsubmit: (e) => {
      e.preventDefault();
      msg.replaceChildren();
      const body = readControls(form);
      busy([btn], async () => {
        try {
          const q = await post("/api/v1/quotas", body);
          toast(t("quota_saved", { taxon: q.taxon, year: q.year }));
          if (q.year === year) await quotasScreen({}, new URLSearchParams(qs({ year })));
          else go("#/quotas" + qs({ year: q.year }));
        } catch (err) {
          msg.replaceChildren(errorBox(err));
        }
      });
    },
  }, h("h2", { id: "quota-h" }, t("set_quota_h")),
  s.role === "admin" ? field(t("f_quota_authority"), h("input", { name: "authority", maxlength: 2, class: "country", autocapitalize: "characters" }), t("f_quota_authority_hint")) : null,
  taxonField,
  h("div", { class: "two" },
    field(t("f_source"), select("source", SOURCES.map((c) => [c, codeLabel("source_", c)]), "W")),
    field(t("f_term"), select("term", TERMS.map((c) => [c, codeLabel("term_", c)]), "LIV"))),
  h("div", { class: "two" },
    field(t("f_year"), h("input", { name: "year", "data-number": "", inputmode: "numeric", value: String(year) })),
    field(t("f_quota_quantity"), h("input", { name: "quantity", "data-number": "", inputmode: "decimal" }))),
  field(t("f_unit"), select("unit", UNITS.map((u) => [u, u ? `${u} — ${t("unit_" + u)}` : t("unit_")]), "")),
  field(t("f_notes"), h("textarea", { name: "notes", rows: 2 })),
  msg, btn);
  return form;
}

// ---- alerts ----

const RULES = ["forged_code", "revoked_permit", "expired_permit", "reused_permit", "two_checkpoints", "over_quantity", "linked_to_case",
  "appendix_i_trade", "captive_volume", "offline_endorsement_conflict", "issue_spike", "verification_log"];
const SEVERITIES = ["low", "medium", "high", "critical"];
const ALERTS_PAGE = 50;

// alertItem is one alert's card; with selected (a Set of ids) it has a
// box to select it for a bulk action, and onSelect is told of changes.
function alertItem(a, onAction, selected, onSelect) {
  const actions = [];
  if (a.status === "open") actions.push(h("button", { type: "button", "data-action": "acknowledge", "data-id": a.id, onclick: (e) => onAction(e.currentTarget, a, "acknowledge") }, t("acknowledge")));
  if (a.status !== "closed") actions.push(h("button", { type: "button", "data-action": "close", "data-id": a.id, onclick: (e) => onAction(e.currentTarget, a, "close") }, t("close_alert")));
  const evidence = (e) => {
    const label = `${t("ev_" + e.kind)} ${e.ref}`;
    // A permit or case opens (issuers do not read cases); anything else
    // lists every alert with the same evidence (a verification, which has
    // no screen of its own).
    const open = { permit: "#/permits/", case: session().role === "issuer" ? "" : "#/cases/" }[e.kind];
    const href = open ? open + encodeURIComponent(e.ref) : "#/alerts" + qs({ status: "all", evidence: e.ref });
    return h("li", {}, h("a", { href, "data-evidence": e.kind }, label), " · ", h("span", { class: "muted" }, fmtDateTime(e.at)));
  };
  const pick = selected && a.status !== "closed" ? h("label", { class: "check" },
    h("input", { type: "checkbox", "data-select": a.id, checked: selected.has(a.id),
      onchange: (e) => { if (e.target.checked) selected.add(a.id); else selected.delete(a.id); onSelect(); } }),
    h("span", {}, t("select_alert"))) : null;
  return h("li", { class: "card alert", "data-alert": a.id }, pick,
    h("div", { class: "row" },
      h("span", { class: `badge ${SEVERITY_BADGE[a.severity] || ""}` }, `${t("severity")}: ${t("sev_" + a.severity)}`),
      h("span", { class: `badge ${ALERT_STATUS_BADGE[a.status] || ""}` }, t("alert_" + a.status)),
      h("span", { class: "muted" }, t("occurrences", { n: a.occurrences }))),
    h("h2", {}, ruleLabel(a.rule)),
    h("p", {}, a.reason),
    h("p", { class: "muted" }, t("first_last", { first: fmtDateTime(a.created_at), last: fmtDateTime(a.last_seen_at) })),
    a.evidence.length ? h("details", {}, h("summary", {}, `${t("evidence")} (${a.evidence.length})`), h("ul", {}, a.evidence.map(evidence))) : null,
    actions.length ? h("div", { class: "actions" }, actions) : null);
}

function ruleLabel(rule) {
  const key = "rule_" + rule;
  const label = t(key);
  return label === key ? rule : label;
}

async function alertsScreen(params, query) {
  const mount = screenMount();
  const status = query.has("status") ? query.get("status") : "open";
  const severity = query.get("severity") || "", rule = query.get("rule") || "";
  const evidence = query.get("evidence") || "", from = query.get("from") || "", until = query.get("to") || "";
  const evidenceIn = h("input", { type: "search", name: "evidence", value: evidence, autocomplete: "off", autocapitalize: "none" });
  const fromIn = h("input", { type: "date", name: "from", value: from });
  const toIn = h("input", { type: "date", name: "to", value: until });
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const sel = select("status", [["open", t("alert_open")], ["acknowledged", t("alert_acknowledged")], ["closed", t("alert_closed")], ["all", t("all")]], status);
  const sevSel = select("severity", [["", t("all")], ...SEVERITIES.map((s) => [s, t("sev_" + s)])], severity);
  const ruleSel = select("rule", [["", t("all")], ...RULES.map((r) => [r, ruleLabel(r)])], rule);
  const to = (p) => go("#/alerts" + qs({ status: sel.value === "open" ? "" : sel.value, severity: sevSel.value, rule: ruleSel.value,
    evidence: evidenceIn.value.trim(), from: fromIn.value, to: toIn.value, page: p > 1 ? p : "" }));
  [sel, sevSel, ruleSel].forEach((s) => s.addEventListener("change", () => to(1)));
  const filter = h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); to(1); } }, field(t("f_status"), sel),
    h("div", { class: "two" }, field(t("severity"), sevSel), field(t("f_rule"), ruleSel)),
    h("details", { open: !!(evidence || from || until) }, h("summary", {}, t("more_filters")),
      field(t("f_evidence"), evidenceIn, t("f_evidence_hint")),
      h("div", { class: "two" }, field(t("f_seen_from"), fromIn), field(t("f_seen_to"), toIn))),
    h("button", { type: "submit", "data-action": "search" }, t("search")));
  mount(h("h1", {}, t("alerts")), filter, loading());
  const filterStatus = status === "all" ? "" : status;
  let total = 0;
  const load = async () => {
    const r = await get("/api/v1/alerts" + qs({ status: filterStatus, severity, rule, evidence, from, to: until, page, size: ALERTS_PAGE }));
    total = r.total;
    return r.alerts;
  };
  let alerts = await load();
  // Bulk actions: the alerts selected on this page.
  const selected = new Set();
  const all = h("input", { type: "checkbox", "data-action": "select-all" });
  const bulkAck = h("button", { type: "button", "data-action": "bulk-acknowledge" });
  const bulkClose = h("button", { type: "button", "data-action": "bulk-close" });
  const onSelect = () => {
    bulkAck.textContent = t("bulk_acknowledge", { n: selected.size });
    bulkClose.textContent = t("bulk_close", { n: selected.size });
    bulkAck.disabled = bulkClose.disabled = selected.size === 0;
    const open = alerts.filter((a) => a.status !== "closed");
    all.checked = open.length > 0 && open.every((a) => selected.has(a.id));
  };
  all.addEventListener("change", () => {
    alerts.filter((a) => a.status !== "closed").forEach((a) => (all.checked ? selected.add(a.id) : selected.delete(a.id)));
    draw();
  });
  const bulk = (action) => busy([bulkAck, bulkClose], async () => {
    msg.replaceChildren();
    try {
      const r = await post("/api/v1/alerts/bulk", { action, ids: [...selected] });
      selected.clear();
      r.alerts.forEach((a) => upsert(a));
      msg.replaceChildren(h("p", { class: "ok", role: "status" }, t("bulk_done", { n: r.alerts.length })),
        r.errors.length ? h("p", { class: "error", role: "alert" }, t("bulk_failed", { list: r.errors.map((e) => `#${e.id}: ${e.message}`).join("; ") })) : null);
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
    draw();
  });
  bulkAck.addEventListener("click", () => bulk("acknowledge"));
  bulkClose.addEventListener("click", () => bulk("close"));
  const bulkBar = filterStatus === "closed" ? null : h("div", { class: "card bulk" },
    h("label", { class: "check" }, all, h("span", {}, t("select_all"))), h("div", { class: "actions" }, bulkAck, bulkClose));
  const list = h("ul", { class: "alerts plain" });
  const live = h("p", { class: "muted", role: "status" });
  const news = h("div", { class: "visually-hidden", "aria-live": "polite" });
  const msg = h("div", { "aria-live": "assertive" });
  // A live alert joins the list only when the filters would show it.
  const matches = (a) => (!filterStatus || a.status === filterStatus) && (!severity || a.severity === severity) && (!rule || a.rule === rule) &&
    (!evidence || a.evidence.some((e) => e.ref === evidence)) && !until;

  const onAction = (btn, a, verb) => busy([btn], async () => {
    msg.replaceChildren();
    try {
      upsert(await post(`/api/v1/alerts/${a.id}/${verb}`));
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  });
  const empty = severity || rule || evidence || from || until || status !== "open" ? t("alerts_none_match") : t("alerts_empty");
  const draw = () => {
    list.replaceChildren(...(alerts.length ? alerts.map((a) => alertItem(a, onAction, bulkBar ? selected : null, onSelect)) : [h("li", { class: "muted empty" }, empty)]));
    onSelect();
  };
  // upsert puts a new or changed alert in the list, or drops it when it no
  // longer matches the filter (e.g. acknowledged while showing open ones).
  function upsert(a, isNew) {
    if (a.status === "closed") selected.delete(a.id);
    const i = alerts.findIndex((x) => x.id === a.id);
    if (!matches(a)) {
      selected.delete(a.id);
      if (i >= 0) alerts.splice(i, 1);
    } else if (i >= 0) alerts[i] = a;
    else alerts.unshift(a);
    if (isNew && matches(a)) news.textContent = t("new_alert", { reason: a.reason });
    draw();
  }
  draw();
  mount(h("h1", {}, t("alerts")), filter, live, h("p", { role: "status", "data-role": "total" }, t("total_n", { n: total })),
    bulkBar, msg, news, list, pager(page, Math.max(1, Math.ceil(total / ALERTS_PAGE)), to));

  stream(list, live, async (event, a) => {
    if (event !== "reconnected") return upsert(a, event === "alert");
    alerts = await load().catch(() => alerts);
    draw();
  });
}

// stream reads GET /api/v1/alerts/stream while screen is on the page.
// EventSource cannot send the Authorization header, so the response body
// is read with fetch and the server-sent-event frames parsed here. After a
// lost connection it retries with a growing delay and tells onEvent
// "reconnected", so the screen can fetch what it missed.
function stream(screen, live, onEvent) {
  let reader = null, stopped = false, delay = 1000, connected = false;
  const stop = () => { stopped = true; if (reader) reader.cancel().catch(() => {}); };
  onLeave(stop);
  const gone = () => stopped || !screen.isConnected;

  async function connect() {
    const wasConnected = connected;
    try {
      const resp = await request("GET", "/api/v1/alerts/stream", undefined, { raw: true });
      reader = resp.body.getReader();
    } catch (err) {
      if (!err.offline && err.status && err.status < 500) {
        live.textContent = t("live_off", { why: err.message });
        return;
      }
      return retry();
    }
    if (gone()) return stop();
    connected = true;
    delay = 1000;
    live.textContent = t("live_on");
    if (wasConnected) onEvent("reconnected");
    const decoder = new TextDecoder();
    let buf = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || gone()) break;
        buf += decoder.decode(value, { stream: true });
        let end;
        while ((end = buf.search(/\r?\n\r?\n/)) >= 0) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end).replace(/^\r?\n\r?\n/, "");
          dispatch(frame);
        }
      }
    } catch { /* the connection dropped: retry below */ }
    if (!gone()) retry();
  }

  // dispatch parses one frame: "event:" and "data:" lines; comments
  // (": ping") keep the connection open and carry nothing.
  function dispatch(frame) {
    let event = "message";
    const data = [];
    for (const line of frame.split(/\r?\n/)) {
      if (line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const key = i < 0 ? line : line.slice(0, i);
      const val = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (key === "event") event = val;
      else if (key === "data") data.push(val);
    }
    if (!data.length || (event !== "alert" && event !== "alert-update")) return;
    try {
      onEvent(event, JSON.parse(data.join("\n")));
    } catch { /* a malformed frame is skipped */ }
  }

  function retry() {
    if (gone()) return;
    live.textContent = t("live_retry", { n: Math.round(delay / 1000) });
    setTimeout(() => { if (!gone()) connect(); }, delay);
    delay = Math.min(delay * 2, 30000);
  }

  connect();
}

// ---- statistics ----

const iso = (d) => d.toISOString().slice(0, 10);

async function statsScreen(params, query) {
  const mount = screenMount();
  const s = session();
  const days = [7, 14, 30].includes(Number(query.get("days"))) ? Number(query.get("days")) : 14;
  const authority = s.role === "admin" ? (query.get("authority") || "").toUpperCase() : "";
  const daysSel = select("days", [7, 14, 30].map((n) => [String(n), t("last_days", { n })]), String(days));
  const authInput = s.role === "admin" ? h("input", { name: "authority", value: authority, maxlength: 2, class: "country", autocapitalize: "characters" }) : null;
  const apply = () => go("#/stats" + qs({ days: daysSel.value, authority: authInput ? authInput.value.trim().toUpperCase() : "" }));
  daysSel.addEventListener("change", apply);
  const filter = h("form", { class: "card", onsubmit: (e) => { e.preventDefault(); apply(); } },
    h("div", { class: "two" }, field(t("f_period"), daysSel), authInput ? field(t("f_stats_authority"), authInput) : null),
    authInput ? h("button", { type: "submit", "data-action": "show" }, t("show")) : null);
  mount(h("h1", {}, t("stats")), filter, loading());

  const today = new Date();
  const dates = Array.from({ length: days }, (_, i) => iso(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - (days - 1 - i)))));
  const from = dates[0], to = dates[dates.length - 1];
  const total = await get("/api/v1/stats" + qs({ from, to, authority }));
  // by_day leaves out days with no verification: fill the gaps with zeros.
  const byDay = new Map((total.verifications.by_day || []).map((d) => [d.day, d]));
  const perDay = dates.map((d) => ({ verifications: { by_verdict: (byDay.get(d) || { by_verdict: [] }).by_verdict } }));

  const width = Math.max(300, Math.min(document.getElementById("main").clientWidth - 8, 900));
  const dayLabel = (d) => new Date(d + "T00:00:00Z").toLocaleDateString(lang(), { day: "numeric", month: "short", timeZone: "UTC" });
  const count = (list, key) => (list.find((c) => c.key === key) || { count: 0 }).count;
  const known = new Set(VERDICTS.map(([v]) => v));
  const series = VERDICTS.map(([v, colour]) => ({ label: t("vd_" + v), colour, values: perDay.map((st) => count(st.verifications.by_verdict, v)) }))
    .filter((x) => x.values.some((n) => n > 0));
  // A verdict the app does not know yet is still counted, under its code.
  for (const st of perDay) for (const c of st.verifications.by_verdict) {
    if (!known.has(c.key)) { known.add(c.key); series.push({ label: c.key, colour: "#111827", values: perDay.map((x) => count(x.verifications.by_verdict, c.key)) }); }
  }
  const verTotal = series.reduce((sum, x) => sum + x.values.reduce((a, b) => a + b, 0), 0);
  const range = { from: fmtDate(from), to: fmtDate(to) };
  const top = (items) => items.slice(0, 10).map((c) => ({ label: c.key || "—", value: c.count }));
  const casesDesc = (items) => t("cases_desc", { total: total.cases.total, ...range, top: items.length ? `${items[0].key} (${items[0].count})` : "—" });

  mount(h("h1", {}, t("stats")), filter,
    h("p", {}, t("totals", { cases: total.cases.total, seizures: total.seizures.total, alerts: total.alerts.total })),
    stackedBars({ title: t("verifications_by_day"), desc: t("verifications_desc", { total: verTotal, ...range }),
      categories: dates.map(dayLabel), series, width }),
    h("div", { class: "two" },
      hBars({ title: t("cases_by_species"), desc: casesDesc(total.cases.by_species), items: top(total.cases.by_species),
        colour: "#1d4ed8", valueLabel: t("n_cases"), width: Math.min(width, 440) }),
      hBars({ title: t("cases_by_checkpoint"), desc: casesDesc(total.cases.by_checkpoint), items: top(total.cases.by_checkpoint),
        colour: "#b45309", valueLabel: t("n_cases"), width: Math.min(width, 440) })));
}

route("/queue", { roles: ["issuer", "admin"], nav: "nav_queue", home: ["issuer"], render: queueScreen });
route("/queue/:id", { roles: ["issuer", "admin"], render: reviewScreen });
route("/issue", { roles: ["issuer"], nav: "nav_issue", render: issueScreen });
route("/quotas", { roles: ["issuer", "admin", "officer"], nav: "nav_quotas", render: quotasScreen });
route("/alerts", { roles: ["issuer", "analyst", "admin"], nav: "nav_alerts", home: ["analyst"], render: alertsScreen });
route("/stats", { roles: ["analyst", "admin"], nav: "nav_stats", render: statsScreen });
