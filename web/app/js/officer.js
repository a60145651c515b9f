// The officer's screens: scan a permit (camera, photo, typed number or
// pasted code) at a checkpoint set once per shift, read an unmistakable
// verdict with what to compare against the goods, endorse the quantities
// shipped and see that endorsement confirmed, open a case. With no network
// the verdict comes from the WebAssembly verifier and the actions wait in
// the outbox.
import { register, t, lang } from "./i18n.js";
import { h, field, select, toast, errorBox, errorText, fmtDate, fmtDateTime, ago, screenMount } from "./ui.js";
import { post, get, request, session, OfflineError, ApiError, newKey } from "./api.js";
import { route, go } from "./router.js";
import * as offline from "./offline.js";
import * as outbox from "./outbox.js";
import * as messages from "./messages.js";
import { getItem, setItem } from "./store.js";
import { startCamera, hasTorch, setTorch, cameras } from "./camera.js";
import { codeLabel, permitBadge } from "./exporter.js";
import { band, fitWords, signal, signalToggles, reasonList, details, factList, signedFacts, lineTable, isGood } from "./verdict.js";

const SCANNERS = ["officer", "issuer", "admin"];

register({
  en: {
    nav_scan: "Scan", nav_outbox: "Outbox",
    scan_title: "Check a permit", checkpoint: "Checkpoint (port)", direction: "Direction", o_dir_export: "Export (leaving)", o_dir_import: "Import (arriving)",
    checkpoint_title: "Where are you working?", checkpoint_help: "Asked once per shift: every check and endorsement records it.",
    start_scanning: "Start scanning", change_checkpoint: "Change", at_checkpoint: "{port} · {direction}",
    camera_hint: "Point the camera at the permit's QR code.", camera_unavailable: "The camera cannot be used here: take a photo, or type the permit number.",
    start_camera: "Start camera", stop_camera: "Stop camera", torch: "Torch", switch_camera: "Switch camera", take_photo: "Take or choose a photo",
    type_code: "Paste the code text", paste_code: "Paste the code instead", check_code: "Check code", checking: "Checking…",
    lookup_number: "Permit number", lookup_hint: "As printed on the paper, e.g. 26KG000001.", lookup: "Look up",
    lookup_offline: "Looking up a number needs a connection to the registry: take a photo of the code, or paste it.",
    lists_age: "Offline lists: updated {age} ago ({authorities}).", lists_none: "Offline lists not downloaded yet: connect once to check permits offline.",
    lists_permits: "{n} permits kept for offline checks.",
    lists_refresh: "Update offline lists", lists_updated: "Offline lists updated.", anchor_changed: "Warning: the server's trust anchor changed since this phone pinned it. Ask your administrator.",
    not_a_permit: "This QR code is not a CITES permit code.",
    hint_qr_too_small: "Move closer: the code is too small.", hint_qr_blurred: "Hold steady: the code is blurred.", hint_qr_glare: "Tilt the page: glare hides the code.", hint_qr_too_dark: "More light, please.",
    hint_qr_damaged: "The code is damaged: type the permit number printed on the paper, below.", hint_reader_loading: "Preparing the code reader…",
    hint_same_code: "This paper was just checked: show the next one.",
    photo_unreadable: "The code in the photo cannot be read: type the permit number printed on the paper.",
    last_checked: "Last checked: {number}", show_verdict: "Show",
    verdict_title: "Verdict",
    mode_online: "Checked online against the registry at {time}.", mode_offline: "Checked OFFLINE at {time} with lists {age} old.", stale: "The offline lists are out of date: confirm online as soon as possible.",
    by_number: "Checked by number, not by the signed code: compare the paper with what is shown.", paper_photo: "Photo of the paper",
    record_matched: "Parties and marks from this phone's copy of the registry (updated {age} ago).",
    record_missing: "The parties and marks of this permit are not on this phone: compare them online when you can.",
    record_mismatch: "This phone's copy of the permit differs from the signed code: trust the code, and report the difference.",
    o_exporter_: "Exporter", o_importer_: "Importer", status: "Status",
    guidance: "Guidance", id_hints: "How to identify", risk_notes: "Risks", listing_changed: "The listing of this species changed since the permit was issued.",
    documents: "Documents the shipment must also carry", doc_issued_by: "issued by {who}", o_endorsements: "Endorsements", no_guidance_offline: "Species guidance is shown once this species has been checked online.",
    endorse: "Endorse", open_case: "Open a case", scan_next: "Scan next", check_again: "Check again",
    endorse_title: "Endorse permit {number}", shipped: "Quantity shipped (authorised {q})", port: "Port", send: "Send",
    endorsed_title: "Endorsement recorded", endorsed_queued: "Endorsement saved on this phone",
    endorsed_queued_help: "No network: it is sent as soon as the connection returns.", endorsed_what: "Endorsed", endorsed_where: "Where", endorsed_when: "When", endorsed_by: "By",
    view_outbox: "Outbox", view_permit: "Open the permit",
    outbox_title: "Outbox", outbox_empty: "Nothing waits to be sent.", ob_waiting: "Waiting for the network", ob_sent: "Sent", ob_conflict: "Conflict", ob_refused: "Refused",
    ob_other_user: "Recorded by {user}: it is sent when {user} signs in on this phone.",
    edit_resend: "Correct and send again",
    dismiss: "Dismiss", send_now: "Send now", conflict_help: "The server refused this because the permit was used elsewhere meanwhile. An alert has been raised for the Management Authority.",
    settings: "Settings",
  },
  ru: {
    nav_scan: "Проверка", nav_outbox: "Исходящие",
    scan_title: "Проверить разрешение", checkpoint: "Пункт пропуска", direction: "Направление", o_dir_export: "Экспорт (выезд)", o_dir_import: "Импорт (въезд)",
    checkpoint_title: "Где вы работаете?", checkpoint_help: "Спрашивается раз в смену: записывается при каждой проверке и отметке.",
    start_scanning: "Начать проверку", change_checkpoint: "Изменить", at_checkpoint: "{port} · {direction}",
    camera_hint: "Наведите камеру на QR-код разрешения.", camera_unavailable: "Камера недоступна: сделайте фото или введите номер разрешения.",
    start_camera: "Включить камеру", stop_camera: "Выключить камеру", torch: "Фонарик", switch_camera: "Другая камера", take_photo: "Сделать или выбрать фото",
    type_code: "Вставьте текст кода", paste_code: "Вставить код вручную", check_code: "Проверить код", checking: "Проверка…",
    lookup_number: "Номер разрешения", lookup_hint: "Как напечатан на бланке, например 26KG000001.", lookup: "Найти",
    lookup_offline: "Поиск по номеру требует связи с реестром: сфотографируйте код или вставьте его.",
    lists_age: "Офлайн-списки обновлены {age} назад ({authorities}).", lists_none: "Офлайн-списки ещё не загружены: подключитесь хотя бы раз.",
    lists_permits: "Для офлайн-проверок сохранено разрешений: {n}.",
    lists_refresh: "Обновить офлайн-списки", lists_updated: "Офлайн-списки обновлены.", anchor_changed: "Внимание: ключ доверия сервера изменился. Обратитесь к администратору.",
    not_a_permit: "Этот QR-код не является кодом разрешения СИТЕС.",
    hint_qr_too_small: "Подойдите ближе: код слишком мал.", hint_qr_blurred: "Держите неподвижно: код размыт.", hint_qr_glare: "Наклоните лист: блик закрывает код.", hint_qr_too_dark: "Нужно больше света.",
    hint_qr_damaged: "Код повреждён: введите ниже номер разрешения, напечатанный на бланке.", hint_reader_loading: "Подготовка считывателя кода…",
    hint_same_code: "Этот документ только что проверен: покажите следующий.",
    photo_unreadable: "Код на фото не читается: введите номер разрешения, напечатанный на бланке.",
    last_checked: "Последняя проверка: {number}", show_verdict: "Показать",
    verdict_title: "Результат",
    mode_online: "Проверено онлайн по реестру в {time}.", mode_offline: "Проверено ОФЛАЙН в {time}, спискам {age}.", stale: "Офлайн-списки устарели: подтвердите онлайн как можно скорее.",
    by_number: "Проверено по номеру, а не по подписанному коду: сверьте бланк с показанными данными.", paper_photo: "Фото бланка",
    record_matched: "Стороны и метки из копии реестра на этом телефоне (обновлена {age} назад).",
    record_missing: "Сторон и меток этого разрешения нет на телефоне: сверьте их онлайн, когда будет связь.",
    record_mismatch: "Копия разрешения на телефоне не совпадает с подписанным кодом: доверяйте коду и сообщите о расхождении.",
    o_exporter_: "Экспортёр", o_importer_: "Импортёр", status: "Статус",
    guidance: "Подсказки", id_hints: "Как опознать", risk_notes: "Риски", listing_changed: "Статус вида в СИТЕС изменился после выдачи разрешения.",
    documents: "Какие документы ещё должны быть", doc_issued_by: "выдаёт {who}", o_endorsements: "Отметки", no_guidance_offline: "Подсказки появятся после онлайн-проверки этого вида.",
    endorse: "Отметить", open_case: "Завести дело", scan_next: "Следующий", check_again: "Проверить снова",
    endorse_title: "Отметка на разрешении {number}", shipped: "Фактическое количество (разрешено {q})", port: "Пункт", send: "Отправить",
    endorsed_title: "Отметка сохранена", endorsed_queued: "Отметка сохранена на телефоне",
    endorsed_queued_help: "Нет сети: она будет отправлена, как только появится связь.", endorsed_what: "Отмечено", endorsed_where: "Где", endorsed_when: "Когда", endorsed_by: "Кто",
    view_outbox: "Исходящие", view_permit: "Открыть разрешение",
    outbox_title: "Исходящие", outbox_empty: "Нет неотправленных записей.", ob_waiting: "Ждёт сети", ob_sent: "Отправлено", ob_conflict: "Конфликт", ob_refused: "Отклонено",
    ob_other_user: "Записано пользователем {user}: будет отправлено, когда {user} войдёт на этом телефоне.",
    edit_resend: "Исправить и отправить снова",
    dismiss: "Убрать", send_now: "Отправить сейчас", conflict_help: "Сервер отклонил запись: разрешение уже использовано в другом месте. Орган по управлению получил оповещение.",
    settings: "Настройки",
  },
  ky: {
    nav_scan: "Текшерүү", nav_outbox: "Чыгуучу",
    scan_title: "Уруксатты текшерүү", checkpoint: "Өткөрүү пункту", direction: "Багыт", o_dir_export: "Экспорт (чыгуу)", o_dir_import: "Импорт (кирүү)",
    checkpoint_title: "Кайсы жерде иштеп жатасыз?", checkpoint_help: "Бир кезмелде бир жолу суралат: ар бир текшерүүдө жана белгиде жазылат.",
    start_scanning: "Текшерүүнү баштоо", change_checkpoint: "Өзгөртүү", at_checkpoint: "{port} · {direction}",
    camera_hint: "Камераны уруксаттын QR-кодуна багыттаңыз.", camera_unavailable: "Камера жеткиликсиз: сүрөткө тартыңыз же уруксаттын номерин жазыңыз.",
    start_camera: "Камераны күйгүзүү", stop_camera: "Камераны өчүрүү", torch: "Фонарь", switch_camera: "Башка камера", take_photo: "Сүрөт тартуу же тандоо",
    type_code: "Коддун текстин коюңуз", paste_code: "Кодду кол менен коюу", check_code: "Кодду текшерүү", checking: "Текшерилүүдө…",
    lookup_number: "Уруксаттын номери", lookup_hint: "Бланкта басылгандай, мисалы 26KG000001.", lookup: "Издөө",
    lookup_offline: "Номер боюнча издөө үчүн реестр менен байланыш керек: кодду сүрөткө тартыңыз же коюңуз.",
    lists_age: "Офлайн тизмелер {age} мурун жаңыланган ({authorities}).", lists_none: "Офлайн тизмелер али жүктөлө элек: бир жолу тармакка туташыңыз.",
    lists_permits: "Офлайн текшерүү үчүн сакталган уруксаттар: {n}.",
    lists_refresh: "Офлайн тизмелерди жаңылоо", lists_updated: "Офлайн тизмелер жаңыланды.", anchor_changed: "Көңүл буруңуз: сервердин ишеним ачкычы өзгөрдү. Администраторго кайрылыңыз.",
    not_a_permit: "Бул QR-код СИТЕС уруксатынын коду эмес.",
    hint_qr_too_small: "Жакындаңыз: код өтө кичинекей.", hint_qr_blurred: "Кыймылдатпаңыз: код бүдөмүк.", hint_qr_glare: "Баракты кыйшайтыңыз: жаркыроо кодду жаап турат.", hint_qr_too_dark: "Көбүрөөк жарык керек.",
    hint_qr_damaged: "Код бузулган: төмөндө бланкта басылган уруксаттын номерин жазыңыз.", hint_reader_loading: "Код окугуч даярдалууда…",
    hint_same_code: "Бул документ жаңы эле текшерилди: кийинкисин көрсөтүңүз.",
    photo_unreadable: "Сүрөттөгү код окулбайт: бланкта басылган уруксаттын номерин жазыңыз.",
    last_checked: "Акыркы текшерүү: {number}", show_verdict: "Көрсөтүү",
    verdict_title: "Жыйынтык",
    mode_online: "{time} реестр боюнча онлайн текшерилди.", mode_offline: "{time} ОФЛАЙН текшерилди, тизмелер {age} мурунку.", stale: "Офлайн тизмелер эскирген: мүмкүн болушунча тез онлайн ырастаңыз.",
    by_number: "Кол коюлган код боюнча эмес, номер боюнча текшерилди: бланкты көрсөтүлгөн маалымат менен салыштырыңыз.", paper_photo: "Бланктын сүрөтү",
    record_matched: "Тараптар жана белгилер бул телефондогу реестрдин көчүрмөсүнөн ({age} мурун жаңыланган).",
    record_missing: "Бул уруксаттын тараптары жана белгилери телефондо жок: байланыш болгондо онлайн салыштырыңыз.",
    record_mismatch: "Телефондогу уруксаттын көчүрмөсү кол коюлган код менен дал келбейт: кодго ишениңиз жана айырманы билдириңиз.",
    o_exporter_: "Экспорттоочу", o_importer_: "Импорттоочу", status: "Абалы",
    guidance: "Кеңештер", id_hints: "Кантип таануу", risk_notes: "Тобокелдиктер", listing_changed: "Уруксат берилгенден кийин бул түрдүн СИТЕС статусу өзгөргөн.",
    documents: "Жүк менен дагы кандай документтер болушу керек", doc_issued_by: "{who} берет", o_endorsements: "Белгилер", no_guidance_offline: "Бул түр онлайн текшерилгенден кийин кеңештер көрүнөт.",
    endorse: "Белгилөө", open_case: "Иш ачуу", scan_next: "Кийинки", check_again: "Кайра текшерүү",
    endorse_title: "{number} уруксатына белги", shipped: "Чыныгы саны (уруксат {q})", port: "Пункт", send: "Жөнөтүү",
    endorsed_title: "Белги сакталды", endorsed_queued: "Белги телефондо сакталды",
    endorsed_queued_help: "Тармак жок: байланыш калыбына келээри менен жөнөтүлөт.", endorsed_what: "Белгиленди", endorsed_where: "Кайда", endorsed_when: "Качан", endorsed_by: "Ким",
    view_outbox: "Чыгуучу", view_permit: "Уруксатты ачуу",
    outbox_title: "Чыгуучу", outbox_empty: "Жөнөтүлө элек эч нерсе жок.", ob_waiting: "Тармакты күтүүдө", ob_sent: "Жөнөтүлдү", ob_conflict: "Карама-каршылык", ob_refused: "Четке кагылды",
    ob_other_user: "{user} жазган: {user} бул телефондо киргенде жөнөтүлөт.",
    edit_resend: "Оңдоп, кайра жөнөтүү",
    dismiss: "Алып салуу", send_now: "Азыр жөнөтүү", conflict_help: "Сервер четке какты: уруксат башка жерде колдонулуп калган. Башкаруу органына эскертүү жөнөтүлдү.",
    settings: "Жөндөөлөр",
  },
});

