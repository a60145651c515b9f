// Seizure cases: officers record what they found (the specimens, from the
// species reference), how it was hidden, and photos; a case opened from a
// failed verdict links that verification. Every code (concealment,
// transport, outcome, specimen type) reads as words in the three
// languages; photos show as thumbnails that open full size.
import { register, t } from "./i18n.js";
import { h, field, select, toast, errorBox, fmtDateTime, loading, screenMount, pager, saveBlob } from "./ui.js";
import { post, get, request, blob, qs, session, OfflineError } from "./api.js";
import { route, go } from "./router.js";
import * as outbox from "./outbox.js";
import { taxonInput, onLeave, countryField, readControls } from "./exporter.js";
import { TERMS, UNITS, codeLabel } from "./codes.js";
import { checkpoint, lastVerdict, lastLines, lastNumber, takeCaseDraft } from "./officer.js";

const CONCEALMENTS = ["none", "luggage", "body", "clothing", "false_compartment", "mixed_with_legal", "mislabelled", "parcel", "container", "vehicle", "other"];
const TRANSPORT = ["air", "road", "rail", "sea", "post", "pedestrian", "other"];
const OUTCOMES = ["seized", "released", "referred"];
const MAX_SPECIMENS = 50;

register({
  en: {
    more_filters: "More filters", f_case_species: "Species", f_case_country: "Country (origin, transit or destination)",
    f_from: "From", f_to: "To", export_csv: "Download CSV", cases_search_hint: "Words from the case: checkpoint, port, notes.",
    cases_none_match: "No cases match these filters: clear the search or widen the dates.",
    cases_none_officer: "No cases yet. Record one with New case, or from a check that failed.",
    cases_none_other: "No cases yet: the seizures officers record appear here.",
    nav_cases: "Cases", queued_offline: "No network: saved and will be sent when the connection returns.",
    case_title: "New case", occurred_at: "When", transport_mode: "Transport", concealment: "Concealment", outcome: "Outcome", notes: "Notes",
    photos: "Photos", case_saved: "Case {id} recorded.", specimens_found: "Specimens found", specimen_n: "Specimen {n}",
    taxon: "Species (any name)", taxon_hint: "Type a few letters: the species reference suggests names.", unit: "Unit",
    description: "Description", add_specimen: "Add a specimen", remove_specimen: "Remove specimen {n}",
    photos_kept: "{n} photo(s) from the first attempt are kept.", case_permit: "Permit: {number} — {verdict}",
    cases_title: "Cases", case_n: "Case {id}", checkpoint_short: "Checkpoint", verdict: "Verdict", documents_presented: "Documents presented",
    photo_n: "Photo {n}", doc_no_number: "a code naming no permit of the registry", photo_open: "Open photo {n} full size", photo_close: "Close", none_yet: "No cases yet.",
    concealment_none: "Not hidden", concealment_luggage: "In luggage", concealment_body: "On the body", concealment_clothing: "In clothing",
    concealment_false_compartment: "False compartment", concealment_mixed_with_legal: "Mixed with legal goods", concealment_mislabelled: "Mislabelled",
    concealment_parcel: "In a parcel", concealment_container: "In a container", concealment_vehicle: "In a vehicle", concealment_other: "Other",
    transport_air: "Air", transport_road: "Road", transport_rail: "Rail", transport_sea: "Sea", transport_post: "Post", transport_pedestrian: "On foot", transport_other: "Other",
    outcome_seized: "Seized", outcome_released: "Released", outcome_referred: "Referred to prosecution",
  },
  ru: {
    more_filters: "Другие фильтры", f_case_species: "Вид", f_case_country: "Страна (происхождения, транзита или назначения)",
    f_from: "С", f_to: "По", export_csv: "Скачать CSV", cases_search_hint: "Слова из дела: пункт, порт, заметки.",
    cases_none_match: "Нет дел с такими условиями: очистите поиск или расширьте даты.",
    cases_none_officer: "Дел пока нет. Запишите дело кнопкой «Новое дело» или из неудачной проверки.",
    cases_none_other: "Дел пока нет: здесь появятся изъятия, которые записывают инспекторы.",
    nav_cases: "Дела", queued_offline: "Нет сети: сохранено и будет отправлено при подключении.",
    case_title: "Новое дело", occurred_at: "Когда", transport_mode: "Транспорт", concealment: "Сокрытие", outcome: "Итог", notes: "Примечания",
    photos: "Фото", case_saved: "Дело {id} зарегистрировано.", specimens_found: "Обнаруженные образцы", specimen_n: "Образец {n}",
    taxon: "Вид (любое название)", taxon_hint: "Наберите несколько букв: справочник видов подскажет названия.", unit: "Единица",
    description: "Описание", add_specimen: "Добавить образец", remove_specimen: "Убрать образец {n}",
    photos_kept: "Фото из первой попытки сохранены: {n}.", case_permit: "Разрешение: {number} — {verdict}",
    cases_title: "Дела", case_n: "Дело {id}", checkpoint_short: "Пункт", verdict: "Результат", documents_presented: "Предъявленные документы",
    photo_n: "Фото {n}", doc_no_number: "код без разрешения реестра", photo_open: "Открыть фото {n} целиком", photo_close: "Закрыть", none_yet: "Дел пока нет.",
    concealment_none: "Не скрывалось", concealment_luggage: "В багаже", concealment_body: "На теле", concealment_clothing: "В одежде",
    concealment_false_compartment: "Тайник", concealment_mixed_with_legal: "Среди законных товаров", concealment_mislabelled: "Под другим названием",
    concealment_parcel: "В посылке", concealment_container: "В контейнере", concealment_vehicle: "В транспортном средстве", concealment_other: "Другое",
    transport_air: "Воздушный", transport_road: "Автомобильный", transport_rail: "Железнодорожный", transport_sea: "Морской", transport_post: "Почта", transport_pedestrian: "Пешком", transport_other: "Другое",
    outcome_seized: "Изъято", outcome_released: "Пропущено", outcome_referred: "Передано в прокуратуру",
  },
  ky: {
    more_filters: "Башка чыпкалар", f_case_species: "Түр", f_case_country: "Өлкө (чыккан, транзит же баруучу)",
    f_from: "Баштап", f_to: "Чейин", export_csv: "CSV жүктөө", cases_search_hint: "Иштеги сөздөр: пункт, порт, эскертмелер.",
    cases_none_match: "Бул шарттарга ылайык иш жок: издөөнү тазалаңыз же күндөрдү кеңейтиңиз.",
    cases_none_officer: "Азырынча иш жок. «Жаңы иш» баскычы менен же ийгиликсиз текшерүүдөн жазыңыз.",
    cases_none_other: "Азырынча иш жок: инспекторлор жазган алып коюулар бул жерде пайда болот.",
    nav_cases: "Иштер", queued_offline: "Тармак жок: сакталды, байланыш калыбына келгенде жөнөтүлөт.",
    case_title: "Жаңы иш", occurred_at: "Качан", transport_mode: "Транспорт", concealment: "Жашыруу", outcome: "Жыйынтык", notes: "Эскертүүлөр",
    photos: "Сүрөттөр", case_saved: "{id} иш катталды.", specimens_found: "Табылган үлгүлөр", specimen_n: "{n}-үлгү",
    taxon: "Түр (каалаган аталышы)", taxon_hint: "Бир нече тамга жазыңыз: түрлөрдүн маалымдамасы аталыштарды сунуштайт.", unit: "Бирдик",
    description: "Сүрөттөмө", add_specimen: "Үлгү кошуу", remove_specimen: "{n}-үлгүнү алып салуу",
    photos_kept: "Биринчи аракеттеги сүрөттөр сакталды: {n}.", case_permit: "Уруксат: {number} — {verdict}",
    cases_title: "Иштер", case_n: "{id} иш", checkpoint_short: "Пункт", verdict: "Жыйынтык", documents_presented: "Көрсөтүлгөн документтер",
    photo_n: "{n}-сүрөт", doc_no_number: "реестрдин уруксаты жок код", photo_open: "{n}-сүрөттү толук ачуу", photo_close: "Жабуу", none_yet: "Азырынча иш жок.",
    concealment_none: "Жашырылган эмес", concealment_luggage: "Жүктө", concealment_body: "Денеде", concealment_clothing: "Кийимде",
    concealment_false_compartment: "Жашыруун жай", concealment_mixed_with_legal: "Мыйзамдуу товарлардын арасында", concealment_mislabelled: "Башка ат менен",
    concealment_parcel: "Посылкада", concealment_container: "Контейнерде", concealment_vehicle: "Унаада", concealment_other: "Башка",
    transport_air: "Аба", transport_road: "Автомобиль", transport_rail: "Темир жол", transport_sea: "Деңиз", transport_post: "Почта", transport_pedestrian: "Жөө", transport_other: "Башка",
    outcome_seized: "Алынып коюлду", outcome_released: "Өткөрүлдү", outcome_referred: "Прокуратурага берилди",
  },
});

