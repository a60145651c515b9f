// The public verification page (/verify, printed on every permit): anyone
// holding the paper, a foreign officer, an importer or a carrier, scans or
// pastes its QR code and gets the verdict computed in their own browser
// by the same WebAssembly verifier the officers' phones run, from the
// registry's public trust anchor, trust list and status lists. No account,
// no install; once the page and the lists are loaded it works with no
// connection, and nothing about the permit leaves the browser. It shows
// only what the paper itself carries: the signed facts, never the
// registry's record.
import { register, t, languages, lang, setLang } from "./i18n.js";
import { h, mount, field, errorBox, errorText, fmtDateTime, ago, toast } from "./ui.js";
import * as offline from "./offline.js";
import * as messages from "./messages.js";
import { startCamera } from "./camera.js";
import { band, fitWords, signal, reasonList, details, signedFacts, lineTable, isGood } from "./verdict.js";

register({
  en: {
    pub_title: "Check a CITES permit", pub_intro: "Scan the QR code printed on the permit, or paste its text. The check runs in this browser with the issuing registry's signed public lists: no account is needed, and nothing about the permit is sent anywhere.",
    pub_scan: "Scan with the camera", pub_stop: "Stop the camera", pub_photo: "Read a photo of the code", pub_paste: "Or paste the text of the code", pub_check: "Check",
    pub_camera_hint: "Point the camera at the permit's QR code.", pub_camera_unavailable: "The camera cannot be used here: read a photo, or paste the code.",
    pub_lists: "Signed lists of {authorities}, downloaded {age} ago.", pub_lists_loading: "Downloading the registry's signed lists…",
    pub_lists_none: "The registry's lists could not be downloaded: connect once, then this page works without a connection.",
    pub_refresh: "Update the lists", pub_checked: "Checked in this browser at {time}, with lists {age} old.",
    pub_stale: "The lists are out of date: a revocation since then would not show. Update them when you can.",
    pub_only_code: "This page shows only what the code on the paper carries: compare each item with the paper. The issuing authority's officers see the permit's full record.",
    pub_another: "Check another permit", pub_not_permit: "This text is not a CITES permit code.", pub_no_code: "No permit code was found in the photo.",
    pub_sign_in: "Officers: sign in",
    hint_reader_loading: "Preparing the code reader…", hint_same_code: "This paper was just checked: show the next one.",
    hint_qr_too_small: "Move closer: the code is too small.", hint_qr_blurred: "Hold steady: the code is blurred.", hint_qr_glare: "Tilt the page: glare hides the code.", hint_qr_too_dark: "More light, please.",
    hint_qr_damaged: "The code is damaged: the issuing authority can check the permit by its number.",
  },
  ru: {
    pub_title: "Проверить разрешение СИТЕС", pub_intro: "Отсканируйте QR-код, напечатанный на разрешении, или вставьте его текст. Проверка выполняется в этом браузере по подписанным открытым спискам реестра: учётная запись не нужна, и никакие данные о разрешении никуда не отправляются.",
    pub_scan: "Сканировать камерой", pub_stop: "Выключить камеру", pub_photo: "Прочитать фото кода", pub_paste: "Или вставьте текст кода", pub_check: "Проверить",
    pub_camera_hint: "Наведите камеру на QR-код разрешения.", pub_camera_unavailable: "Камера недоступна: прочитайте фото или вставьте код.",
    pub_lists: "Подписанные списки {authorities}, загружены {age} назад.", pub_lists_loading: "Загрузка подписанных списков реестра…",
    pub_lists_none: "Не удалось загрузить списки реестра: подключитесь один раз, после этого страница работает без связи.",
    pub_refresh: "Обновить списки", pub_checked: "Проверено в этом браузере в {time}, спискам {age}.",
    pub_stale: "Списки устарели: отзыв после их выпуска не будет виден. Обновите их, когда будет связь.",
    pub_only_code: "Эта страница показывает только то, что содержит код на бланке: сверьте каждый пункт с бланком. Полную запись о разрешении видят сотрудники выдавшего органа.",
    pub_another: "Проверить другое разрешение", pub_not_permit: "Этот текст не является кодом разрешения СИТЕС.", pub_no_code: "На фото не найден код разрешения.",
    pub_sign_in: "Сотрудникам: вход",
    hint_reader_loading: "Подготовка считывателя кода…", hint_same_code: "Этот документ только что проверен: покажите следующий.",
    hint_qr_too_small: "Подойдите ближе: код слишком мал.", hint_qr_blurred: "Держите неподвижно: код размыт.", hint_qr_glare: "Наклоните лист: блик закрывает код.", hint_qr_too_dark: "Нужно больше света.",
    hint_qr_damaged: "Код повреждён: выдавший орган может проверить разрешение по номеру.",
  },
  ky: {
    pub_title: "СИТЕС уруксатын текшерүү", pub_intro: "Уруксатта басылган QR-кодду сканерлеңиз же анын текстин коюңуз. Текшерүү ушул браузерде реестрдин кол коюлган ачык тизмелери менен жүрөт: каттоо керек эмес, уруксат тууралуу эч нерсе эч жакка жөнөтүлбөйт.",
    pub_scan: "Камера менен сканерлөө", pub_stop: "Камераны өчүрүү", pub_photo: "Коддун сүрөтүн окуу", pub_paste: "Же коддун текстин коюңуз", pub_check: "Текшерүү",
    pub_camera_hint: "Камераны уруксаттын QR-кодуна багыттаңыз.", pub_camera_unavailable: "Камера жеткиликсиз: сүрөттү окуңуз же кодду коюңуз.",
    pub_lists: "{authorities} кол коюлган тизмелери, {age} мурун жүктөлгөн.", pub_lists_loading: "Реестрдин кол коюлган тизмелери жүктөлүүдө…",
    pub_lists_none: "Реестрдин тизмелерин жүктөө мүмкүн болгон жок: бир жолу туташыңыз, андан кийин бул барак байланышсыз иштейт.",
    pub_refresh: "Тизмелерди жаңылоо", pub_checked: "{time} ушул браузерде текшерилди, тизмелер {age} мурунку.",
    pub_stale: "Тизмелер эскирген: андан кийинки жокко чыгаруу көрүнбөйт. Мүмкүн болгондо жаңылаңыз.",
    pub_only_code: "Бул барак бланктагы код камтыган маалыматты гана көрсөтөт: ар бир пунктту бланк менен салыштырыңыз. Уруксаттын толук жазуусун берген органдын кызматкерлери көрөт.",
    pub_another: "Башка уруксатты текшерүү", pub_not_permit: "Бул текст СИТЕС уруксатынын коду эмес.", pub_no_code: "Сүрөттө уруксаттын коду табылган жок.",
    pub_sign_in: "Кызматкерлер үчүн: кирүү",
    hint_reader_loading: "Код окугуч даярдалууда…", hint_same_code: "Бул документ жаңы эле текшерилди: кийинкисин көрсөтүңүз.",
    hint_qr_too_small: "Жакындаңыз: код өтө кичинекей.", hint_qr_blurred: "Кыймылдатпаңыз: код бүдөмүк.", hint_qr_glare: "Баракты кыйшайтыңыз: жаркыроо кодду жаап турат.", hint_qr_too_dark: "Көбүрөөк жарык керек.",
    hint_qr_damaged: "Код бузулган: берген орган уруксатты номери боюнча текшере алат.",
  },
});