// ---- the checkpoint, set once per shift ----

const SHIFT_MS = 12 * 3600e3;

// checkpoint is where this phone works: {port, direction, setAt}.
export function checkpoint() {
  try {
    return { port: "", direction: "export", setAt: 0, ...JSON.parse(localStorage.getItem("cites.checkpoint") || "{}") };
  } catch {
    return { port: "", direction: "export", setAt: 0 };
  }
}
function setCheckpoint(cp) { localStorage.setItem("cites.checkpoint", JSON.stringify(cp)); }
const shiftCheckpoint = () => { const cp = checkpoint(); return cp.port && Date.now() - cp.setAt < SHIFT_MS ? cp : null; };

// ---- what the screens share ----

// last is the verdict on screen: {result, code, number, at, photo (a blob
// URL of the paper), signalled, guidance: {lang: guidance}}.
let last = null;
// judged is the code of the last verdict: the camera does not read it
// again while the paper stays in view.
let judged = "";
// endorsement is the last endorsement made, for its confirmation screen.
let endorsement = null;
// paperPhoto is a photo of a paper whose code would not read, shown beside
// the record a look-up by number then finds.
let paperPhoto = null;
export const lastVerdict = () => last;

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

function show(result, code, extra = {}) {
  last = { result, code, at: Date.now(), signalled: false, guidance: {}, photo: null, ...extra };
  if (result.guidance) last.guidance[lang()] = result.guidance;
  judged = code; // a photo or a number: no code to keep the camera from
  go("#/verdict");
}

