// The officer's screens: scan a permit (camera, photo or typed code), read
// an unmistakable verdict with what to compare against the goods, endorse
// the quantities shipped, open a case. With no network the verdict comes
// from the WebAssembly verifier and the actions wait in the outbox.
import { register, t } from "./i18n.js";
import { h, field, select, toast, errorBox, errorText, fmtDate, fmtDateTime, ago, loading, screenMount } from "./ui.js";
import { post, get, request, session, OfflineError, ApiError, qs, newKey } from "./api.js";
import { route, go } from "./router.js";
import * as offline from "./offline.js";
import * as outbox from "./outbox.js";
import { getItem, setItem } from "./store.js";
import { startCamera } from "./camera.js";
import { codeLabel, permitBadge, TERMS } from "./exporter.js";

// Document type codes in the signed token (permits.DocTypes).
const DOC_TYPES = { E: "export", R: "re-export", I: "import", O: "origin", S: "introduction-from-sea", PC: "pre-convention",
  CB: "captive-breeding", TE: "travelling-exhibition", MI: "musical-instrument", PO: "personal-ownership", X: "other" };

const SCANNERS = ["officer", "issuer", "admin"];

register({
  en: {
    nav_scan: "Scan", nav_cases: "Cases", nav_outbox: "Outbox",
    scan_title: "Check a permit", checkpoint: "Checkpoint (port)", direction: "Direction", o_dir_export: "Export (leaving)", o_dir_import: "Import (arriving)",
    camera_hint: "Point the camera at the permit's QR code.", camera_unavailable: "The camera cannot be used here: take a photo instead.",
    start_camera: "Start camera", stop_camera: "Stop camera", take_photo: "Take or choose a photo", type_code: "Or paste the code text",
    check_code: "Check code", checking: "Checking…", lists_age: "Offline lists: updated {age} ago ({authorities}).", lists_none: "Offline lists not downloaded yet: connect once to check permits offline.",
    lists_refresh: "Update offline lists", lists_updated: "Offline lists updated.", anchor_changed: "Warning: the server's trust anchor changed since this phone pinned it. Ask your administrator.",
    not_a_permit: "This QR code is not a CITES permit code.",
    hint_qr_too_small: "Move closer: the code is too small.", hint_qr_blurred: "Hold steady: the code is blurred.", hint_qr_glare: "Tilt the page: glare hides the code.", hint_qr_too_dark: "More light, please.", hint_qr_damaged: "The code is damaged: take a photo or type the permit number.",
    verdict_title: "Verdict", v_valid: "Valid", v_revoked: "Revoked", v_expired: "Expired", v_used: "Already used", v_bad_signature: "Forged", v_unknown_key: "Unknown signer",
    v_malformed: "Not a permit", v_not_found: "Not in registry", v_not_yet_valid: "Not yet valid",
    sub_good: "Compare the goods with the details below.", sub_bad: "Do not let the shipment pass on this document.",
    mode_online: "Checked online against the registry at {time}.", mode_offline: "Checked OFFLINE at {time} with lists {age} old.", stale: "The offline lists are out of date: confirm online as soon as possible.",
    permit: "Permit", type: "Type", authority: "Issued by", route_: "From → to", o_exporter: "Exporter", o_importer: "Importer", valid_until: "Valid until", purpose: "Purpose", status: "Status",
    o_specimens: "Species and quantities", line: "Line", species: "Species", appendix: "App.", quantity: "Quantity", source: "Source", term: "Term", marks: "Marks",
    guidance: "Guidance", id_hints: "How to identify", risk_notes: "Risks", listing_changed: "The listing of this species changed since the permit was issued.",
    documents: "Documents the shipment must also carry", doc_issued_by: "issued by {who}", o_endorsements: "Endorsements", no_guidance_offline: "Species guidance is shown once this species has been checked online.",
    endorse: "Endorse quantities shipped", open_case: "Open a case", scan_next: "Scan next",
    endorse_title: "Endorse permit {number}", shipped: "Quantity shipped (authorised {q})", port: "Port", endorsed: "Endorsement recorded.",
    queued_offline: "No network: saved and will be sent when the connection returns.",
    case_title: "New case", occurred_at: "When", transport_mode: "Transport", concealment: "Concealment", outcome: "Outcome", notes: "Notes",
    photos: "Photos", case_saved: "Case {id} recorded.", specimen_found: "Specimen found", taxon: "Species (any name)", unit: "Unit (blank = number of specimens)", description: "Description",
    outbox_title: "Outbox", outbox_empty: "Nothing waits to be sent.", ob_waiting: "Waiting for the network", ob_sent: "Sent", ob_conflict: "Conflict", ob_refused: "Refused",
    ob_other_user: "Recorded by {user}: it is sent when {user} signs in on this phone.",
    edit_resend: "Correct and send again", photos_kept: "{n} photo(s) from the first attempt are kept.",
    retry: "Retry", dismiss: "Dismiss", send_now: "Send now", conflict_help: "The server refused this because the permit was used elsewhere meanwhile. An alert has been raised for the Management Authority.",
    cases_title: "Cases", case_n: "Case {id}", checkpoint_short: "Checkpoint", verdict: "Verdict",
  },
  ru: {
    nav_scan: "Проверка", nav_cases: "Дела", nav_outbox: "Исходящие",
    scan_title: "Проверить разрешение", checkpoint: "Пункт пропуска", direction: "Направление", o_dir_export: "Экспорт (выезд)", o_dir_import: "Импорт (въезд)",
    camera_hint: "Наведите камеру на QR-код разрешения.", camera_unavailable: "Камера недоступна: сделайте фото.",
    start_camera: "Включить камеру", stop_camera: "Выключить камеру", take_photo: "Сделать или выбрать фото", type_code: "Или вставьте текст кода",
    check_code: "Проверить код", checking: "Проверка…", lists_age: "Офлайн-списки обновлены {age} назад ({authorities}).", lists_none: "Офлайн-списки ещё не загружены: подключитесь хотя бы раз.",
    lists_refresh: "Обновить офлайн-списки", lists_updated: "Офлайн-списки обновлены.", anchor_changed: "Внимание: ключ доверия сервера изменился. Обратитесь к администратору.",
    not_a_permit: "Этот QR-код не является кодом разрешения СИТЕС.",
    hint_qr_too_small: "Подойдите ближе: код слишком мал.", hint_qr_blurred: "Держите неподвижно: код размыт.", hint_qr_glare: "Наклоните лист: блик закрывает код.", hint_qr_too_dark: "Нужно больше света.", hint_qr_damaged: "Код повреждён: сделайте фото или введите номер.",
    verdict_title: "Результат", v_valid: "Действителен", v_revoked: "Отозван", v_expired: "Истёк", v_used: "Уже использован", v_bad_signature: "Подделка", v_unknown_key: "Неизвестная подпись",
    v_malformed: "Не разрешение", v_not_found: "Нет в реестре", v_not_yet_valid: "Ещё не действует",
    sub_good: "Сверьте груз с данными ниже.", sub_bad: "Не пропускайте груз по этому документу.",
    mode_online: "Проверено онлайн по реестру в {time}.", mode_offline: "Проверено ОФЛАЙН в {time}, спискам {age}.", stale: "Офлайн-списки устарели: подтвердите онлайн как можно скорее.",
    permit: "Разрешение", type: "Тип", authority: "Выдано", route_: "Откуда → куда", o_exporter: "Экспортёр", o_importer: "Импортёр", valid_until: "Действует до", purpose: "Цель", status: "Статус",
    o_specimens: "Виды и количества", line: "Строка", species: "Вид", appendix: "Прил.", quantity: "Количество", source: "Источник", term: "Тип образца", marks: "Метки",
    guidance: "Подсказки", id_hints: "Как опознать", risk_notes: "Риски", listing_changed: "Статус вида в СИТЕС изменился после выдачи разрешения.",
    documents: "Какие документы ещё должны быть", doc_issued_by: "выдаёт {who}", o_endorsements: "Отметки", no_guidance_offline: "Подсказки появятся после онлайн-проверки этого вида.",
    endorse: "Отметить вывезенное количество", open_case: "Завести дело", scan_next: "Следующая проверка",
    endorse_title: "Отметка на разрешении {number}", shipped: "Фактическое количество (разрешено {q})", port: "Пункт", endorsed: "Отметка сохранена.",
    queued_offline: "Нет сети: сохранено и будет отправлено при подключении.",
    case_title: "Новое дело", occurred_at: "Когда", transport_mode: "Транспорт", concealment: "Сокрытие", outcome: "Итог", notes: "Примечания",
    photos: "Фото", case_saved: "Дело {id} зарегистрировано.", specimen_found: "Обнаруженный образец", taxon: "Вид (любое название)", unit: "Единица (пусто = штук)", description: "Описание",
    outbox_title: "Исходящие", outbox_empty: "Нет неотправленных записей.", ob_waiting: "Ждёт сети", ob_sent: "Отправлено", ob_conflict: "Конфликт", ob_refused: "Отклонено",
    ob_other_user: "Записано пользователем {user}: будет отправлено, когда {user} войдёт на этом телефоне.",
    edit_resend: "Исправить и отправить снова", photos_kept: "Фото из первой попытки сохранены: {n}.",
    retry: "Повторить", dismiss: "Убрать", send_now: "Отправить сейчас", conflict_help: "Сервер отклонил запись: разрешение уже использовано в другом месте. Орган по управлению получил оповещение.",
    cases_title: "Дела", case_n: "Дело {id}", checkpoint_short: "Пункт", verdict: "Результат",
  },
  ky: {
    nav_scan: "Текшерүү", nav_cases: "Иштер", nav_outbox: "Чыгуучу",
    scan_title: "Уруксатты текшерүү", checkpoint: "Өткөрүү пункту", direction: "Багыт", o_dir_export: "Экспорт (чыгуу)", o_dir_import: "Импорт (кирүү)",
    camera_hint: "Камераны уруксаттын QR-кодуна багыттаңыз.", camera_unavailable: "Камера жеткиликсиз: сүрөткө тартыңыз.",
    start_camera: "Камераны күйгүзүү", stop_camera: "Камераны өчүрүү", take_photo: "Сүрөт тартуу же тандоо", type_code: "Же коддун текстин коюңуз",
    check_code: "Кодду текшерүү", checking: "Текшерилүүдө…", lists_age: "Офлайн тизмелер {age} мурун жаңыланган ({authorities}).", lists_none: "Офлайн тизмелер али жүктөлө элек: бир жолу тармакка туташыңыз.",
    lists_refresh: "Офлайн тизмелерди жаңылоо", lists_updated: "Офлайн тизмелер жаңыланды.", anchor_changed: "Көңүл буруңуз: сервердин ишеним ачкычы өзгөрдү. Администраторго кайрылыңыз.",
    not_a_permit: "Бул QR-код СИТЕС уруксатынын коду эмес.",
    hint_qr_too_small: "Жакындаңыз: код өтө кичинекей.", hint_qr_blurred: "Кыймылдатпаңыз: код бүдөмүк.", hint_qr_glare: "Баракты кыйшайтыңыз: жаркыроо кодду жаап турат.", hint_qr_too_dark: "Көбүрөөк жарык керек.", hint_qr_damaged: "Код бузулган: сүрөткө тартыңыз же номерин жазыңыз.",
    verdict_title: "Жыйынтык", v_valid: "Жарактуу", v_revoked: "Жокко чыгарылган", v_expired: "Мөөнөтү бүткөн", v_used: "Колдонулган", v_bad_signature: "Жасалма", v_unknown_key: "Белгисиз кол",
    v_malformed: "Уруксат эмес", v_not_found: "Реестрде жок", v_not_yet_valid: "Азырынча күчүндө эмес",
    sub_good: "Жүктү төмөнкү маалымат менен салыштырыңыз.", sub_bad: "Бул документ менен жүктү өткөрбөңүз.",
    mode_online: "{time} реестр боюнча онлайн текшерилди.", mode_offline: "{time} ОФЛАЙН текшерилди, тизмелер {age} мурунку.", stale: "Офлайн тизмелер эскирген: мүмкүн болушунча тез онлайн ырастаңыз.",
    permit: "Уруксат", type: "Түрү", authority: "Берген", route_: "Кайдан → кайда", o_exporter: "Экспорттоочу", o_importer: "Импорттоочу", valid_until: "Мөөнөтү", purpose: "Максаты", status: "Абалы",
    o_specimens: "Түрлөр жана саны", line: "Сап", species: "Түр", appendix: "Тиркеме", quantity: "Саны", source: "Булагы", term: "Үлгү түрү", marks: "Белгилер",
    guidance: "Кеңештер", id_hints: "Кантип таануу", risk_notes: "Тобокелдиктер", listing_changed: "Уруксат берилгенден кийин бул түрдүн СИТЕС статусу өзгөргөн.",
    documents: "Жүк менен дагы кандай документтер болушу керек", doc_issued_by: "{who} берет", o_endorsements: "Белгилер", no_guidance_offline: "Бул түр онлайн текшерилгенден кийин кеңештер көрүнөт.",
    endorse: "Чыгарылган санды белгилөө", open_case: "Иш ачуу", scan_next: "Кийинки текшерүү",
    endorse_title: "{number} уруксатына белги", shipped: "Чыныгы саны (уруксат {q})", port: "Пункт", endorsed: "Белги сакталды.",
    queued_offline: "Тармак жок: сакталды, байланыш калыбына келгенде жөнөтүлөт.",
    case_title: "Жаңы иш", occurred_at: "Качан", transport_mode: "Транспорт", concealment: "Жашыруу", outcome: "Жыйынтык", notes: "Эскертүүлөр",
    photos: "Сүрөттөр", case_saved: "{id} иш катталды.", specimen_found: "Табылган үлгү", taxon: "Түр (каалаган аталышы)", unit: "Бирдик (бош = даана)", description: "Сүрөттөмө",
    outbox_title: "Чыгуучу", outbox_empty: "Жөнөтүлө элек эч нерсе жок.", ob_waiting: "Тармакты күтүүдө", ob_sent: "Жөнөтүлдү", ob_conflict: "Карама-каршылык", ob_refused: "Четке кагылды",
    ob_other_user: "{user} жазган: {user} бул телефондо киргенде жөнөтүлөт.",
    edit_resend: "Оңдоп, кайра жөнөтүү", photos_kept: "Биринчи аракеттеги сүрөттөр сакталды: {n}.",
    retry: "Кайталоо", dismiss: "Алып салуу", send_now: "Азыр жөнөтүү", conflict_help: "Сервер четке какты: уруксат башка жерде колдонулуп калган. Башкаруу органына эскертүү жөнөтүлдү.",
    cases_title: "Иштер", case_n: "{id} иш", checkpoint_short: "Пункт", verdict: "Жыйынтык",
  },
});