let result = null; // {r, code, signal}
let judged = "";
let stopCamera = null;
let listsState = "loading"; // loading, ready, none

function header() {
  const sel = document.getElementById("lang");
  sel.replaceChildren(...languages.map(([v, l]) => h("option", { value: v, selected: v === lang() }, l)));
  document.querySelector(".skip").textContent = t("skip");
  document.querySelector("label[for=lang]").textContent = t("language");
  document.title = `${t("pub_title")} — OpenCITES`;
  const sync = document.getElementById("sync");
  const on = navigator.onLine && !offline.unreachable();
  sync.className = on ? "sync on" : "sync off";
  sync.textContent = on ? t("online") : t("offline");
}

function leaveCamera() {
  if (stopCamera) { stopCamera(); stopCamera = null; }
}

async function check(code) {
  leaveCamera();
  if (!code.startsWith("CP1:")) throw new Error(t("pub_not_permit"));
  let r;
  try {
    r = await offline.verify(code, "", { records: false });
  } catch (e) {
    throw new Error(e.message === "no_lists" ? t("pub_lists_none") : e.message);
  }
  judged = code;
  result = { r, code, signal: signal(isGood(r.verdict)) };
  draw();
}

async function listsLine(el) {
  const i = await offline.info().catch(() => null);
  el.replaceChildren(
    h("p", {}, listsState === "loading" && !i ? t("pub_lists_loading")
      : i ? t("pub_lists", { authorities: i.authorities.join(", "), age: ago(Date.now() - i.fetchedAt) }) : t("pub_lists_none")),
    h("button", { type: "button", "data-action": "refresh-lists", onclick: () => loadLists(true) }, t("pub_refresh")));
}