// check verifies a code: online first (a short timeout, the border post's
// connection is poor), offline with the WebAssembly verifier otherwise.
export async function check(code) {
  const cp = checkpoint();
  let result;
  try {
    result = await post("/api/v1/verify", { code, checkpoint: cp.port ? { port: cp.port, direction: cp.direction } : { direction: cp.direction } }, { timeout: 6000 });
    offline.markReachable(true);
    cacheGuidance(result.guidance);
  } catch (err) {
    if (!(err instanceof OfflineError) && !(err instanceof ApiError && err.status >= 500)) throw err;
    offline.markReachable(false);
    try {
      result = await offline.verify(code, cp.direction || "export");
    } catch (e) {
      // No lists yet (never online) or no WebAssembly: say what to do.
      throw new Error(e.message === "no_lists" ? t("lists_none") : `${t("error_network")} ${e.message}`);
    }
  }
  show(result, code);
}

// lookup asks the registry for the permit with a printed number: a check
// recorded like a scan, of the registry's record and not of the paper.
async function lookup(number) {
  const cp = checkpoint();
  let result;
  try {
    result = await post("/api/v1/verify/number", { number, checkpoint: cp.port ? { port: cp.port, direction: cp.direction } : { direction: cp.direction } }, { timeout: 8000 });
  } catch (err) {
    if (err instanceof OfflineError) throw new Error(t("lookup_offline"));
    throw err;
  }
  offline.markReachable(true);
  cacheGuidance(result.guidance);
  show(result, "", { number, photo: paperPhoto });
  paperPhoto = null;
}