// checkpoint is where this phone works; kept between sessions.
function checkpoint() {
  return JSON.parse(localStorage.getItem("cites.checkpoint") || '{"port":"","direction":"export"}');
}
function setCheckpoint(cp) { localStorage.setItem("cites.checkpoint", JSON.stringify(cp)); }

let last = null; // the verdict on screen: {result, code, at}
let stopCamera = null;
// cameraRun numbers camera starts: a camera still starting when the screen
// changes (or is drawn again, say for a new language) must never begin
// scanning behind the officer's back, so each start checks it is still the
// latest.
let cameraRun = 0;

function leaveCamera() {
  cameraRun++;
  if (stopCamera) { stopCamera(); stopCamera = null; }
}
window.addEventListener("hashchange", () => { if (!location.hash.startsWith("#/scan")) leaveCamera(); });

// check verifies a code: online first (a short timeout, the border post's
// connection is poor), offline with the WebAssembly verifier otherwise.
export async function check(code) {
  const cp = checkpoint();
  let result;
  try {
    result = await post("/api/v1/verify", { code, checkpoint: cp.port ? cp : { direction: cp.direction } }, { timeout: 6000 });
    offline.markReachable(true);
    cacheGuidance(result.guidance);
  } catch (err) {
    if (!(err instanceof OfflineError) && !(err instanceof ApiError && err.status >= 500)) throw err;
    offline.markReachable(false);
    try {
      result = await offline.verify(code, cp.direction);
    } catch (e) {
      // No lists yet (never online) or no WebAssembly: say what to do.
      throw new Error(e.message === "no_lists" ? t("lists_none") : `${t("error_network")} ${e.message}`);
    }
  }
  last = { result, code, at: Date.now() };
  go("#/verdict");
}