function inputView() {
  const msg = h("div", { "aria-live": "assertive" });
  const fail = (err) => msg.replaceChildren(errorBox(err));
  const camBox = h("div", { class: "cam-box" });
  const startBtn = h("button", { type: "button", class: "primary", "data-action": "start-camera", onclick: () => camera() }, t("pub_scan"));
  async function camera() {
    leaveCamera();
    const hint = h("div", { class: "hint", "aria-live": "polite" }, t("pub_camera_hint"));
    const video = h("video", { playsinline: true, muted: true, "aria-label": t("pub_camera_hint") });
    camBox.replaceChildren(h("div", { class: "camera" }, video, h("div", { class: "frame" }), hint),
      h("div", { class: "actions" }, h("button", { type: "button", "data-action": "stop-camera", onclick: () => { leaveCamera(); camBox.replaceChildren(startBtn); } }, t("pub_stop"))));
    try {
      const cam = await startCamera(video, {
        onCode: (text) => check(text).catch(fail),
        onHint: (code) => { hint.textContent = code ? t("hint_" + code) : t("pub_camera_hint"); },
        accept: (text) => text.startsWith("CP1:"),
        ignore: judged,
      });
      stopCamera = cam.stop;
    } catch {
      camBox.replaceChildren(h("p", { class: "notice", role: "alert" }, t("pub_camera_unavailable")));
    }
  }
  camBox.append(startBtn);

  const photo = h("input", { type: "file", accept: "image/*", capture: "environment", name: "photo", class: "visually-hidden", id: "photo-input",
    onchange: async () => {
      const f = photo.files[0];
      if (!f) return;
      try {
        const bmp = await createImageBitmap(f);
        const scale = Math.min(1, 1600 / Math.max(bmp.width, bmp.height));
        const c = new OffscreenCanvas(Math.round(bmp.width * scale), Math.round(bmp.height * scale));
        const ctx = c.getContext("2d");
        ctx.drawImage(bmp, 0, 0, c.width, c.height);
        const img = ctx.getImageData(0, 0, c.width, c.height);
        const r = await offline.decode(img.data, c.width, c.height, 3000);
        const hit = (r.codes || []).find((x) => x.text.startsWith("CP1:"));
        if (!hit) throw new Error(r.hint && r.hint !== "no_qr_found" ? t("hint_" + r.hint) : t("pub_no_code"));
        await check(hit.text);
      } catch (err) {
        fail(err);
      } finally {
        photo.value = "";
      }
    } });
  const codeText = h("textarea", { name: "code", rows: 3, autocomplete: "off", spellcheck: "false" });
  const lists = h("div", { class: "muted lists" });
  listsLine(lists);
  return [
    h("h1", {}, t("pub_title")),
    h("p", {}, t("pub_intro")),
    camBox,
    h("div", { class: "actions" },
      h("label", { for: "photo-input", class: "button", tabindex: "0", role: "button",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); photo.click(); } } }, t("pub_photo")), photo),
    h("form", { onsubmit: (e) => { e.preventDefault(); check(codeText.value.trim()).catch(fail); } },
      field(t("pub_paste"), codeText),
      h("button", { type: "submit", class: "primary", "data-action": "check-code" }, t("pub_check"))),
    msg,
    lists,
    h("p", {}, h("a", { href: "./", "data-action": "sign-in" }, t("pub_sign_in"))),
  ];
}

function verdictView() {
  const { r } = result;
  const good = isGood(r.verdict);
  const b = band(r, good ? (r.stale ? "warn" : "good") : "bad");
  b.dataset.signal = result.signal.kind;
  b.dataset.signalBy = result.signal.given.join(" ");
  const p = r.permit;
  return [
    h("h1", { class: "visually-hidden" }, t("pub_title")),
    b,
    h("p", { class: "muted", "data-mode": "offline" }, t("pub_checked", { time: fmtDateTime(r.checked_at), age: ago((r.status_list_age_s || r.trust_list_age_s || 0) * 1000) })),
    r.stale ? h("p", { class: "error", role: "alert" }, t("pub_stale")) : null,
    reasonList(r.reasons),
    h("div", { class: "actions" }, h("button", { type: "button", class: "primary", "data-action": "scan-next", onclick: () => { result = null; draw(); } }, t("pub_another"))),
    p ? signedFacts(p) : null,
    p ? lineTable(p.lines) : null,
    p ? h("p", { class: "notice" }, t("pub_only_code")) : null,
    details(r),
  ];
}

function draw() {
  header();
  document.body.classList.toggle("focus", !!result);
  mount(...(result ? verdictView() : inputView()));
  if (result) {
    const until = document.querySelector("[data-field=valid_until]");
    if (until && result.r.permit) until.dataset.value = result.r.permit.valid_until;
    fitWords();
  }
}

// loadLists downloads the anchor (pinned on first use), the trust list
// and the status lists, and loads them into the verifier.
async function loadLists(asked) {
  listsState = "loading";
  try {
    await offline.module();
    await offline.refresh();
    listsState = "ready";
    if (asked) toast(t("pub_refresh"));
  } catch (err) {
    listsState = (await offline.info().catch(() => null)) ? "ready" : "none";
    if (asked) toast(errorText(err), "error");
  }
  if (!result) draw();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js", { scope: "./" }).then(() => offline.keepReader()).catch(() => {});
}

document.getElementById("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  draw();
  const l = e.target.value;
  messages.load(l).then((changed) => { if (changed) draw(); }).catch(() => {})
    .finally(() => { document.documentElement.dataset.messagesLang = l; }); // the browser tests wait for this
});
window.addEventListener("online", header);
window.addEventListener("offline", header);
offline.onChange(header);
setLang(lang());
draw();
loadLists(false).then(async () => {
  if (await messages.load().catch(() => false)) draw();
  await messages.loadAll(languages.map(([l]) => l)); // a switch of language with no connection
}).catch(() => {});