// cacheGuidance keeps the species guidance of online checks, per language,
// for offline verdicts of the same species.
async function cacheGuidance(g, l = lang()) {
  if (!g) return;
  const cache = (await getItem("guidance")) || {};
  for (const s of g.species || []) cache[`${l}:${s.taxon}`] = s;
  await setItem("guidance", cache);
}

// ---- the scan screen ----

// scanScreen asks for the checkpoint once per shift, then starts the
// camera at once, unless the link says camera=off (an officer who works
// from photos, or a phone whose camera is broken).
async function scanScreen(params, query) {
  const mount = screenMount();
  const cp = shiftCheckpoint();
  if (!cp) return checkpointScreen(mount, query);
  const msg = h("div", { "aria-live": "assertive" });
  const camBox = h("div", { class: "cam-box" });
  const listsLine = h("div", { class: "muted lists" });
  const busy = (on) => { msg.replaceChildren(...(on ? [h("p", { class: "loading", role: "status" }, t("checking"))] : [])); };

  const run = async (code) => {
    busy(true);
    try {
      if (!code.startsWith("CP1:")) throw new Error(t("not_a_permit"));
      await check(code);
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  };

  const number = h("input", { name: "number", id: "lookup-number", autocomplete: "off", autocapitalize: "characters", spellcheck: "false",
    inputmode: "text", enterkeyhint: "search", maxlength: 20 });
  const lookupForm = h("form", { class: "lookup", onsubmit: async (e) => {
    e.preventDefault();
    const n = number.value.trim();
    if (!n) { number.focus(); return; }
    busy(true);
    try {
      await lookup(n);
    } catch (err) {
      msg.replaceChildren(errorBox(err));
    }
  } }, field(t("lookup_number"), number, t("lookup_hint")),
  h("button", { type: "submit", "data-action": "lookup" }, t("lookup")));

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
        show(result, "");
      } catch (err) {
        if (err instanceof OfflineError) {
          // Offline: read the code on the phone and verify it offline.
          try {
            const code = await decodeFile(f);
            if (code) return run(code);
          } catch { /* fall through to the error */ }
        }
        if (err.code && err.code.startsWith("qr_") || err.code === "no_qr_found") {
          // Keep the photo: the registry's record is shown beside it.
          if (paperPhoto) URL.revokeObjectURL(paperPhoto);
          paperPhoto = URL.createObjectURL(f);
          msg.replaceChildren(h("p", { class: "notice", role: "alert", "data-code": err.code }, t("photo_unreadable")));
          number.focus();
        } else {
          msg.replaceChildren(errorBox(err));
        }
      } finally {
        photo.value = "";
      }
    } });
  const codeText = h("textarea", { name: "code", rows: 2, autocomplete: "off", spellcheck: "false" });

  const startBtn = h("button", { type: "button", class: "primary", "data-action": "start-camera", onclick: () => camera() }, t("start_camera"));
  let deviceId = "";
  async function camera() {
    leaveCamera();
    const hint = h("div", { class: "hint", "aria-live": "polite" }, t("camera_hint"));
    const video = h("video", { playsinline: true, muted: true, "aria-label": t("camera_hint") });
    const tools = h("div", { class: "cam-tools" });
    camBox.replaceChildren(h("div", { class: "camera" }, video, h("div", { class: "frame" }), hint, tools));
    const mine = cameraRun;
    const current = () => mine === cameraRun;
    try {
      const cam = await startCamera(video, {
        onCode: (text) => { if (current()) { leaveCamera(); run(text); } },
        onHint: (code) => { hint.textContent = code ? t("hint_" + code) : t("camera_hint"); },
        accept: (text) => text.startsWith("CP1:"),
        ignore: judged,
        live: current,
        deviceId,
      });
      if (!current()) { cam.stop(); return; }
      stopCamera = cam.stop;
      // A torch and a second camera, where the phone has them.
      if (hasTorch(cam.track)) {
        let on = false;
        const b = h("button", { type: "button", class: "cam-tool", "aria-pressed": "false", "data-action": "torch", onclick: async () => {
          on = !on;
          try { await setTorch(cam.track, on); b.setAttribute("aria-pressed", String(on)); } catch { on = !on; }
        } }, t("torch"));
        tools.append(b);
      }
      const devices = await cameras();
      if (devices.length > 1) {
        tools.append(h("button", { type: "button", class: "cam-tool", "data-action": "switch-camera", onclick: () => {
          const i = devices.findIndex((d) => d.deviceId === (cam.track.getSettings().deviceId || deviceId));
          deviceId = devices[(i + 1) % devices.length].deviceId;
          camera();
        } }, t("switch_camera")));
      }
    } catch (err) {
      if (current()) camBox.replaceChildren(h("p", { class: "notice", role: "alert" }, t("camera_unavailable")));
    }
  }

  const dirLabel = cp.direction === "import" ? t("o_dir_import") : t("o_dir_export");
  mount(
    h("h1", { class: "visually-hidden" }, t("scan_title")),
    h("div", { class: "cp-bar" },
      h("span", { class: "cp", "data-checkpoint": cp.port }, t("at_checkpoint", { port: cp.port, direction: dirLabel })),
      h("button", { type: "button", "data-action": "change-checkpoint", onclick: () => { setCheckpoint({ ...checkpoint(), setAt: 0 }); scanScreen(params, query); } },
        t("change_checkpoint"), h("span", { class: "visually-hidden" }, ` ${t("checkpoint")}`))),
    camBox,
    msg,
    last ? h("p", { class: "last-checked" }, t("last_checked", { number: lastNumber() || "—" }), " — ", t("v_" + last.result.verdict), " ",
      h("a", { href: "#/verdict", class: "button small", "data-action": "show-last" }, t("show_verdict"))) : null,
    lookupForm,
    h("div", { class: "actions" },
      h("label", { for: "photo-input", class: "button", tabindex: "0", role: "button",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); photo.click(); } } }, t("take_photo")), photo),
    h("details", { class: "paste" }, h("summary", {}, t("paste_code")),
      h("form", { onsubmit: (e) => { e.preventDefault(); run(codeText.value.trim()); } },
        field(t("type_code"), codeText),
        h("button", { type: "submit", "data-action": "check-code" }, t("check_code")))),
    listsLine,
    h("details", { class: "settings" }, h("summary", {}, t("settings")), signalToggles()),
  );
  showLists(listsLine);
  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia)) camBox.replaceChildren(h("p", { class: "notice" }, t("camera_unavailable")));
  else if (query && query.get("camera") === "off") camBox.replaceChildren(startBtn);
  else camera();
}