async function cacheGuidance(g) {
  if (!g) return;
  const cache = (await getItem("guidance")) || {};
  for (const s of g.species || []) cache[s.taxon] = s;
  for (const d of g.documents || []) cache["doc:" + d.type] = d;
  await setItem("guidance", cache);
}

// scanScreen starts the camera at once, unless the link says camera=off
// (an officer who works from photos, or a phone whose camera is broken).
async function scanScreen(params, query) {
  const mount = screenMount();
  const cp = checkpoint();
  const port = h("input", { name: "port", value: cp.port, autocomplete: "off", onchange: () => setCheckpoint({ ...checkpoint(), port: port.value.trim() }) });
  const dir = select("direction", [["export", t("o_dir_export")], ["import", t("o_dir_import")]], cp.direction,
    { onchange: () => setCheckpoint({ ...checkpoint(), direction: dir.value }) });
  const msg = h("div", { "aria-live": "assertive" });
  const camBox = h("div");
  const listsLine = h("p", { class: "muted" });
  const busy = (on) => { msg.replaceChildren(on ? h("p", { class: "loading", role: "status" }, t("checking")) : ""); };

  const run = async (code) => {
    busy(true);
    try {
      if (!code.startsWith("CP1:")) throw new Error(t("not_a_permit"));
      await check(code);
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  };

  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", name: "photo", class: "visually-hidden", id: "photo-input",
    onchange: async () => {
      const f = photo.files[0];
      if (!f) return;
      busy(true);
      try {
        const fd = new FormData();
        fd.append("photo", f);
        const cpx = checkpoint();
        if (cpx.port) fd.append("port", cpx.port);
        fd.append("direction", cpx.direction);
        const result = await request("POST", "/api/v1/verify/photo", fd, { timeout: 30000 });
        cacheGuidance(result.guidance);
        last = { result, code: "", at: Date.now() };
        go("#/verdict");
      } catch (err) {
        if (err instanceof OfflineError) {
          // Offline: read the code on the phone and verify it offline.
          try {
            const code = await decodeFile(f);
            if (code) return run(code);
          } catch { /* fall through to the error */ }
        }
        msg.replaceChildren(errorBox(err.code && err.code.startsWith("qr_") ? { message: t("hint_" + err.code), code: err.code } : err));
      } finally {
        photo.value = "";
      }
    } });
  const codeText = h("textarea", { name: "code", rows: 2, autocomplete: "off", spellcheck: "false" });

  const startBtn = h("button", { type: "button", class: "primary", "data-action": "start-camera", onclick: () => camera() }, t("start_camera"));
  async function camera() {
    leaveCamera();
    const hint = h("div", { class: "hint", "aria-live": "polite" }, t("camera_hint"));
    const video = h("video", { playsinline: true, muted: true, "aria-label": t("camera_hint") });
    camBox.replaceChildren(h("div", { class: "camera" }, video, h("div", { class: "frame" }), hint),
      h("div", { class: "actions" }, h("button", { type: "button", "data-action": "stop-camera", onclick: () => { leaveCamera(); camBox.replaceChildren(startBtn); } }, t("stop_camera"))));
    const mine = cameraRun;
    const current = () => mine === cameraRun;
    try {
      const stop = await startCamera(video, {
        onCode: (text) => { if (current()) { leaveCamera(); run(text); } },
        onHint: (code) => { hint.textContent = code ? t("hint_" + code) : t("camera_hint"); },
        accept: (text) => text.startsWith("CP1:"),
        live: current,
      });
      if (current()) stopCamera = stop;
      else stop();
    } catch (err) {
      if (current()) camBox.replaceChildren(h("p", { class: "notice", role: "alert" }, t("camera_unavailable")));
    }
  }

  mount(
    h("h1", {}, t("scan_title")),
    h("div", { class: "row" }, h("div", { class: "grow" }, field(t("checkpoint"), port)), h("div", { class: "grow" }, field(t("direction"), dir))),
    camBox,
    msg,
    h("div", { class: "actions" },
      h("label", { for: "photo-input", class: "button", tabindex: "0", role: "button",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); photo.click(); } } }, t("take_photo")), photo),
    h("form", { onsubmit: (e) => { e.preventDefault(); run(codeText.value.trim()); } },
      field(t("type_code"), codeText),
      h("button", { type: "submit", "data-action": "check-code" }, t("check_code"))),
    listsLine,
  );
  showLists(listsLine);
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) camBox.replaceChildren(h("p", { class: "notice" }, t("camera_unavailable")));
  else if (query && query.get("camera") === "off") camBox.replaceChildren(startBtn);
  else camera();
}