const words = (prefix, code) => (code ? t(prefix + code) : "");

// caseScreen records a seizure or suspicious shipment, from the verdict on
// screen when there is one, or from a refused queued case.
function caseScreen() {
  const mount = screenMount();
  const cp = checkpoint();
  const draft = takeCaseDraft();
  const b = draft ? draft.body : null;
  const last = lastVerdict();
  const fromScan = !draft && last && Date.now() - last.at < 3600e3 ? last : null;
  const start = b && b.specimens.length ? b.specimens : fromScan && lastLines().length ? lastLines() : [{ taxon: "", quantity: 1, unit: "", term: "" }];
  const when = h("input", { name: "occurred_at", type: "datetime-local", value: localTime(b && b.occurred_at), required: true });
  const checkpointIn = h("input", { name: "checkpoint", value: b ? b.checkpoint : cp.port, required: true });
  const transport = select("transport_mode", [["", "—"], ...TRANSPORT.map((x) => [x, t("transport_" + x)])], b ? b.transport_mode : "road");
  const conceal = select("concealment", [["", "—"], ...CONCEALMENTS.map((x) => [x, t("concealment_" + x)])], b ? b.concealment : "");
  const outcome = select("outcome", OUTCOMES.map((x) => [x, t("outcome_" + x)]), b ? b.outcome : "seized");
  const notes = h("textarea", { name: "notes", value: b ? b.notes : "" });
  const keptPhotos = draft ? draft.photos || [] : [];

  // The specimens found: one or more lines, each named from the species
  // reference, with its type, quantity and unit.
  const list = h("div", { class: "specimens" });
  const specimens = [];
  const addBtn = h("button", { type: "button", "data-action": "add-specimen", onclick: () => { addSpecimen({ quantity: 1 }); renumber(); specimens[specimens.length - 1].taxon.focus(); } }, t("add_specimen"));
  function addSpecimen(l) {
    const { input: taxon, list: options } = taxonInput("", l.taxon);
    const s = {
      taxon,
      term: select("", [["", "—"], ...TERMS.map((c) => [c, codeLabel("term_", c)])], l.term || ""),
      quantity: h("input", { type: "number", step: "any", min: "0", value: l.quantity ?? "", inputmode: "decimal" }),
      unit: select("", UNITS.map((u) => [u, u ? `${u} — ${t("unit_" + u)}` : t("unit_")]), l.unit || ""),
      description: h("input", { value: l.description || "" }),
    };
    const taxonField = field(t("taxon"), taxon, t("taxon_hint"));
    taxonField.append(options);
    s.remove = h("button", { type: "button", class: "remove", "data-action": "remove-specimen", onclick: () => {
      specimens.splice(specimens.indexOf(s), 1);
      s.row.remove();
      renumber();
      addBtn.focus();
    } });
    s.row = h("fieldset", { class: "specimen" }, h("legend", {}), taxonField, field(t("term"), s.term),
      h("div", { class: "row" }, h("div", { class: "grow" }, field(t("quantity"), s.quantity)), h("div", { class: "grow" }, field(t("unit"), s.unit))),
      field(t("description"), s.description), s.remove);
    specimens.push(s);
    list.append(s.row);
  }
  function renumber() {
    specimens.forEach((s, i) => {
      s.row.querySelector("legend").textContent = t("specimen_n", { n: i + 1 });
      for (const k of ["taxon", "term", "quantity", "unit", "description"]) s[k].name = `specimens.${i}.${k}`;
      s.remove.textContent = t("remove_specimen", { n: i + 1 });
      s.remove.hidden = specimens.length === 1;
    });
    addBtn.hidden = specimens.length >= MAX_SPECIMENS;
  }
  start.forEach(addSpecimen);
  renumber();

  const photos = h("input", { name: "photos", type: "file", accept: "image/*", multiple: true, capture: "environment" });
  const msg = h("div", { "aria-live": "assertive" });
  const number = b ? ((b.documents || [])[0] || {}).number || "" : fromScan ? lastNumber() : "";
  const vid = fromScan && fromScan.result.verification_id;
  const form = h("form", { onsubmit: async (e) => {
    e.preventDefault();
    const body = {
      occurred_at: new Date(when.value).toISOString(), checkpoint: checkpointIn.value.trim(), port: checkpointIn.value.trim(),
      transport_mode: transport.value, concealment: conceal.value, outcome: outcome.value, notes: notes.value.trim(),
      specimens: specimens.filter((s) => s.taxon.value.trim()).map((s) => ({ taxon: s.taxon.value.trim(), term: s.term.value, quantity: Number(s.quantity.value),
        unit: s.unit.value, description: s.description.value.trim() })),
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
  number ? h("p", {}, t("case_permit", { number, verdict: last ? t("v_" + last.result.verdict) : "—" })) : null,
  field(t("occurred_at"), when), field(t("checkpoint"), checkpointIn),
  h("div", { class: "row" }, h("div", { class: "grow" }, field(t("transport_mode"), transport)), h("div", { class: "grow" }, field(t("concealment"), conceal)),
    h("div", { class: "grow" }, field(t("outcome"), outcome))),
  h("h2", {}, t("specimens_found")), list, addBtn,
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

const CASES_PAGE = 20;
// The filters of the cases list, as GET /api/v1/cases names them.
const CASE_FILTERS = ["q", "species", "checkpoint", "country", "from", "to", "concealment", "outcome"];

// casesScreen lists cases, newest first, with the API's filters, paging,
// and for analysts the CSV export of what the filters select.
async function casesScreen(params, query) {
  const mount = screenMount();
  const f = Object.fromEntries(CASE_FILTERS.map((k) => [k, query.get(k) || ""]));
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const search = h("input", { type: "search", name: "q", value: f.q, autocomplete: "off" });
  const more = [
    field(t("f_case_species"), h("input", { name: "species", value: f.species, autocomplete: "off" })),
    field(t("checkpoint_short"), h("input", { name: "checkpoint", value: f.checkpoint, autocomplete: "off" })),
    countryField(t("f_case_country"), "country", f.country),
    h("div", { class: "two" }, field(t("f_from"), h("input", { type: "date", name: "from", value: f.from })),
      field(t("f_to"), h("input", { type: "date", name: "to", value: f.to }))),
    h("div", { class: "two" },
      field(t("concealment"), select("concealment", [["", t("all")], ...CONCEALMENTS.map((x) => [x, t("concealment_" + x)])], f.concealment)),
      field(t("outcome"), select("outcome", [["", t("all")], ...OUTCOMES.map((x) => [x, t("outcome_" + x)])], f.outcome))),
  ];
  const filtered = CASE_FILTERS.some((k) => f[k]);
  const form = h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); to(1); } },
    field(t("search"), search, t("cases_search_hint")),
    h("details", { open: CASE_FILTERS.slice(1).some((k) => f[k]) }, h("summary", {}, t("more_filters")), more),
    h("button", { type: "submit", "data-action": "search" }, t("search")));
  const chosen = () => {
    const v = readControls(form);
    return Object.fromEntries(CASE_FILTERS.map((k) => [k, v[k] || ""]));
  };
  const to = (p) => go("#/cases" + qs({ ...chosen(), page: p > 1 ? p : "" }));
  mount(h("h1", {}, t("cases_title")), form, loading());
  const r = await get("/api/v1/cases" + qs({ ...f, page, size: CASES_PAGE }));
  const list = r.cases || [];
  const role = session().role;
  const msg = h("div", { "aria-live": "assertive" });
  const csv = role === "analyst" || role === "admin" ? h("button", { type: "button", "data-action": "export-csv", onclick: async (e) => {
    const btn = e.currentTarget;
    btn.disabled = true;
    msg.replaceChildren();
    try { saveBlob(await blob("/api/v1/cases/export" + qs({ ...f, format: "csv" })), "cases.csv"); }
    catch (err) { msg.replaceChildren(errorBox(err)); }
    finally { btn.disabled = false; }
  } }, t("export_csv")) : null;
  const empty = filtered ? t("cases_none_match") : t(role === "officer" ? "cases_none_officer" : "cases_none_other");
  mount(h("h1", {}, t("cases_title")), form,
    h("div", { class: "actions" }, h("p", { role: "status", "data-role": "total" }, t("total_n", { n: r.total ?? list.length })), csv), msg,
    list.length ? h("ul", { class: "plain cases" }, list.map((c) => h("li", { class: "card" },
      h("a", { href: `#/cases/${c.id}`, class: "case-link" }, t("case_n", { id: c.id })),
      h("div", { class: "muted" }, [c.checkpoint, fmtDateTime(c.occurred_at), words("outcome_", c.outcome)].filter(Boolean).join(" · "))))) : h("p", { class: "muted empty" }, empty),
    pager(page, Math.max(1, Math.ceil((r.total ?? list.length) / CASES_PAGE)), to));
}

async function caseDetail({ id }) {
  const mount = screenMount();
  mount(h("h1", {}, t("case_n", { id })), loading());
  const c = await get(`/api/v1/cases/${encodeURIComponent(id)}`);
  const urls = [];
  onLeave(() => urls.forEach((u) => URL.revokeObjectURL(u)));
  const dialog = h("dialog", { class: "photo-view", "aria-label": t("photos") });
  const thumbs = (c.photos || []).map((p, i) => {
    const img = h("img", { alt: t("photo_n", { n: i + 1 }), width: 96, height: 96, class: "thumb", "data-photo": p.id });
    blob(p.thumbnail_url).then((b) => { const u = URL.createObjectURL(b); urls.push(u); img.src = u; }).catch(() => {});
    return h("li", {}, h("button", { type: "button", class: "thumb-button", "aria-label": t("photo_open", { n: i + 1 }), "data-action": "open-photo",
      onclick: async () => {
        const full = h("img", { alt: t("photo_n", { n: i + 1 }), class: "full" });
        dialog.replaceChildren(h("button", { type: "button", class: "close", "data-action": "close-photo", onclick: () => dialog.close() }, t("photo_close")), full);
        dialog.showModal();
        try { const u = URL.createObjectURL(await blob(p.url)); urls.push(u); full.src = u; } catch (err) { dialog.append(errorBox(err)); }
      } }, img));
  });
  mount(h("h1", {}, t("case_n", { id })),
    h("dl", { class: "facts" }, [["occurred_at", fmtDateTime(c.occurred_at)], ["checkpoint_short", c.checkpoint],
      ["transport_mode", words("transport_", c.transport_mode)], ["concealment", words("concealment_", c.concealment)],
      ["outcome", words("outcome_", c.outcome)], ["notes", c.notes]].filter(([, v]) => v).flatMap(([k, v]) => [h("dt", {}, t(k)), h("dd", { "data-field": k }, v)])),
    (c.specimens || []).length ? [h("h2", {}, t("specimens_found")), h("ul", { class: "specimens" }, c.specimens.map((s) => h("li", {},
      h("i", {}, s.taxon), ` — ${s.quantity} ${s.unit ? s.unit : ""}`.trimEnd(), s.term ? ` · ${t("term_" + s.term)}` : "",
      s.description ? h("div", { class: "muted" }, s.description) : null)))] : null,
    (c.documents || []).length ? [h("h2", {}, t("documents_presented")), h("ul", {}, c.documents.map((d) => h("li", {}, d.number || t("doc_no_number"),
      d.verdict ? ` — ${t("v_" + d.verdict)}` : "")))] : null,
    thumbs.length ? [h("h2", {}, t("photos")), h("ul", { class: "thumbs plain" }, thumbs)] : null,
    dialog);
}

route("/cases/new", { roles: ["officer"], render: caseScreen });
// Issuers and analysts read their authority's cases too (the API decides
// which); only officers record them.
// Issuers do not read cases (the API answers 403): no menu entry leading
// to an error.
route("/cases", { roles: ["officer", "analyst", "admin"], nav: "nav_cases", render: casesScreen });
route("/cases/:id", { roles: ["officer", "analyst", "admin"], render: caseDetail });