function checkpointScreen(mount, query) {
  const cp = checkpoint();
  const port = h("input", { name: "port", value: cp.port, autocomplete: "off", required: true });
  const dir = select("direction", [["export", t("o_dir_export")], ["import", t("o_dir_import")]], cp.direction);
  mount(h("form", { class: "card narrow", onsubmit: (e) => {
    e.preventDefault();
    if (!port.value.trim()) { port.focus(); return; }
    setCheckpoint({ port: port.value.trim(), direction: dir.value, setAt: Date.now() });
    scanScreen({}, query);
  } }, h("h1", {}, t("checkpoint_title")), h("p", { class: "hint" }, t("checkpoint_help")),
  field(t("checkpoint"), port), field(t("direction"), dir),
  h("button", { type: "submit", class: "primary", "data-action": "set-checkpoint" }, t("start_scanning"))));
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
  const refreshBtn = h("button", { type: "button", "data-action": "refresh-lists", onclick: async () => {
    try {
      await offline.refresh();
      if (SCANNERS.includes((session() || {}).role)) await offline.syncPermits(get).catch(() => {});
      toast(t("lists_updated"));
    } catch (err) { toast(errorText(err), "error"); }
    showLists(el);
  } }, t("lists_refresh"));
  el.replaceChildren(
    h("p", {}, i ? t("lists_age", { age: ago(Date.now() - i.fetchedAt), authorities: i.authorities.join(", ") }) : t("lists_none"),
      i && i.permits ? [" ", t("lists_permits", { n: i.permits })] : null),
    refreshBtn,
    ...(i && i.anchorMismatch ? [h("p", { class: "error", role: "alert" }, t("anchor_changed"))] : []));
}