async function decodeFile(file) {
  const bmp = await createImageBitmap(file);
  const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
  const c = new OffscreenCanvas(Math.round(bmp.width * scale), Math.round(bmp.height * scale));
  const ctx = c.getContext("2d");
  ctx.drawImage(bmp, 0, 0, c.width, c.height);
  const img = ctx.getImageData(0, 0, c.width, c.height);
  const r = await offline.decode(img.data, c.width, c.height, 3000);
  const hit = (r.codes || []).find((x) => x.text.startsWith("CP1:"));
  return hit ? hit.text : "";
}

async function showLists(el) {
  const i = await offline.info().catch(() => null);
  const refreshBtn = h("button", { type: "button", class: "link", "data-action": "refresh-lists", onclick: async () => {
    try { await offline.refresh(); toast(t("lists_updated")); } catch (err) { toast(errorText(err), "error"); }
    showLists(el);
  } }, t("lists_refresh"));
  el.replaceChildren(
    i ? t("lists_age", { age: ago(Date.now() - i.fetchedAt), authorities: i.authorities.join(", ") }) : t("lists_none"), " ", refreshBtn,
    i && i.anchorMismatch ? h("p", { class: "error", role: "alert" }, t("anchor_changed")) : null);
}


// factList is a definition list of [label key, value] pairs, leaving out
// empty values; null when nothing is left.
function factList(pairs) {
  const items = pairs.filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", {}, v)]);
  return items.length ? h("dl", { class: "facts" }, items) : null;
}