// ---- the verdict ----

const lastNumber = () => {
  if (!last) return "";
  const r = last.result;
  return r.permit ? r.permit.number : last.number || "";
};

// verdictScreen shows the last verdict, in the app's language: online
// answers carry the registry's permit and guidance (asked again in another
// language after a switch), offline answers the signed facts. The camera is
// off; it starts again only with "Scan next".
async function verdictScreen() {
  const mount = screenMount();
  if (!last) return go("#/scan");
  const r = last.result;
  const isOffline = r.mode === "offline";
  const good = isGood(r.verdict);
  const kind = good ? (isOffline && r.stale ? "warn" : "good") : "bad";
  const checked = fmtDateTime(r.checked_at);
  const p = isOffline ? null : r.permit;
  const number = lastNumber();
  const guidance = isOffline ? await offlineGuidance(r.permit) : await guidanceIn(lang());
  if (!isOffline && !messages.has()) messages.load().then((changed) => { if (changed && location.hash === "#/verdict") verdictScreen(); }).catch(() => {});

  const b = band(r, kind);
  if (!last.signalled) {
    last.signalled = true;
    const s = signal(good);
    last.signal = s;
  }
  if (last.signal) {
    b.dataset.signal = last.signal.kind;
    b.dataset.signalBy = last.signal.given.join(" ");
  }

  const common = {};
  for (const s of (guidance && guidance.species) || []) common[s.taxon] = s.common_name;
  let facts, lines;
  if (p) {
    facts = factList([["permit", p.number, "number"], ["type", t("type_" + p.type)], ["authority", p.authority],
      ["route_", `${p.exporter.country} → ${p.importer.country}`],
      ["o_exporter_", `${p.exporter.name}, ${p.exporter.address}`, "exporter"], ["o_importer_", `${p.importer.name}, ${p.importer.address}`, "importer"],
      ["valid_until", fmtDate(p.valid_until)], ["purpose", codeLabel("purpose_", p.purpose)], ["status", permitBadge(p.status)]]);
    lines = p.specimens.map((s) => ({ ...s, common: common[s.taxon] }));
  } else if (r.permit) {
    facts = signedFacts(r.permit);
    lines = r.permit.lines.map((l) => ({ ...l, common: common[l.taxon] }));
  }
  if (facts) {
    const until = facts.querySelector("[data-field=valid_until]");
    if (until) until.dataset.value = p ? p.valid_until : r.permit.valid_until;
  }

  const canAct = session() && session().role === "officer";
  const byNumber = r.checked_by === "number";
  const actions = h("div", { class: "actions" },
    canAct && good && number ? h("button", { type: "button", class: "primary", "data-action": "endorse", onclick: () => go("#/endorse") }, t("endorse")) : null,
    canAct ? h("button", { type: "button", class: good ? "" : "danger", "data-action": "open-case", onclick: () => go("#/cases/new") }, t("open_case")) : null,
    h("button", { type: "button", class: good && !(canAct && number) ? "primary" : "", "data-action": "scan-next", onclick: () => go("#/scan") }, t("scan_next")));

  mount(
    h("h1", { class: "visually-hidden" }, t("verdict_title")),
    b,
    byNumber ? h("div", { class: "notice by-number", role: "note", "data-checked-by": "number" }, h("p", {}, h("strong", {}, t("by_number"))),
      last.photo ? h("img", { src: last.photo, alt: t("paper_photo"), class: "paper-photo" }) : null) : null,
    h("p", { class: isOffline ? "notice" : "muted", "data-mode": r.mode }, isOffline
      ? t("mode_offline", { time: checked, age: ago((r.status_list_age_s || r.trust_list_age_s || 0) * 1000) })
      : t("mode_online", { time: checked })),
    isOffline && r.stale ? h("p", { class: "error", role: "alert" }, t("stale")) : null,
    reasonList(r.reasons),
    actions,
    facts,
    isOffline && r.permit ? recordNote(r) : null,
    lineTable(lines),
    guidanceBlock(guidance, isOffline),
    p && p.endorsements && p.endorsements.length ? [h("h2", {}, t("o_endorsements")), h("ul", {}, p.endorsements.map((e) =>
      h("li", {}, `${t("o_dir_" + e.direction)} · ${e.port} · ${fmtDateTime(e.at)}: ${e.lines.map((l) => `${l.line} ${l.quantity}`).join(", ")}`)))] : null,
    last.code || (byNumber && last.number) ? h("div", { class: "actions" },
      h("button", { type: "button", "data-action": "check-again", onclick: () => again() }, t("check_again"))) : null,
    details(r),
  );
  fitWords();
}

async function again() {
  try {
    if (last.code) await check(last.code);
    else await lookup(last.number);
  } catch (err) {
    toast(errorText(err), "error");
  }
}

function recordNote(r) {
  switch (r.record) {
    case "matched": {
      return h("p", { class: "muted", "data-record": "matched" }, t("record_matched", { age: ago(Date.now() - (r.permits_at || Date.now())) }));
    }
    case "mismatch":
      return h("p", { class: "error", role: "alert", "data-record": "mismatch" }, t("record_mismatch"));
  }
  return h("p", { class: "muted", "data-record": "missing" }, t("record_missing"));
}

// guidanceIn is the last online verdict's guidance in a language, asked
// again of the server after a switch of language.
async function guidanceIn(l) {
  const r = last.result;
  if (last.guidance[l] || !r.permit || !r.guidance) return last.guidance[l] || r.guidance || null;
  try {
    const dir = checkpoint().direction;
    const g = await get(`/api/v1/permits/${encodeURIComponent(r.permit.number)}/guidance?direction=${dir}`);
    last.guidance[l] = g;
    cacheGuidance(g, l);
    return g;
  } catch {
    return r.guidance; // no connection: the guidance as first answered
  }
}

async function offlineGuidance(p) {
  if (!p) return null;
  const cache = (await getItem("guidance")) || {};
  const species = p.lines.map((l) => cache[`${lang()}:${l.taxon}`]).filter(Boolean);
  return { species, documents: [], reasons: [], offline: true, missing: species.length < p.lines.length };
}

function guidanceBlock(g, isOffline) {
  if (!g) return null;
  const parts = [h("h2", {}, t("guidance"))];
  for (const s of g.species || []) {
    parts.push(h("div", { class: "card", "data-taxon": s.taxon },
      h("strong", {}, h("i", {}, s.taxon)), s.common_name ? h("span", { class: "common" }, ` — ${s.common_name}`) : "",
      s.listing_changed ? h("p", { class: "notice" }, t("listing_changed")) : null,
      s.id_hints ? h("p", {}, h("strong", {}, t("id_hints") + ": "), h("span", { class: "id-hints" }, s.id_hints)) : null,
      s.risk_notes ? h("p", {}, h("strong", {}, t("risk_notes") + ": "), s.risk_notes) : null));
  }
  if (isOffline && g.missing) parts.push(h("p", { class: "muted" }, t("no_guidance_offline")));
  if (g.documents && g.documents.length) {
    parts.push(h("h2", {}, t("documents")), h("ul", {}, g.documents.map((d) => h("li", {}, t("type_" + d.type), d.issued_by ? ` (${t("doc_issued_by", { who: d.issued_by })})` : ""))));
  }
  for (const r of g.reasons || []) parts.push(h("p", { class: "muted", "data-code": r.code }, r.message));
  return parts;
}