const GOOD = new Set(["valid"]);
const SYMBOL = { valid: "✓", expired: "⌛", used: "⊘", not_yet_valid: "⌛" };

// verdictScreen shows the last verdict. Online answers carry the registry's
// permit and guidance; offline answers carry the signed claims only.
async function verdictScreen() {
  const mount = screenMount();
  if (!last) return go("#/scan");
  const r = last.result;
  const isOffline = r.mode === "offline";
  const good = GOOD.has(r.verdict);
  const cls = good ? (isOffline && r.stale ? "warn" : "good") : "bad";
  const word = t("v_" + r.verdict);
  const checked = fmtDateTime(r.checked_at);
  const p = isOffline ? null : r.permit;
  const c = isOffline ? r.permit : null; // the signed facts, from the offline verifier
  const guidance = r.guidance || (isOffline ? await offlineGuidance(c) : null);
  const number = p ? p.number : c && c.number;

  const band = h("section", { class: `verdict ${cls}`, "aria-labelledby": "verdict-word", "data-verdict": r.verdict, "data-mode": r.mode },
    h("div", { class: "symbol", "aria-hidden": "true" }, SYMBOL[r.verdict] || (good ? "✓" : "✗")),
    h("div", { class: "word", id: "verdict-word" }, word),
    h("div", { class: "sub" }, good ? t("sub_good") : t("sub_bad")));

  const facts = factList([["permit", number], ...(p ? [
    ["type", t("type_" + p.type)], ["authority", p.authority], ["route_", `${p.exporter.country} → ${p.importer.country}`],
    ["o_exporter", `${p.exporter.name}, ${p.exporter.address}`], ["o_importer", `${p.importer.name}, ${p.importer.address}`],
    ["valid_until", fmtDate(p.valid_until)], ["purpose", codeLabel("purpose_", p.purpose)], ["status", permitBadge(p.status)],
  ] : c ? [
    ["type", DOC_TYPES[c.type] ? t("type_" + DOC_TYPES[c.type]) : c.type], ["authority", c.authority], ["route_", (c.countries || []).join(" → ")],
    ["valid_until", fmtDate(c.valid_until)], ["purpose", codeLabel("purpose_", c.purpose)],
  ] : [])]);

  const lines = p ? p.specimens.map((s) => ({ line: s.line, taxon: s.taxon, appendix: s.appendix, quantity: s.quantity, unit: s.unit, source: s.source, term: s.term, marks: s.marks }))
    : c ? c.lines : [];
  const commonNames = {};
  for (const s of (guidance && guidance.species) || []) commonNames[s.taxon] = s.common_name;

  const table = lines.length ? h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "visually-hidden" }, t("o_specimens")),
    h("thead", {}, h("tr", {}, ["line", "species", "appendix", "quantity", "source", "term"].map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", {}, lines.map((l) => h("tr", {},
      h("td", {}, l.line), h("td", {}, h("i", {}, l.taxon), commonNames[l.taxon] ? h("div", { class: "muted" }, commonNames[l.taxon]) : null, l.marks ? h("div", { class: "muted" }, `${t("marks")}: ${l.marks}`) : null),
      h("td", {}, l.appendix), h("td", {}, `${l.quantity} ${l.unit || ""}`.trim()), h("td", {}, l.source), h("td", {}, l.term)))))) : null;

  const canAct = session() && session().role === "officer";
  mount(
    h("h1", { class: "visually-hidden" }, t("verdict_title")),
    band,
    h("p", { class: isOffline ? "notice" : "muted", "data-mode": r.mode }, isOffline
      ? t("mode_offline", { time: checked, age: ago((r.status_list_age_s || r.trust_list_age_s || 0) * 1000) })
      : t("mode_online", { time: checked })),
    isOffline && r.stale ? h("p", { class: "error", role: "alert" }, t("stale")) : null,
    r.reasons && r.reasons.length ? h("ul", { class: "reasons" }, r.reasons.map((x) => h("li", {}, x.message, " ", h("code", {}, x.code)))) : null,
    facts,
    table ? [h("h2", {}, t("o_specimens")), table] : null,
    guidanceBlock(guidance, isOffline),
    p && p.endorsements && p.endorsements.length ? [h("h2", {}, t("o_endorsements")), h("ul", {}, p.endorsements.map((e) =>
      h("li", {}, `${e.direction} ${e.port} ${fmtDateTime(e.at)}: ${e.lines.map((l) => `${l.line} ${l.quantity}`).join(", ")}`)))] : null,
    h("div", { class: "actions" },
      canAct && good && number ? h("button", { type: "button", class: "primary", "data-action": "endorse", onclick: () => go("#/endorse") }, t("endorse")) : null,
      canAct ? h("button", { type: "button", class: good ? "" : "danger", "data-action": "open-case", onclick: () => go("#/cases/new") }, t("open_case")) : null,
      h("button", { type: "button", "data-action": "scan-next", onclick: () => go("#/scan") }, t("scan_next"))),
  );
}

async function offlineGuidance(c) {
  if (!c) return null;
  const cache = (await getItem("guidance")) || {};
  const species = c.lines.map((l) => cache[l.taxon]).filter(Boolean);
  return { species, documents: [], reasons: [], offline: true, missing: species.length < c.lines.length };
}

function guidanceBlock(g, isOffline) {
  if (!g) return null;
  const parts = [h("h2", {}, t("guidance"))];
  for (const s of g.species || []) {
    parts.push(h("div", { class: "card" },
      h("strong", {}, h("i", {}, s.taxon)), s.common_name ? ` — ${s.common_name}` : "",
      s.listing_changed ? h("p", { class: "notice" }, t("listing_changed")) : null,
      s.id_hints ? h("p", {}, h("strong", {}, t("id_hints") + ": "), s.id_hints) : null,
      s.risk_notes ? h("p", {}, h("strong", {}, t("risk_notes") + ": "), s.risk_notes) : null));
  }
  if (isOffline && g.missing) parts.push(h("p", { class: "muted" }, t("no_guidance_offline")));
  if (g.documents && g.documents.length) {
    parts.push(h("h2", {}, t("documents")), h("ul", {}, g.documents.map((d) => h("li", {}, d.type, d.issued_by ? ` (${t("doc_issued_by", { who: d.issued_by })})` : ""))));
  }
  for (const r of g.reasons || []) parts.push(h("p", { class: "muted" }, r.message));
  return parts;
}

function lastLines() {
  const r = last.result;
  if (!r.permit) return [];
  if (r.mode === "offline") return r.permit.lines.map((l) => ({ line: l.line, quantity: l.quantity, unit: l.unit, taxon: l.taxon, term: l.term }));
  return r.permit.specimens.map((s) => ({ line: s.line, quantity: s.quantity, unit: s.unit, taxon: s.taxon, term: s.term }));
}

function lastNumber() {
  const r = last.result;
  return r.permit ? r.permit.number : null;
}

// endorseScreen records box 14: the quantities actually shipped.
function endorseScreen() {
  const mount = screenMount();
  if (!last || !lastNumber()) return go("#/scan");
  const number = lastNumber();
  const cp = checkpoint();
  const port = h("input", { name: "port", value: cp.port, required: true });
  const inputs = lastLines().map((l) => ({ l, input: h("input", { name: `line-${l.line}`, type: "number", step: "any", min: "0", value: l.quantity, inputmode: "decimal", required: true }) }));
  const msg = h("div", { "aria-live": "assertive" });
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const body = { port: port.value.trim(), direction: cp.direction, lines: inputs.map(({ l, input }) => ({ line: l.line, quantity: Number(input.value) })) };
    setCheckpoint({ ...checkpoint(), port: body.port });
    const path = `/api/v1/permits/${encodeURIComponent(number)}/endorsements`;
    // One key for this endorsement, online and, if the answer never comes,
    // from the outbox: the server endorses once whatever reached it.
    const key = newKey();
    try {
      await post(path, body, { timeout: 8000, key });
      toast(t("endorsed"));
      go("#/scan");
    } catch (err) {
      if (err instanceof OfflineError) {
        await outbox.add({ kind: "endorsement", path, key, body: { ...body, recorded_offline_at: new Date().toISOString() }, label: `${t("endorse")}: ${number}` });
        toast(t("queued_offline"));
        go("#/outbox");
        return;
      }
      msg.replaceChildren(errorBox(err));
    }
  } },
  h("h1", {}, t("endorse_title", { number })),
  field(t("port"), port),
  inputs.map(({ l, input }) => field(`${l.line}: ${l.taxon} — ${t("shipped", { q: `${l.quantity} ${l.unit}`.trim() })}`, input)),
  msg,
  h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", "data-action": "send-endorsement" }, t("send")),
    h("button", { type: "button", onclick: () => go("#/verdict") }, t("cancel"))));
  mount(form);
}