// lastLines are the lines of the permit on screen, for an endorsement or
// a case.
export function lastLines() {
  if (!last || !last.result.permit) return [];
  const r = last.result;
  if (r.mode === "offline") return r.permit.lines.map((l) => ({ line: l.line, quantity: l.quantity, unit: l.unit, taxon: l.taxon, term: l.term }));
  return r.permit.specimens.map((s) => ({ line: s.line, quantity: s.quantity, unit: s.unit, taxon: s.taxon, term: s.term }));
}
export { lastNumber };

// ---- endorsement and its confirmation ----

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
    const path = `/api/v1/permits/${encodeURIComponent(number)}/endorsements`;
    // One key for this endorsement, online and, if the answer never comes,
    // from the outbox: the server endorses once whatever reached it.
    const key = newKey();
    const done = (queued) => {
      endorsement = { number, port: body.port, direction: body.direction, at: new Date().toISOString(), queued, user: (session() || {}).username,
        lines: inputs.map(({ l, input }) => ({ line: l.line, taxon: l.taxon, unit: l.unit, quantity: Number(input.value), authorised: l.quantity })) };
      judged = last.code || judged; // the paper just endorsed stays unread
      go("#/endorsed");
    };
    try {
      await post(path, body, { timeout: 8000, key });
      done(false);
    } catch (err) {
      if (err instanceof OfflineError) {
        await outbox.add({ kind: "endorsement", path, key, body: { ...body, recorded_offline_at: new Date().toISOString() }, label: `${t("endorse")}: ${number}` });
        done(true);
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

// endorsedScreen confirms what was endorsed, where and when: a
// confirmation, not a verdict (the paper is now used for this direction,
// and must not be read again as if presented anew).
function endorsedScreen() {
  const mount = screenMount();
  if (!endorsement) return go("#/scan");
  const e = endorsement;
  mount(
    h("section", { class: "confirm", "aria-labelledby": "confirm-h", "data-confirmation": e.queued ? "queued" : "recorded" },
      h("div", { class: "symbol", "aria-hidden": "true" }, e.queued ? "⏳" : "✓"),
      h("h1", { id: "confirm-h" }, e.queued ? t("endorsed_queued") : t("endorsed_title")),
      e.queued ? h("p", {}, t("endorsed_queued_help")) : null),
    factList([["permit", e.number, "number"],
      ["endorsed_what", h("ul", { class: "plain" }, e.lines.map((l) => h("li", {}, `${l.line}: `, h("i", {}, l.taxon), ` — ${l.quantity} ${l.unit || ""}`.trimEnd())))],
      ["endorsed_where", `${e.port} · ${e.direction === "import" ? t("o_dir_import") : t("o_dir_export")}`],
      ["endorsed_when", fmtDateTime(e.at)], ["endorsed_by", e.user]]),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", "data-action": "scan-next", onclick: () => go("#/scan") }, t("scan_next")),
      e.queued ? h("a", { href: "#/outbox", class: "button", "data-action": "view-outbox" }, t("view_outbox"))
        : h("a", { href: `#/permits/${encodeURIComponent(e.number)}`, class: "button", "data-action": "view-permit" }, t("view_permit"))),
  );
}

// ---- outbox ----

// caseDraft is a queued case the server refused, opened again for the
// officer to correct (outbox screen, "Correct and send again").
let caseDraft = null;
export const takeCaseDraft = () => { const d = caseDraft; caseDraft = null; return d; };

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
      it.status === "refused" ? h("p", { class: "error", role: "alert", "data-code": it.error.code }, it.error.message) : null,
      it.status === "refused" && it.kind === "case" && it.caseId == null && !outbox.owner(it)
        ? h("button", { type: "button", class: "primary", "data-action": "edit-case", onclick: () => { caseDraft = it; go("#/cases/new"); } }, t("edit_resend")) : null,
      it.status === "conflict" || it.status === "refused" || it.status === "sent"
        ? h("button", { type: "button", onclick: async () => { await outbox.remove(it.id); outboxScreen(); } }, t("dismiss")) : null))) : h("p", {}, t("outbox_empty")),
    outbox.count() ? h("button", { type: "button", class: "primary", "data-action": "send-now", onclick: async () => { await outbox.flush(); outboxScreen(); } }, t("send_now")) : null,
  );
}

// The outbox screen follows the outbox as it drains.
outbox.onChange(() => { if (location.hash === "#/outbox") outboxScreen(); });

route("/scan", { roles: SCANNERS, nav: "nav_scan", home: ["officer"], render: scanScreen });
route("/verdict", { roles: SCANNERS, render: verdictScreen, focus: true });
route("/endorse", { roles: ["officer"], render: endorseScreen });
route("/endorsed", { roles: ["officer"], render: endorsedScreen, focus: true });
route("/outbox", { roles: ["officer"], nav: "nav_outbox", render: outboxScreen });