const CONCEALMENTS = ["none", "luggage", "body", "clothing", "false_compartment", "mixed_with_legal", "mislabelled", "parcel", "container", "vehicle", "other"];
const TRANSPORT = ["air", "road", "rail", "sea", "post", "pedestrian", "other"];
const OUTCOMES = ["seized", "released", "referred"];

// caseDraft is a queued case the server refused, opened again for the
// officer to correct (outbox screen, "Correct and send again").
let caseDraft = null;

// caseScreen records a seizure or suspicious shipment, from the verdict on
// screen when there is one, or from a refused queued case.
function caseScreen() {
  const mount = screenMount();
  const cp = checkpoint();
  const draft = caseDraft;
  caseDraft = null;
  const b = draft ? draft.body : null;
  const fromScan = !draft && last && Date.now() - last.at < 3600e3 ? last : null;
  const lines = b && b.specimens.length ? b.specimens : fromScan ? lastLines() : [{ taxon: "", quantity: 1, unit: "", term: "" }];
  const when = h("input", { name: "occurred_at", type: "datetime-local", value: localTime(b && b.occurred_at), required: true });
  const checkpointIn = h("input", { name: "checkpoint", value: b ? b.checkpoint : cp.port, required: true });
  const transport = select("transport_mode", [["", "—"], ...TRANSPORT.map((x) => [x, x])], b ? b.transport_mode : "road");
  const conceal = select("concealment", [["", "—"], ...CONCEALMENTS.map((x) => [x, x])], b ? b.concealment : "");
  const outcome = select("outcome", [["", "—"], ...OUTCOMES.map((x) => [x, x])], b ? b.outcome : "seized");
  const notes = h("textarea", { name: "notes", value: b ? b.notes : "" });
  const keptPhotos = draft ? draft.photos || [] : [];
  const specimens = lines.map((l, i) => ({
    taxon: h("input", { name: `specimens.${i}.taxon`, value: l.taxon }),
    term: select(`specimens.${i}.term`, [["", "—"], ...TERMS.map((c) => [c, codeLabel("term_", c)])], l.term || ""),
    quantity: h("input", { name: `specimens.${i}.quantity`, type: "number", step: "any", min: "0", value: l.quantity }),
    unit: h("input", { name: `specimens.${i}.unit`, value: l.unit || "" }),
    description: h("input", { name: `specimens.${i}.description`, value: l.description || "" }),
  }));
  const photos = h("input", { name: "photos", type: "file", accept: "image/*", multiple: true, capture: "environment" });
  const msg = h("div", { "aria-live": "assertive" });
  const number = b ? ((b.documents || [])[0] || {}).number || "" : fromScan ? lastNumber() : "";
  const vid = fromScan && fromScan.result.verification_id;
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const body = {
      occurred_at: new Date(when.value).toISOString(), checkpoint: checkpointIn.value.trim(), port: checkpointIn.value.trim(),
      transport_mode: transport.value, concealment: conceal.value, outcome: outcome.value, notes: notes.value.trim(),
      specimens: specimens.filter((s) => s.taxon.value.trim()).map((s) => ({ taxon: s.taxon.value.trim(), term: s.term.value, quantity: Number(s.quantity.value), unit: s.unit.value.trim(), description: s.description.value.trim() })),
      documents: number ? [{ number, ...(vid ? { verification_id: vid } : {}) }] : [],
    };
    const files = [...keptPhotos, ...photos.files];
    // A case from a failed online scan links the verification; otherwise
    // (valid permit, or offline) the permit number links the document.
    const path = vid && fromScan.result.verdict !== "valid" ? `/api/v1/cases/from-verification/${encodeURIComponent(vid)}` : "/api/v1/cases";
    if (path !== "/api/v1/cases") body.documents = [];
    try {
      const c = await post(path, body, { timeout: 10000 });
      for (const f of files) {
        const fd = new FormData();
        fd.append("photo", f);
        await request("POST", `/api/v1/cases/${c.id}/photos`, fd, { timeout: 30000 });
      }
      if (draft) await outbox.remove(draft.id);
      toast(t("case_saved", { id: c.id }));
      go(`#/cases/${c.id}`);
    } catch (err) {
      if (err instanceof OfflineError) {
        await outbox.add({ kind: "case", path: "/api/v1/cases", body: { ...body, documents: number ? [{ number }] : [] }, photos: files, label: `${t("open_case")}: ${number || body.checkpoint}` });
        if (draft) await outbox.remove(draft.id);
        toast(t("queued_offline"));
        go("#/outbox");
        return;
      }
      msg.replaceChildren(errorBox(err));
    }
  } },
  h("h1", {}, t("case_title")),
  number ? h("p", {}, `${t("permit")}: `, h("strong", {}, number), last ? ` — ${t("v_" + last.result.verdict)}` : "") : null,
  field(t("occurred_at"), when), field(t("checkpoint"), checkpointIn),
  h("div", { class: "row" }, h("div", { class: "grow" }, field(t("transport_mode"), transport)), h("div", { class: "grow" }, field(t("concealment"), conceal)), h("div", { class: "grow" }, field(t("outcome"), outcome))),
  specimens.map((s) => h("fieldset", {}, h("legend", {}, t("specimen_found")), field(t("taxon"), s.taxon), field(t("term"), s.term),
    h("div", { class: "row" }, h("div", { class: "grow" }, field(t("quantity"), s.quantity)), h("div", { class: "grow" }, field(t("unit"), s.unit))),
    field(t("description"), s.description))),
  field(t("notes"), notes), field(t("photos"), photos),
  keptPhotos.length ? h("p", { class: "muted" }, t("photos_kept", { n: keptPhotos.length })) : null, msg,
  h("div", { class: "actions" }, h("button", { type: "submit", class: "primary", "data-action": "save-case" }, t("save")),
    h("button", { type: "button", onclick: () => history.back() }, t("cancel"))));
  mount(form);
}

// localTime writes a time (now when absent) for a datetime-local input.
function localTime(iso) {
  const d = iso ? new Date(iso) : new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

async function outboxScreen() {
  const mount = screenMount();
  const items = await outbox.list();
  const label = { waiting: t("ob_waiting"), sent: t("ob_sent"), conflict: t("ob_conflict"), refused: t("ob_refused") };
  const badge = { waiting: "warn", sent: "good", conflict: "bad", refused: "bad" };
  mount(
    h("h1", {}, t("outbox_title")),
    items.length ? h("ul", { class: "plain" }, items.map((it) => h("li", { class: "card", "data-status": it.status },
      h("div", { class: "row" }, h("strong", { class: "grow" }, it.label), h("span", { class: `badge ${badge[it.status]}` }, label[it.status])),
      h("div", { class: "muted" }, fmtDateTime(it.created)),
      outbox.owner(it) ? h("p", { class: "notice" }, t("ob_other_user", { user: outbox.owner(it) })) : null,
      it.status === "conflict" ? h("p", { class: "error", role: "alert" }, it.error.message, " ", h("br"), t("conflict_help")) : null,
      it.status === "refused" ? h("p", { class: "error", role: "alert" }, it.error.message, " ", h("code", {}, it.error.code)) : null,
      it.status === "refused" && it.kind === "case" && it.caseId == null && !outbox.owner(it)
        ? h("button", { type: "button", class: "primary", "data-action": "edit-case", onclick: () => { caseDraft = it; go("#/cases/new"); } }, t("edit_resend")) : null,
      it.status === "conflict" || it.status === "refused" || it.status === "sent"
        ? h("button", { type: "button", onclick: async () => { await outbox.remove(it.id); outboxScreen(); } }, t("dismiss")) : null))) : h("p", {}, t("outbox_empty")),
    outbox.count() ? h("button", { type: "button", class: "primary", "data-action": "send-now", onclick: async () => { await outbox.flush(); outboxScreen(); } }, t("send_now")) : null,
  );
}

async function casesScreen() {
  const mount = screenMount();
  mount(h("h1", {}, t("cases_title")), loading());
  const r = await get("/api/v1/cases" + qs({ page: 1 }));
  const list = r.cases || r.items || [];
  mount(h("h1", {}, t("cases_title")),
    list.length ? h("ul", {}, list.map((c) => h("li", {}, h("a", { href: `#/cases/${c.id}` }, t("case_n", { id: c.id })), ` — ${c.checkpoint} · ${fmtDateTime(c.occurred_at)} · ${c.outcome || ""}`))) : h("p", {}, t("none")));
}

async function caseDetail({ id }) {
  const mount = screenMount();
  mount(h("h1", {}, t("case_n", { id })), loading());
  const c = await get(`/api/v1/cases/${encodeURIComponent(id)}`);
  mount(h("h1", {}, t("case_n", { id })), factList([["occurred_at", fmtDateTime(c.occurred_at)], ["checkpoint_short", c.checkpoint],
    ["transport_mode", c.transport_mode], ["concealment", c.concealment], ["outcome", c.outcome], ["notes", c.notes]]),
    (c.specimens || []).length ? [h("h2", {}, t("o_specimens")), h("ul", {}, c.specimens.map((s) => h("li", {}, h("i", {}, s.taxon), ` ${s.quantity} ${s.unit || ""}`)))] : null,
    (c.documents || []).length ? [h("h2", {}, t("permit")), h("ul", {}, c.documents.map((d) => h("li", {}, d.number, d.verdict ? ` — ${t("v_" + d.verdict)}` : "")))] : null,
    (c.photos || []).length ? [h("h2", {}, t("photos")), h("p", {}, `${c.photos.length}`)] : null);
}

// The outbox screen follows the outbox as it drains.
outbox.onChange(() => { if (location.hash === "#/outbox") outboxScreen(); });

route("/scan", { roles: SCANNERS, nav: "nav_scan", home: ["officer"], render: scanScreen });
route("/verdict", { roles: SCANNERS, render: verdictScreen });
route("/endorse", { roles: ["officer"], render: endorseScreen });
route("/cases/new", { roles: ["officer"], render: caseScreen });
// Issuers and analysts read their authority's cases too (the API decides
// which); only officers record them.
route("/cases", { roles: ["officer", "issuer", "analyst", "admin"], nav: "nav_cases", render: casesScreen });
route("/cases/:id", { roles: ["officer", "issuer", "analyst", "admin"], render: caseDetail });
route("/outbox", { roles: ["officer"], nav: "nav_outbox", render: outboxScreen });
