// Exporters' screens (applications) and the permit screens every role
// shares. The application form is built by permitForm, which the issuers'
// module reuses for issuing a permit directly, so both send the same shape.
import { register, t, lang } from "./i18n.js";
import { h, field, select, toast, errorBox, fmtDate, fmtDateTime, saveBlob, loading, screenMount, ago, pager } from "./ui.js";
import { get, post, put, request, blob, qs, session, newKey } from "./api.js";
import { route, go } from "./router.js";

import { TYPES, PURPOSES, SOURCES, TERMS, UNITS, codeLabel } from "./codes.js";

export { SOURCES, TERMS, UNITS, codeLabel };
const ATTACHMENT_KINDS = ["legal_acquisition", "captive_breeding", "import_permit", "veterinary", "other"];
const PERMIT_STATUSES = ["issued", "endorsed", "expired", "revoked", "cancelled"];
const MAX_LINES = 10;
const PAGE_SIZE = 20;

register({
  en: {
    nav_applications: "Applications", nav_permits: "Permits",
    applications: "My applications", new_application: "New application", application_n: "Application {id}",
    permits: "Permits", permit_n: "Permit {number}", no_applications: "You have no applications yet: start one with New application.",
    app_draft: "Draft", app_submitted: "Submitted", app_changes_requested: "Changes requested", app_rejected: "Rejected", app_approved: "Approved",
    st_issued: "Issued", st_endorsed: "Endorsed at export", st_expired: "Expired", st_revoked: "Revoked", st_cancelled: "Cancelled",
    f_type: "Document type (box 1)", f_purpose: "Purpose (box 5a)", f_valid_from: "Valid from (box 2)", f_valid_until: "Valid until (box 2)",
    f_valid_from_hint: "Leave empty to start on the day of issue.", f_conditions: "Special conditions (box 5)",
    importer: "Importer (box 3)", exporter: "Exporter (box 4)", exporter_hint: "Leave empty to use your organisation's details.",
    changed_since: "Changed since the request for changes:", nothing_changed: "No field changed since the request for changes (documents may have been added).",
    f_issued_from: "Issued from", f_issued_to: "Issued until", f_order: "Order", sort_issued_newest: "Newest first",
    sort_issued_oldest: "Oldest first", sort_expiring: "Expiring soonest first",
    app_search_hint: "Reference (A-2026-000123), importer or species.", no_applications_match: "No applications match: clear the search.",
    sec_document: "Document", sec_parties: "Exporter and importer", sec_conditions: "Conditions", sec_conditions_payment: "Conditions and payment",
    form_sections: "Sections of the form", review_summary: "Check before submitting", summary_hint: "This is what the authority will receive.",
    f_name: "Name", f_address: "Address", f_country: "Country", f_country_hint: "Type the country's name or code and pick it from the list.",
    f_exporter_account: "Exporter's account", f_exporter_account_hint: "The exporter's username, so the permit appears in their list (optional).",
    f_security_stamp: "Security stamp number (box 5b)", f_issued_place: "Place of issue (box 13)",
    f_payment_reference: "Payment reference", specimens: "Specimens (boxes 7–12)", line_n: "Line {line}",
    f_taxon: "Scientific name (box 8)", f_taxon_hint: "Type a scientific or common name and pick from the list.",
    f_description: "Description (box 9)", f_term: "Specimen type (box 9)", f_source: "Source (box 10)",
    f_quantity: "Quantity (box 11)", f_unit: "Unit", f_marks: "Marks, tags or ring numbers", f_origin_country: "Country of origin (box 12)",
    add_line: "Add a specimen line", remove_line: "Remove line {line}", source_pre: "Pre-Convention: {what}",
    appendix_n: "Appendix {a}", not_listed: "not listed in CITES", usual_terms: "usually traded as {terms}",
    saved: "Saved.", submitted: "Application submitted.", save_draft: "Save draft", submit_application: "Submit for review",
    submit_hint: "Submitting saves the form first; the issuing rules then check it in full.",
    attachments: "Supporting documents", attach: "Upload document", f_attachment: "File (PDF, JPEG or PNG, up to 20 MB)", f_kind: "Document kind",
    attach_first: "Save the draft first to attach documents.", attached: "Document uploaded.", no_attachments: "No documents attached yet.",
    attach_help: "Usually needed: proof of legal acquisition; a captive-breeding registration for captive-bred or propagated specimens; a veterinary certificate for live animals; the import permit for Appendix I.",
    choose_file: "Choose a file to upload.", download: "Download", bytes: "{n} KB",
    att_legal_acquisition: "Proof of legal acquisition", att_captive_breeding: "Captive-breeding or propagation registration",
    att_import_permit: "Import permit of the importing country", att_veterinary: "Veterinary certificate", att_other: "Other document",
    missing_docs: "Documents the authority still expects:", awaiting_review: "Your application is waiting for the authority's review.", awaiting_decision: "Waiting for the authority's decision.",
    changes_requested_msg: "The authority asks for changes:", rejected_msg: "The authority rejected the application:",
    approved_msg: "Approved: permit {number} was issued.", open_permit: "Open permit {number}",
    history: "History", msg_submitted: "Submitted", msg_resubmitted: "Resubmitted", msg_changes_requested: "Changes requested",
    msg_rejected: "Rejected", msg_approved: "Approved", by_at: "{who}, {when}",
    col_age: "Waiting", col_number: "Number", col_status: "Status", col_importer: "Importer", col_species: "Species", col_updated: "Updated",
    col_valid_until: "Valid until", col_parties: "Exporter → importer", col_type: "Type",
    search: "Search", search_hint: "Number, exporter, importer or species.", f_status: "Status", all: "All",
    total_n: "{n} found", no_permits: "No permits match: clear the search or choose another status.",
    no_permits_exporter: "You have no permits yet: they appear here when the authority approves your applications.",
    no_permits_yet: "No permits yet: they appear here once issued.",
    download_pdf: "Download PDF", download_qr: "Download QR code", qr_alt: "QR code of permit {number}",
    f_authority: "Authority", f_issued_at: "Issued", f_listing_version: "Species listing", revoked_on: "Revoked on {when}: {reason}",
    col_line: "Line", col_appendix: "App.", col_description: "Description", col_term: "Type", col_source: "Source",
    col_quantity: "Quantity", col_quota: "Quota (11a)", col_marks: "Marks", col_origin: "Origin",
    endorsements: "Endorsements (box 14)", no_endorsements: "Not endorsed yet.", dir_export: "Export", dir_import: "Import acceptance",
    endorsed_at: "{dir} at {port}, {when}, by {who}", line_qty: "line {line}: {q}",
    revoke: "Revoke permit", revoke_reason: "Reason for revocation", revoke_confirm: "Revoke permit {number} now",
    revoke_warn: "Revocation is immediate and final: every verification will show it.", revoked_ok: "Permit revoked.", reason_needed: "Give a reason.",
    act_permit_issue: "Issued", act_permit_revoke: "Revoked", act_permit_endorse_export: "Endorsed at export",
    act_permit_endorse_import: "Accepted at import", actor_action: "{action} by {who}",
    act_permit_documents_waived: "Issued without some documents", waived_docs: "Missing: {docs}. Reason: {reason}",
    missing_before_submit: "These documents are still missing. Upload them above, or say why the application should go without them:",
    missing_reason: "Why submit without them", submit_anyway: "Submit without these documents",
    remove_attachment: "Remove", attachment_removed: "Document removed.",
    awaiting_your_decision: "Waiting for your decision: approve, ask for changes or reject below.",
  },
  ru: {
    nav_applications: "Заявки", nav_permits: "Разрешения",
    applications: "Мои заявки", new_application: "Новая заявка", application_n: "Заявка {id}",
    permits: "Разрешения", permit_n: "Разрешение {number}", no_applications: "У вас пока нет заявок: начните с кнопки «Новая заявка».",
    app_draft: "Черновик", app_submitted: "Подана", app_changes_requested: "Нужны изменения", app_rejected: "Отклонена", app_approved: "Одобрена",
    st_issued: "Выдано", st_endorsed: "Заверено при экспорте", st_expired: "Срок истёк", st_revoked: "Отозвано", st_cancelled: "Аннулировано",
    f_type: "Вид документа (графа 1)", f_purpose: "Цель (графа 5a)", f_valid_from: "Действует с (графа 2)", f_valid_until: "Действует до (графа 2)",
    f_valid_from_hint: "Оставьте пустым, чтобы срок начался в день выдачи.", f_conditions: "Особые условия (графа 5)",
    importer: "Импортёр (графа 3)", exporter: "Экспортёр (графа 4)", exporter_hint: "Оставьте пустым, чтобы взять данные вашей организации.",
    changed_since: "Изменено после запроса изменений:", nothing_changed: "После запроса изменений поля не менялись (могли быть добавлены документы).",
    f_issued_from: "Выданы с", f_issued_to: "Выданы по", f_order: "Порядок", sort_issued_newest: "Сначала новые",
    sort_issued_oldest: "Сначала старые", sort_expiring: "Сначала истекающие",
    app_search_hint: "Номер заявки (A-2026-000123), импортёр или вид.", no_applications_match: "Подходящих заявок нет: очистите поиск.",
    sec_document: "Документ", sec_parties: "Экспортёр и импортёр", sec_conditions: "Условия", sec_conditions_payment: "Условия и оплата",
    form_sections: "Разделы формы", review_summary: "Проверьте перед подачей", summary_hint: "Это получит орган.",
    f_name: "Наименование", f_address: "Адрес", f_country: "Страна", f_country_hint: "Введите название или код страны и выберите её из списка.",
    f_exporter_account: "Учётная запись экспортёра", f_exporter_account_hint: "Имя пользователя экспортёра, чтобы разрешение появилось в его списке (необязательно).",
    f_security_stamp: "Номер защитной марки (графа 5b)", f_issued_place: "Место выдачи (графа 13)",
    f_payment_reference: "Номер платежа", specimens: "Образцы (графы 7–12)", line_n: "Строка {line}",
    f_taxon: "Научное название (графа 8)", f_taxon_hint: "Введите научное или обычное название и выберите из списка.",
    f_description: "Описание (графа 9)", f_term: "Тип образца (графа 9)", f_source: "Источник (графа 10)",
    f_quantity: "Количество (графа 11)", f_unit: "Единица", f_marks: "Метки, бирки или номера колец", f_origin_country: "Страна происхождения (графа 12)",
    add_line: "Добавить строку образца", remove_line: "Удалить строку {line}", source_pre: "До вступления Конвенции: {what}",
    appendix_n: "Приложение {a}", not_listed: "не включён в СИТЕС", usual_terms: "обычно в торговле как {terms}",
    saved: "Сохранено.", submitted: "Заявка подана.", save_draft: "Сохранить черновик", submit_application: "Подать на рассмотрение",
    submit_hint: "При подаче форма сначала сохраняется, затем полностью проверяется по правилам выдачи.",
    attachments: "Подтверждающие документы", attach: "Загрузить документ", f_attachment: "Файл (PDF, JPEG или PNG, до 20 МБ)", f_kind: "Вид документа",
    attach_first: "Сначала сохраните черновик, чтобы прикрепить документы.", attached: "Документ загружен.", no_attachments: "Документы ещё не прикреплены.",
    attach_help: "Обычно нужны: документ о законном приобретении; регистрация разведения для разведённых в неволе или выращенных образцов; ветеринарный сертификат для живых животных; разрешение на импорт для Приложения I.",
    choose_file: "Выберите файл для загрузки.", download: "Скачать", bytes: "{n} КБ",
    att_legal_acquisition: "Документ о законном приобретении", att_captive_breeding: "Регистрация разведения в неволе или выращивания",
    att_import_permit: "Разрешение на импорт страны-импортёра", att_veterinary: "Ветеринарный сертификат", att_other: "Другой документ",
    missing_docs: "Документы, которые ещё ожидает орган:", awaiting_review: "Ваша заявка ожидает рассмотрения уполномоченным органом.", awaiting_decision: "Ожидает решения уполномоченного органа.",
    changes_requested_msg: "Орган просит внести изменения:", rejected_msg: "Орган отклонил заявку:",
    approved_msg: "Одобрено: выдано разрешение {number}.", open_permit: "Открыть разрешение {number}",
    history: "История", msg_submitted: "Подана", msg_resubmitted: "Подана повторно", msg_changes_requested: "Запрошены изменения",
    msg_rejected: "Отклонена", msg_approved: "Одобрена", by_at: "{who}, {when}",
    col_age: "Ожидает", col_number: "Номер", col_status: "Статус", col_importer: "Импортёр", col_species: "Виды", col_updated: "Изменено",
    col_valid_until: "Действует до", col_parties: "Экспортёр → импортёр", col_type: "Вид",
    search: "Поиск", search_hint: "Номер, экспортёр, импортёр или вид.", f_status: "Статус", all: "Все",
    total_n: "Найдено: {n}", no_permits: "Разрешений не найдено: очистите поиск или выберите другой статус.",
    no_permits_exporter: "У вас пока нет разрешений: они появятся здесь, когда орган одобрит ваши заявки.",
    no_permits_yet: "Разрешений пока нет: они появятся здесь после выдачи.",
    download_pdf: "Скачать PDF", download_qr: "Скачать QR-код", qr_alt: "QR-код разрешения {number}",
    f_authority: "Орган", f_issued_at: "Выдано", f_listing_version: "Версия списков видов", revoked_on: "Отозвано {when}: {reason}",
    col_line: "Строка", col_appendix: "Прил.", col_description: "Описание", col_term: "Тип", col_source: "Источник",
    col_quantity: "Количество", col_quota: "Квота (11a)", col_marks: "Метки", col_origin: "Происхождение",
    endorsements: "Отметки (графа 14)", no_endorsements: "Отметок пока нет.", dir_export: "Экспорт", dir_import: "Принятие при импорте",
    endorsed_at: "{dir}: {port}, {when}, {who}", line_qty: "строка {line}: {q}",
    revoke: "Отозвать разрешение", revoke_reason: "Причина отзыва", revoke_confirm: "Отозвать разрешение {number} сейчас",
    revoke_warn: "Отзыв вступает в силу сразу и окончательно: его покажет каждая проверка.", revoked_ok: "Разрешение отозвано.", reason_needed: "Укажите причину.",
    act_permit_issue: "Выдано", act_permit_revoke: "Отозвано", act_permit_endorse_export: "Заверено при экспорте",
    act_permit_endorse_import: "Принято при импорте", actor_action: "{action}: {who}",
    act_permit_documents_waived: "Выдано без части документов", waived_docs: "Не хватало: {docs}. Причина: {reason}",
    missing_before_submit: "Этих документов ещё нет. Загрузите их выше или объясните, почему заявку нужно подать без них:",
    missing_reason: "Почему без них", submit_anyway: "Подать без этих документов",
    remove_attachment: "Удалить", attachment_removed: "Документ удалён.",
    awaiting_your_decision: "Ожидает вашего решения: одобрите, запросите изменения или отклоните ниже.",
  },
  ky: {
    nav_applications: "Арыздар", nav_permits: "Уруксаттар",
    applications: "Менин арыздарым", new_application: "Жаңы арыз", application_n: "{id}-арыз",
    permits: "Уруксаттар", permit_n: "{number} уруксаты", no_applications: "Сизде азырынча арыз жок: «Жаңы арыз» баскычы менен баштаңыз.",
    app_draft: "Долбоор", app_submitted: "Берилди", app_changes_requested: "Өзгөртүү керек", app_rejected: "Четке кагылды", app_approved: "Жактырылды",
    st_issued: "Берилген", st_endorsed: "Экспортто белгиленген", st_expired: "Мөөнөтү бүткөн", st_revoked: "Кайтарылып алынган", st_cancelled: "Жокко чыгарылган",
    f_type: "Документтин түрү (1-графа)", f_purpose: "Максаты (5a-графа)", f_valid_from: "Күчүнө кирет (2-графа)", f_valid_until: "Күчүндө болот (2-графа)",
    f_valid_from_hint: "Берилген күндөн баштоо үчүн бош калтырыңыз.", f_conditions: "Өзгөчө шарттар (5-графа)",
    importer: "Импорттоочу (3-графа)", exporter: "Экспорттоочу (4-графа)", exporter_hint: "Уюмуңуздун маалыматын колдонуу үчүн бош калтырыңыз.",
    changed_since: "Өзгөртүү суралгандан бери өзгөргөндөр:", nothing_changed: "Өзгөртүү суралгандан бери талаалар өзгөргөн жок (документтер кошулушу мүмкүн).",
    f_issued_from: "Берилген күндөн", f_issued_to: "Берилген күнгө чейин", f_order: "Тартиби", sort_issued_newest: "Жаңылары биринчи",
    sort_issued_oldest: "Эскилери биринчи", sort_expiring: "Мөөнөтү жакында бүтөөрлөр биринчи",
    app_search_hint: "Арыздын номери (A-2026-000123), импорттоочу же түр.", no_applications_match: "Ылайыктуу арыз жок: издөөнү тазалаңыз.",
    sec_document: "Документ", sec_parties: "Экспорттоочу жана импорттоочу", sec_conditions: "Шарттар", sec_conditions_payment: "Шарттар жана төлөм",
    form_sections: "Форманын бөлүмдөрү", review_summary: "Берүүдөн мурун текшериңиз", summary_hint: "Орган ушуну алат.",
    f_name: "Аталышы", f_address: "Дареги", f_country: "Өлкө", f_country_hint: "Өлкөнүн атын же кодун жазып, тизмеден тандаңыз.",
    f_exporter_account: "Экспорттоочунун аккаунту", f_exporter_account_hint: "Уруксат анын тизмесинде көрүнүшү үчүн экспорттоочунун колдонуучу аты (милдеттүү эмес).",
    f_security_stamp: "Коргоо маркасынын номери (5b-графа)", f_issued_place: "Берилген жери (13-графа)",
    f_payment_reference: "Төлөмдүн номери", specimens: "Үлгүлөр (7–12-графалар)", line_n: "{line}-сап",
    f_taxon: "Илимий аталышы (8-графа)", f_taxon_hint: "Илимий же жөнөкөй аталышын жазып, тизмеден тандаңыз.",
    f_description: "Сүрөттөмө (9-графа)", f_term: "Үлгүнүн түрү (9-графа)", f_source: "Булагы (10-графа)",
    f_quantity: "Саны (11-графа)", f_unit: "Бирдиги", f_marks: "Белгилер, бирка же шакек номерлери", f_origin_country: "Келип чыккан өлкө (12-графа)",
    add_line: "Үлгү сабын кошуу", remove_line: "{line}-сапты өчүрүү", source_pre: "Конвенцияга чейин: {what}",
    appendix_n: "{a}-тиркеме", not_listed: "СИТЕСке кирбейт", usual_terms: "адатта {terms} катары сатылат",
    saved: "Сакталды.", submitted: "Арыз берилди.", save_draft: "Долбоорду сактоо", submit_application: "Кароого жөнөтүү",
    submit_hint: "Жөнөтүүдө форма адегенде сакталат, андан кийин берүү эрежелери боюнча толук текшерилет.",
    attachments: "Тастыктоочу документтер", attach: "Документ жүктөө", f_attachment: "Файл (PDF, JPEG же PNG, 20 МБ чейин)", f_kind: "Документтин түрү",
    attach_first: "Документ тиркөө үчүн адегенде долбоорду сактаңыз.", attached: "Документ жүктөлдү.", no_attachments: "Азырынча документ тиркелген жок.",
    attach_help: "Адатта керек: мыйзамдуу алынгандыгын тастыктаган документ; туткунда көбөйтүлгөн же өстүрүлгөн үлгүлөр үчүн каттоо; тирүү жаныбарлар үчүн ветеринардык күбөлүк; I-тиркеме үчүн импорттук уруксат.",
    choose_file: "Жүктөө үчүн файл тандаңыз.", download: "Жүктөп алуу", bytes: "{n} КБ",
    att_legal_acquisition: "Мыйзамдуу алынгандыгын тастыктаган документ", att_captive_breeding: "Туткунда көбөйтүүнү же өстүрүүнү каттоо",
    att_import_permit: "Импорттоочу өлкөнүн импорттук уруксаты", att_veterinary: "Ветеринардык күбөлүк", att_other: "Башка документ",
    missing_docs: "Орган дагы күтүп жаткан документтер:", awaiting_review: "Арызыңыз ыйгарым укуктуу органдын кароосун күтүүдө.", awaiting_decision: "Ыйгарым укуктуу органдын чечимин күтүүдө.",
    changes_requested_msg: "Орган өзгөртүү киргизүүнү суранат:", rejected_msg: "Орган арызды четке какты:",
    approved_msg: "Жактырылды: {number} уруксаты берилди.", open_permit: "{number} уруксатын ачуу",
    history: "Тарых", msg_submitted: "Берилди", msg_resubmitted: "Кайра берилди", msg_changes_requested: "Өзгөртүү суралды",
    msg_rejected: "Четке кагылды", msg_approved: "Жактырылды", by_at: "{who}, {when}",
    col_age: "Күтүүдө", col_number: "Номери", col_status: "Абалы", col_importer: "Импорттоочу", col_species: "Түрлөр", col_updated: "Өзгөртүлгөн",
    col_valid_until: "Күчүндө болот", col_parties: "Экспорттоочу → импорттоочу", col_type: "Түрү",
    search: "Издөө", search_hint: "Номери, экспорттоочу, импорттоочу же түр.", f_status: "Абалы", all: "Баары",
    total_n: "Табылды: {n}", no_permits: "Уруксат табылган жок: издөөнү тазалаңыз же башка абалды тандаңыз.",
    no_permits_exporter: "Азырынча уруксатыңыз жок: орган арыздарыңызды жактырганда бул жерде пайда болот.",
    no_permits_yet: "Азырынча уруксат жок: берилгенден кийин бул жерде пайда болот.",
    download_pdf: "PDF жүктөп алуу", download_qr: "QR-кодду жүктөп алуу", qr_alt: "{number} уруксатынын QR-коду",
    f_authority: "Орган", f_issued_at: "Берилген", f_listing_version: "Түрлөр тизмесинин версиясы", revoked_on: "{when} кайтарылып алынган: {reason}",
    col_line: "Сап", col_appendix: "Тирк.", col_description: "Сүрөттөмө", col_term: "Түрү", col_source: "Булагы",
    col_quantity: "Саны", col_quota: "Квота (11a)", col_marks: "Белгилер", col_origin: "Келип чыгышы",
    endorsements: "Белгилер (14-графа)", no_endorsements: "Азырынча белги жок.", dir_export: "Экспорт", dir_import: "Импортто кабыл алуу",
    endorsed_at: "{dir}: {port}, {when}, {who}", line_qty: "{line}-сап: {q}",
    revoke: "Уруксатты кайтарып алуу", revoke_reason: "Кайтарып алуунун себеби", revoke_confirm: "{number} уруксатын азыр кайтарып алуу",
    revoke_warn: "Кайтарып алуу дароо жана биротоло күчүнө кирет: ар бир текшерүү аны көрсөтөт.", revoked_ok: "Уруксат кайтарылып алынды.", reason_needed: "Себебин жазыңыз.",
    act_permit_issue: "Берилди", act_permit_revoke: "Кайтарылып алынды", act_permit_endorse_export: "Экспортто белгиленди",
    act_permit_endorse_import: "Импортто кабыл алынды", actor_action: "{action}: {who}",
    act_permit_documents_waived: "Айрым документтерсиз берилди", waived_docs: "Жетишпеген: {docs}. Себеби: {reason}",
    missing_before_submit: "Бул документтер али жок. Аларды жогоруда жүктөңүз же арызды аларсыз эмне үчүн берүү керектигин түшүндүрүңүз:",
    missing_reason: "Эмне үчүн аларсыз", submit_anyway: "Бул документтерсиз берүү",
    remove_attachment: "Өчүрүү", attachment_removed: "Документ өчүрүлдү.",
    awaiting_your_decision: "Сиздин чечимиңизди күтүүдө: төмөндө жактырыңыз, өзгөртүү сураңыз же четке кагыңыз.",
  },
});


// ---- shared helpers (also used by issuer.js) ----

// busy disables the given buttons while an action runs, so a double tap
// cannot send it twice.
export async function busy(buttons, action) {
  buttons.forEach((b) => (b.disabled = true));
  try {
    return await action();
  } finally {
    buttons.forEach((b) => (b.disabled = false));
  }
}

const APP_BADGE = { draft: "", submitted: "warn", changes_requested: "warn", rejected: "bad", approved: "good" };
const PERMIT_BADGE = { issued: "good", endorsed: "", expired: "warn", revoked: "bad", cancelled: "" };

export function appBadge(status) {
  return h("span", { class: `badge ${APP_BADGE[status] || ""}` }, t("app_" + status));
}

export function permitBadge(status) {
  return h("span", { class: `badge ${PERMIT_BADGE[status] || ""}` }, t("st_" + status));
}

const sourceLabel = (s) => (!s ? "" : s.length === 2 && s[0] === "O" ? `${s} — ${t("source_pre", { what: t("source_" + s[1]) })}` : codeLabel("source_", s));

// species lists the taxa of an application's or permit's lines, for lists.
const speciesOf = (lines) => [...new Set((lines || []).map((l) => l.taxon).filter(Boolean))].join(", ");

let listSeq = 0;
// taxonInput is a text input whose suggestions come from the species
// reference as the user types; onPick(species) is told of an exact match.
export function taxonInput(name, value, onPick) {
  const list = h("datalist", { id: `taxa${++listSeq}` });
  const input = h("input", { name, value: value || "", list: list.id, autocomplete: "off", autocapitalize: "none", spellcheck: "false" });
  let timer, found = [];
  const match = () => found.find((s) => s.name.toLowerCase() === input.value.trim().toLowerCase());
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (onPick) onPick(match());
    if (q.length < 2) return;
    timer = setTimeout(async () => {
      try {
        const r = await get("/api/v1/species" + qs({ q, limit: 8 }));
        found = r.species;
        list.replaceChildren(...found.map((s) => h("option", { value: s.name }, s.common_name ? `${s.common_name}` : s.name)));
        if (onPick) onPick(match());
      } catch { /* suggestions are a convenience: typing still works */ }
    }, 250);
  });
  return { input, list };
}

// The countries' names in the app's language (GET /api/v1/countries),
// loaded once per language: code -> name.
let countryNames = new Map(), countryLang = "", countryLoad = null;
export function loadCountries() {
  if (countryLang !== lang() || !countryLoad) {
    countryLang = lang();
    countryLoad = get("/api/v1/countries").then((r) => (countryNames = new Map(r.countries.map((c) => [c.code, c.name]))))
      .catch(() => { countryLoad = null; return countryNames; });
  }
  return countryLoad;
}

const countryLabel = (code, name) => `${name} (${code})`;

// countryText names a country for reading: "United Arab Emirates (AE)"
// once the names are loaded (loadCountries), the code until then.
export const countryText = (code) => (code && countryNames.has(code) ? countryLabel(code, countryNames.get(code)) : code || "");

// countryField is a country picker: the user types a code, a name or its
// initials in any of the app's languages ("UAE", "Emirates", "Эмираты")
// and picks from the server's suggestions; the form sends the ISO code
// the input resolved (data-code, see readControls). Text that names no
// country is sent as typed, so the server refuses it naming the field
// rather than the app cutting "UAE" to "UA".
export function countryField(label, name, value, hint) {
  const list = h("datalist", { id: `countries${++listSeq}` });
  const input = h("input", { name, value: value || "", list: list.id, autocomplete: "off", autocapitalize: "words", spellcheck: "false",
    class: "country", "data-code": value || "" });
  // resolve sets the code from what the input shows: a picked suggestion
  // "Name (XX)", a code or a whole name.
  const resolve = (tidy) => {
    const v = input.value.trim();
    const m = /\(([A-Za-z]{2})\)$/.exec(v);
    let found = m && countryNames.has(m[1].toUpperCase()) ? m[1].toUpperCase() : "";
    if (!found && v) {
      const up = v.toUpperCase(), low = v.toLowerCase();
      found = countryNames.has(up) ? up : ([...countryNames].find(([, n]) => n.toLowerCase() === low) || [""])[0];
    }
    input.dataset.code = found;
    if (found && tidy) input.value = countryLabel(found, countryNames.get(found));
  };
  loadCountries().then(() => { if (input.value.trim() === (value || "") && value) resolve(true); });
  let timer;
  input.addEventListener("input", () => {
    resolve(false);
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q || input.dataset.code) return;
    timer = setTimeout(async () => {
      try {
        const r = await get("/api/v1/countries" + qs({ q, limit: 8 }));
        list.replaceChildren(...r.countries.map((c) => h("option", { value: countryLabel(c.code, c.name) })));
      } catch { /* suggestions are a convenience: a code still works */ }
    }, 200);
  });
  input.addEventListener("change", () => resolve(true));
  const f = field(label, input, hint);
  f.append(list);
  return f;
}

function sourceOptions(value) {
  const opts = [["", "—"], ...SOURCES.map((c) => [c, codeLabel("source_", c)]), ...SOURCES.map((c) => ["O" + c, sourceLabel("O" + c)])];
  if (value && !opts.some(([v]) => v === value)) opts.push([value, value]);
  return opts;
}

// group is a labelled fieldset (app.css lets it shrink below its widest
// option, so long selects fit a 360 px screen).
function group(legend, ...children) {
  return h("fieldset", {}, h("legend", {}, legend), ...children);
}

// setPath writes value at a dotted name such as "specimens.0.taxon".
function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  keys.slice(0, -1).forEach((k, i) => {
    if (o[k] === undefined) o[k] = /^\d+$/.test(keys[i + 1]) ? [] : {};
    o = o[k];
  });
  o[keys[keys.length - 1]] = value;
}

// readControls turns the named controls under root into the API's JSON:
// numbers where data-number is set, a country picker's resolved code (or
// what was typed, upper-cased, for the server to refuse).
export function readControls(root) {
  const out = {};
  for (const el of root.querySelectorAll("[name]")) {
    if (el.type === "file" || el.type === "button" || el.type === "submit") continue;
    let v = el.value.trim();
    if (el.dataset.number !== undefined) v = v === "" ? 0 : Number(v.replace(",", "."));
    else if (el.classList.contains("country")) v = el.dataset.code || v.toUpperCase();
    setPath(out, el.name, v);
  }
  return out;
}

// permitForm builds the fields of a permit request (boxes 1-13), with one
// or more specimen lines. opts.issuer adds the fields only an issuer sets;
// opts.payment adds the application's payment reference. read() returns
// the request body.
export function permitForm(req = {}, opts = {}) {
  const imp = req.importer || {}, exp = req.exporter || {};
  const lines = h("div", { class: "lines" });
  const addBtn = h("button", { type: "button", "data-action": "add-line", onclick: () => { addLine({}); renumber(); lines.lastChild.querySelector("input").focus(); } }, t("add_line"));

  function addLine(sp) {
    const hint = h("small", { class: "hint", "aria-live": "polite" });
    const { input: taxon, list } = taxonInput("", sp.taxon, (s) => {
      hint.textContent = s ? [s.common_name, s.listing.not_listed ? t("not_listed") : t("appendix_n", { a: s.listing.appendix }),
        s.terms.length ? t("usual_terms", { terms: s.terms.join(", ") }) : ""].filter(Boolean).join(" · ") : "";
    });
    const taxonField = field(t("f_taxon"), taxon, t("f_taxon_hint"));
    taxonField.append(list, hint);
    const row = group("", taxonField,
      field(t("f_description"), h("input", { "data-key": "description", value: sp.description || "" })),
      h("div", { class: "two" },
        field(t("f_term"), select("", [["", "—"], ...TERMS.map((c) => [c, codeLabel("term_", c)])], sp.term || "", { "data-key": "term" })),
        field(t("f_source"), select("", sourceOptions(sp.source), sp.source || "", { "data-key": "source" }))),
      h("div", { class: "two" },
        field(t("f_quantity"), h("input", { "data-key": "quantity", "data-number": "", inputmode: "decimal", value: sp.quantity ? String(sp.quantity) : "" })),
        field(t("f_unit"), select("", UNITS.map((u) => [u, u ? `${u} — ${t("unit_" + u)}` : t("unit_")]), sp.unit || "", { "data-key": "unit" }))),
      field(t("f_marks"), h("input", { "data-key": "marks", value: sp.marks || "" })),
      countryField(t("f_origin_country"), "", sp.origin_country, t("f_country_hint")),
      h("button", { type: "button", class: "link remove", "data-action": "remove-line", onclick: () => { row.remove(); renumber(); addBtn.focus(); } }, ""));
    taxon.dataset.key = "taxon";
    row.querySelector(".country").dataset.key = "origin_country";
    lines.append(row);
  }

  // renumber names each line's controls specimens.N.field and letters the
  // lines A, B, ... as the printed permit does.
  function renumber() {
    [...lines.children].forEach((row, i) => {
      const letter = String.fromCharCode(65 + i);
      row.querySelector("legend").textContent = t("line_n", { line: letter });
      row.querySelectorAll("[data-key]").forEach((el) => (el.name = `specimens.${i}.${el.dataset.key}`));
      const rm = row.querySelector(".remove");
      rm.textContent = t("remove_line", { line: letter });
      rm.hidden = lines.children.length === 1;
    });
    addBtn.hidden = lines.children.length >= MAX_LINES;
  }

  (req.specimens && req.specimens.length ? req.specimens : [{}]).forEach(addLine);
  renumber();

  const party = (key, p) => [
    field(t("f_name"), h("input", { name: `${key}.name`, value: p.name || "", autocomplete: "organization" })),
    field(t("f_address"), h("textarea", { name: `${key}.address`, rows: 2 }, p.address || "")),
    countryField(t("f_country"), `${key}.country`, p.country, t("f_country_hint")),
  ];
  // The form is long on a phone: it comes in numbered sections, with a
  // row of buttons at the top that jump to each.
  const sections = [
    [t("sec_document"), [
      h("div", { class: "two" },
        field(t("f_type"), select("type", TYPES.map((c) => [c, t("type_" + c)]), req.type || "export")),
        field(t("f_purpose"), select("purpose", [["", "—"], ...PURPOSES.map((c) => [c, codeLabel("purpose_", c)])], req.purpose || ""))),
      h("div", { class: "two" },
        field(t("f_valid_from"), h("input", { type: "date", name: "valid_from", value: req.valid_from || "" }), t("f_valid_from_hint")),
        field(t("f_valid_until"), h("input", { type: "date", name: "valid_until", value: req.valid_until || "" })))]],
    [t("sec_parties"), [
      group(t("exporter"), opts.issuer ? null : h("p", { class: "hint" }, t("exporter_hint")), party("exporter", exp),
        opts.issuer ? field(t("f_exporter_account"), h("input", { name: "exporter_account", value: req.exporter_account || "", autocapitalize: "none" }), t("f_exporter_account_hint")) : null),
      group(t("importer"), party("importer", imp))]],
    [t("specimens"), [lines, addBtn]],
    [t(opts.payment ? "sec_conditions_payment" : "sec_conditions"), [
      field(t("f_conditions"), h("textarea", { name: "conditions", rows: 3 }, req.conditions || "")),
      opts.issuer ? h("div", { class: "two" },
        field(t("f_security_stamp"), h("input", { name: "security_stamp", value: req.security_stamp || "" })),
        field(t("f_issued_place"), h("input", { name: "issued_place", value: req.issued_place || "" }))) : null,
      opts.payment ? field(t("f_payment_reference"), h("input", { name: "payment_reference", value: opts.paymentReference || "" })) : null]],
  ];
  const id = `form${++listSeq}`;
  const heads = sections.map(([title], i) => h("h2", { id: `${id}-s${i + 1}`, tabindex: "-1" }, `${i + 1}. ${title}`));
  const steps = h("nav", { class: "form-steps", "aria-label": t("form_sections") }, sections.map(([title], i) =>
    h("button", { type: "button", class: "step", "data-step": i + 1, onclick: () => { heads[i].scrollIntoView({ block: "start" }); heads[i].focus({ preventScroll: true }); } },
      `${i + 1}. ${title}`)));
  const el = h("div", { class: "permit-form" }, steps,
    sections.map(([, body], i) => h("section", { class: "form-section", "aria-labelledby": heads[i].id }, heads[i], body)));
  return { el, read: () => readControls(el) };
}

// requestFacts shows a permit request read-only (an application under
// review, or one the exporter can no longer edit).
export function requestFacts(req) {
  const party = (p) => [p.name, p.address, countryText(p.country)].filter(Boolean).join(", ");
  return [
    h("dl", { class: "facts" },
      h("dt", {}, t("f_type")), h("dd", {}, t("type_" + req.type)),
      h("dt", {}, t("f_purpose")), h("dd", {}, req.purpose ? codeLabel("purpose_", req.purpose) : ""),
      h("dt", {}, t("exporter")), h("dd", {}, party(req.exporter || {})),
      h("dt", {}, t("importer")), h("dd", {}, party(req.importer || {})),
      h("dt", {}, t("f_valid_from")), h("dd", {}, req.valid_from ? fmtDate(req.valid_from) : "—"),
      h("dt", {}, t("f_valid_until")), h("dd", {}, fmtDate(req.valid_until)),
      req.conditions ? [h("dt", {}, t("f_conditions")), h("dd", {}, req.conditions)] : null),
    specimenTable(req.specimens || [], false),
  ];
}

// specimenTable lists specimen lines; a permit's lines also carry the
// appendix and box 11a.
function specimenTable(lines, isPermit) {
  const letter = (l, i) => l.line || String.fromCharCode(65 + i);
  return h("div", { class: "table-wrap" }, h("table", {},
    h("caption", { class: "visually-hidden" }, t("specimens")),
    h("thead", {}, h("tr", {},
      h("th", { scope: "col" }, t("col_line")), h("th", { scope: "col" }, t("f_taxon")),
      isPermit ? h("th", { scope: "col" }, t("col_appendix")) : null,
      h("th", { scope: "col" }, t("col_description")), h("th", { scope: "col" }, t("col_term")), h("th", { scope: "col" }, t("col_source")),
      h("th", { scope: "col" }, t("col_quantity")), isPermit ? h("th", { scope: "col" }, t("col_quota")) : null,
      h("th", { scope: "col" }, t("col_marks")), h("th", { scope: "col" }, t("col_origin")))),
    h("tbody", {}, lines.map((l, i) => h("tr", {},
      h("td", {}, letter(l, i)), h("td", {}, h("i", {}, l.taxon), l.listed_as && l.listed_as !== l.taxon ? h("div", { class: "muted" }, l.listed_as) : null),
      isPermit ? h("td", {}, l.appendix) : null,
      h("td", {}, l.description), h("td", {}, l.term ? codeLabel("term_", l.term) : ""), h("td", {}, sourceLabel(l.source)),
      h("td", {}, `${l.quantity} ${l.unit || ""}`.trim()), isPermit ? h("td", {}, l.quota ? l.quota.text : "—") : null,
      h("td", {}, l.marks), h("td", {}, l.origin_country))))));
}

// attachmentList lists an application's documents with download buttons
// (the API wants the session token, so a plain link cannot fetch them).
export function attachmentList(app, onRemoved) {
  if (!app.attachments.length) return h("p", { class: "muted" }, t("no_attachments"));
  // A draft's documents can be removed by its exporter (the server audits it).
  const removable = app.status === "draft" && session().role === "exporter" && onRemoved;
  return h("ul", { class: "attachments" }, app.attachments.map((a) => h("li", {},
    h("strong", {}, t("att_" + a.kind)), " · ", a.filename, " ", h("span", { class: "muted" }, `(${t("bytes", { n: Math.max(1, Math.round(a.size / 1024)) })})`), " ",
    h("button", { type: "button", class: "link", "data-action": "download-attachment", "data-id": a.id,
      onclick: async (e) => {
        const btn = e.currentTarget;
        try { saveBlob(await blob(`/api/v1/applications/${app.id}/attachments/${a.id}`), a.filename || `document-${a.id}`); }
        catch (err) { btn.after(errorBox(err)); }
      } }, t("download"), h("span", { class: "visually-hidden" }, ` ${a.filename}`)),
    removable ? [" ", h("button", { type: "button", class: "link", "data-action": "remove-attachment", "data-id": a.id,
      onclick: async (e) => {
        const btn = e.currentTarget;
        btn.disabled = true;
        try {
          await request("DELETE", `/api/v1/applications/${app.id}/attachments/${a.id}`);
          onRemoved(a);
        } catch (err) { btn.disabled = false; btn.after(errorBox(err)); }
      } }, t("remove_attachment"), h("span", { class: "visually-hidden" }, ` ${a.filename}`))] : null)));
}

// messageList is the application's conversation: each step and its note.
export function messageList(app) {
  if (!app.messages.length) return null;
  return [h("h2", {}, t("history")), h("ol", { class: "messages" }, app.messages.map((m) => h("li", {},
    h("strong", {}, t("msg_" + m.kind)), " — ", h("span", { class: "muted" }, t("by_at", { who: m.author, when: fmtDateTime(m.at) })),
    m.text ? h("p", {}, m.text) : null)))];
}

// statusNotice tells the exporter (or issuer) where the application stands,
// quoting the latest message of the decision that put it there.
export function statusNotice(app) {
  const last = (kind) => [...app.messages].reverse().find((m) => m.kind === kind);
  switch (app.status) {
    case "changes_requested":
      return h("div", { class: "notice", role: "status" }, h("strong", {}, t("changes_requested_msg")), h("p", {}, (last("changes_requested") || {}).text || ""));
    case "rejected":
      return h("div", { class: "error", role: "status" }, h("strong", {}, t("rejected_msg")), h("p", {}, (last("rejected") || {}).text || ""));
    case "approved":
      return h("div", { class: "ok", role: "status" }, t("approved_msg", { number: app.permit_number }), " ",
        h("a", { href: `#/permits/${encodeURIComponent(app.permit_number)}`, "data-action": "open-permit" }, t("open_permit", { number: app.permit_number })));
    case "submitted":
      return h("div", { class: "notice", role: "status" }, t(session().role === "exporter" ? "awaiting_review" : session().role === "issuer" ? "awaiting_your_decision" : "awaiting_decision"), changedList(app), missingList(app));
  }
  return null;
}

// FIELD_LABELS names the request's fields (the last part of a path such
// as "specimens.0.quantity") by their labels on the form.
const FIELD_LABELS = { type: "f_type", purpose: "f_purpose", valid_from: "f_valid_from", valid_until: "f_valid_until", conditions: "f_conditions",
  name: "f_name", address: "f_address", country: "f_country", taxon: "f_taxon", description: "f_description", term: "f_term", source: "f_source",
  quantity: "f_quantity", unit: "f_unit", marks: "f_marks", origin_country: "f_origin_country", exporter_account: "f_exporter_account" };

// fieldName turns a changed field's path into words: "Importer (box 3) —
// Name", "Line A — Quantity (box 11)".
function fieldName(path) {
  const parts = path.split(".");
  const last = parts[parts.length - 1];
  const label = FIELD_LABELS[last] ? t(FIELD_LABELS[last]) : last;
  if (parts[0] === "specimens" && parts.length >= 2) return `${t("line_n", { line: String.fromCharCode(65 + Number(parts[1])) })} — ${parts.length === 2 ? t("specimens") : label}`;
  if (parts[0] === "exporter" || parts[0] === "importer") return `${t(parts[0])} — ${label}`;
  return label;
}

// changedList shows what a resubmission changed since the authority's
// request for changes.
function changedList(app) {
  const changed = app.changed_since_request || [];
  if (app.status !== "submitted" || !app.messages.some((m) => m.kind === "resubmitted")) return null;
  return h("div", { "data-role": "changed" }, h("p", {}, t(changed.length ? "changed_since" : "nothing_changed")),
    changed.length ? h("ul", {}, [...new Set(changed.map(fieldName))].map((f) => h("li", {}, f))) : null);
}

function missingList(app) {
  if (!app.missing.length) return null;
  return [h("p", {}, t("missing_docs")), h("ul", { class: "missing" }, app.missing.map((k) => h("li", {}, t("att_" + k))))];
}

// ---- applications ----

async function applicationsScreen(params, query) {
  const mount = screenMount();
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const q = query.get("q") || "";
  const search = h("input", { type: "search", name: "q", value: q, autocomplete: "off" });
  const to = (p) => go("#/applications" + qs({ q: search.value.trim(), page: p > 1 ? p : "" }));
  const form = h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); to(1); } },
    field(t("search"), search, t("app_search_hint")), h("button", { type: "submit", "data-action": "search" }, t("search")));
  const newBtn = h("div", { class: "actions" }, h("button", { type: "button", class: "primary", "data-action": "new-application", onclick: () => go("#/applications/new") }, t("new_application")));
  mount(h("h1", {}, t("applications")), newBtn, loading());
  const r = await get("/api/v1/applications" + qs({ q, page, size: PAGE_SIZE }));
  const rows = r.applications;
  mount(h("h1", {}, t("applications")), newBtn,
    // The search helps once there are more than fit a page.
    q || r.total > PAGE_SIZE ? form : null,
    rows.length ? applicationTable(rows, (a) => `#/applications/${a.id}`) : h("p", { class: "muted empty" }, q ? t("no_applications_match") : t("no_applications")),
    pager(page, Math.max(1, Math.ceil(r.total / r.size)), to));
}

// applicationTable lists applications; link(a) is where each row leads.
// opts.age adds how long each has waited since it was submitted.
export function applicationTable(rows, link, opts = {}) {
  const now = Date.now();
  return h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("col_number")), h("th", { scope: "col" }, t("col_status")),
      opts.age ? h("th", { scope: "col" }, t("col_age")) : null,
      h("th", { scope: "col" }, t("col_species")), h("th", { scope: "col" }, t("col_importer")), h("th", { scope: "col" }, t("col_updated")))),
    h("tbody", {}, rows.map((a) => h("tr", {},
      h("td", {}, h("a", { href: link(a), "data-id": a.id }, a.reference || t("application_n", { id: a.id }))),
      h("td", {}, appBadge(a.status)),
      opts.age ? h("td", { class: "age" }, a.submitted_at ? ago(now - new Date(a.submitted_at)) : "—") : null,
      h("td", {}, speciesOf(a.request.specimens)),
      h("td", {}, [a.request.importer.name, a.request.importer.country].filter(Boolean).join(", ")),
      h("td", {}, fmtDateTime(a.updated_at)))))));
}

// applicationScreen shows an application: a form while the exporter may
// still edit it, read-only otherwise. flash is a message to show with it
// (the outcome of the action that led here).
async function applicationScreen({ id }, query, flash) {
  const mount = screenMount();
  const isNew = id === "new";
  let title = isNew ? t("new_application") : t("application_n", { id });
  mount(h("h1", {}, title), loading());
  const [app] = await Promise.all([isNew ? null : get(`/api/v1/applications/${encodeURIComponent(id)}`), loadCountries()]);
  if (app) title = t("application_n", { id: app.reference });
  const editable = isNew || app.status === "draft" || app.status === "changes_requested";
  const msg = h("div", { "aria-live": "assertive" }, flash);

  if (!editable) {
    mount(h("h1", {}, title), msg, h("p", {}, appBadge(app.status)), statusNotice(app), ...requestFacts(app.request),
      h("h2", {}, t("attachments")), attachmentList(app), messageList(app));
    return;
  }

  const form = permitForm(app ? app.request : {}, { payment: true, paymentReference: app ? app.payment_reference : "" });
  const draftKey = newKey(); // a retried first save makes one draft
  const saveBtn = h("button", { type: "button", "data-action": "save" }, t("save_draft"));
  const submitBtn = h("button", { type: "button", class: "primary", "data-action": "submit" }, t("submit_application"));
  // act saves the form (creating the draft the first time), runs then(saved)
  // and shows the application again with the outcome. A new draft gets its
  // address without a second render.
  const act = (then) => busy([saveBtn, submitBtn], async () => {
    msg.replaceChildren();
    let saved;
    try {
      saved = await (isNew ? post("/api/v1/applications", form.read(), { key: draftKey }) : put(`/api/v1/applications/${app.id}`, form.read()));
    } catch (err) {
      msg.replaceChildren(errorBox(err));
      return;
    }
    let outcome;
    try {
      outcome = await then(saved);
    } catch (err) {
      outcome = errorBox(err);
    }
    if (isNew) history.replaceState(null, "", `#/applications/${saved.id}`);
    await applicationScreen({ id: String(saved.id) }, query, outcome);
  });
  saveBtn.addEventListener("click", () => act(async () => h("p", { class: "ok", role: "status" }, t("saved"))));
  submitBtn.addEventListener("click", () => act(async (saved) => {
    try {
      await post(`/api/v1/applications/${saved.id}/submit`);
    } catch (err) {
      if (err.code === "documents_missing" && err.body && err.body.details) return submitWithout(saved, err.body.details.missing || []);
      throw err;
    }
    return h("p", { class: "ok", role: "status" }, t("submitted"));
  }));
  // submitWithout lists the documents the requirements still call for and
  // submits without them once the exporter says why.
  const submitWithout = (saved, missing) => {
    const reason = h("textarea", { name: "missing_documents_reason", rows: 3, maxlength: 2000 });
    const out = h("div", { "aria-live": "assertive" });
    const go = h("button", { type: "button", class: "primary", "data-action": "submit-anyway" }, t("submit_anyway"));
    go.addEventListener("click", () => busy([go], async () => {
      out.replaceChildren();
      if (!reason.value.trim()) {
        out.replaceChildren(h("p", { class: "error", role: "alert" }, t("reason_needed")));
        reason.focus();
        return;
      }
      try {
        await post(`/api/v1/applications/${saved.id}/submit`, { missing_documents_reason: reason.value.trim() });
      } catch (err) {
        out.replaceChildren(errorBox(err));
        return;
      }
      await applicationScreen({ id: String(saved.id) }, query, h("p", { class: "ok", role: "status" }, t("submitted")));
    }));
    return h("section", { class: "card", "data-role": "missing-documents" }, h("p", {}, t("missing_before_submit")),
      h("ul", { class: "missing" }, missing.map((k) => h("li", {}, t("att_" + k)))),
      field(t("missing_reason"), reason), out, h("div", { class: "actions" }, go));
  };

  // The summary shows the form as the authority will read it, drawn when
  // opened, so the exporter checks it before submitting.
  const summaryBody = h("div", {});
  const summary = h("details", { class: "card summary", "data-role": "summary",
    ontoggle: (e) => { if (e.target.open) summaryBody.replaceChildren(h("p", { class: "hint" }, t("summary_hint")), ...requestFacts(form.read())); } },
  h("summary", {}, t("review_summary")), summaryBody);
  // A new document joins the list in place, keeping unsaved edits in the form.
  const attached = h("div", {}, null);
  const onRemoved = (doc) => {
    app.attachments = app.attachments.filter((x) => x.id !== doc.id);
    attached.replaceChildren(attachmentList(app, onRemoved), h("p", { class: "ok", role: "status" }, t("attachment_removed")));
  };
  if (app) attached.append(attachmentList(app, onRemoved));
  const onAttached = (doc) => {
    app.attachments.push(doc);
    attached.replaceChildren(attachmentList(app, onRemoved));
  };
  mount(h("h1", {}, title), app ? h("p", {}, appBadge(app.status)) : null, app ? statusNotice(app) : null,
    h("form", { onsubmit: (e) => e.preventDefault(), novalidate: true }, form.el),
    h("h2", {}, t("attachments")), app ? [attached, uploadForm(app, onAttached)] : h("p", { class: "muted" }, t("attach_first")),
    summary, h("p", { class: "hint" }, t("submit_hint")), msg,
    h("div", { class: "actions" }, saveBtn, submitBtn),
    app ? messageList(app) : null);
  if (flash) msg.scrollIntoView({ block: "center" });
}

// uploadForm sends one supporting document as multipart "kind" and "file"
// and hands the stored document to onDone.
function uploadForm(app, onDone) {
  const file = h("input", { type: "file", name: "attachment", accept: "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png" });
  const kind = select("kind", ATTACHMENT_KINDS.map((k) => [k, t("att_" + k)]), "legal_acquisition");
  const msg = h("div", { "aria-live": "assertive" });
  const btn = h("button", { type: "submit", "data-action": "upload" }, t("attach"));
  return h("form", {
    class: "card",
    onsubmit: (e) => {
      e.preventDefault();
      msg.replaceChildren();
      if (!file.files.length) {
        msg.replaceChildren(h("p", { class: "error", role: "alert" }, t("choose_file")));
        return;
      }
      const fd = new FormData();
      fd.append("kind", kind.value);
      fd.append("file", file.files[0], file.files[0].name);
      busy([btn], async () => {
        try {
          onDone(await request("POST", `/api/v1/applications/${app.id}/attachments`, fd, { timeout: 120000 }));
          file.value = "";
          msg.replaceChildren(h("p", { class: "ok", role: "status" }, t("attached")));
        } catch (err) {
          msg.replaceChildren(errorBox(err));
        }
      });
    },
  }, h("p", { class: "hint" }, t("attach_help")), field(t("f_kind"), kind), field(t("f_attachment"), file), msg, btn);
}

// ---- permits ----

async function permitsScreen(params, query) {
  const mount = screenMount();
  const q = query.get("q") || "", status = query.get("status") || "";
  const from = query.get("from") || "", until = query.get("to") || "", sort = query.get("sort") || "newest";
  const page = Math.max(1, parseInt(query.get("page"), 10) || 1);
  const search = h("input", { type: "search", name: "q", value: q, autocomplete: "off" });
  const statusSel = select("status", [["", t("all")], ...PERMIT_STATUSES.map((s) => [s, t("st_" + s)])], status);
  const fromIn = h("input", { type: "date", name: "from", value: from });
  const toIn = h("input", { type: "date", name: "to", value: until });
  const sortSel = select("sort", [["newest", t("sort_issued_newest")], ["oldest", t("sort_issued_oldest")], ["expiring", t("sort_expiring")]], sort);
  const to = (p) => go("#/permits" + qs({ q: search.value.trim(), status: statusSel.value, from: fromIn.value, to: toIn.value,
    sort: sortSel.value === "newest" ? "" : sortSel.value, page: p > 1 ? p : "" }));
  const filters = h("form", { class: "card", role: "search", onsubmit: (e) => { e.preventDefault(); to(1); } },
    h("div", { class: "two" }, field(t("search"), search, t("search_hint")), field(t("f_status"), statusSel)),
    h("div", { class: "two" }, field(t("f_issued_from"), fromIn), field(t("f_issued_to"), toIn)),
    field(t("f_order"), sortSel),
    h("button", { type: "submit", "data-action": "search" }, t("search")));
  [statusSel, sortSel].forEach((s) => s.addEventListener("change", () => to(1)));
  mount(h("h1", {}, t("permits")), filters, loading());
  const r = await get("/api/v1/permits" + qs({ q, status, from, to: until, sort: sort === "newest" ? "" : sort, page, size: PAGE_SIZE }));
  const pages = Math.max(1, Math.ceil(r.total / r.size));
  const list = r.permits.length ? h("div", { class: "table-wrap" }, h("table", {},
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("col_number")), h("th", { scope: "col" }, t("col_status")),
      h("th", { scope: "col" }, t("col_species")), h("th", { scope: "col" }, t("col_parties")), h("th", { scope: "col" }, t("col_valid_until")))),
    h("tbody", {}, r.permits.map((p) => h("tr", {},
      h("td", {}, h("a", { href: `#/permits/${encodeURIComponent(p.number)}` }, p.number)),
      h("td", {}, permitBadge(p.status)),
      h("td", {}, speciesOf(p.specimens)),
      h("td", {}, `${p.exporter.name} (${p.exporter.country}) → ${p.importer.name} (${p.importer.country})`),
      h("td", {}, fmtDate(p.valid_until))))))) : h("p", { class: "muted empty" }, q || status || from || until ? t("no_permits")
      : t(session().role === "exporter" ? "no_permits_exporter" : "no_permits_yet"));
  mount(h("h1", {}, t("permits")), filters,
    h("p", { role: "status" }, t("total_n", { n: r.total })), list,
    pages > 1 ? h("nav", { class: "actions", "aria-label": t("page", { n: page }) },
      h("button", { type: "button", "data-action": "previous", disabled: page <= 1, onclick: () => to(page - 1) }, t("previous")),
      h("span", { class: "muted" }, t("page", { n: `${page} / ${pages}` })),
      h("button", { type: "button", "data-action": "next", disabled: page >= pages, onclick: () => to(page + 1) }, t("next"))) : null);
}

// onLeave runs f when the user moves to another screen.
export function onLeave(f) {
  window.addEventListener("hashchange", f, { once: true });
}

async function permitScreen({ number }) {
  const mount = screenMount();
  const title = t("permit_n", { number });
  mount(h("h1", {}, title), loading());
  const path = `/api/v1/permits/${encodeURIComponent(number)}`;
  const s = session();
  const p = await get(path);
  const trail = s.role === "issuer" || s.role === "admin" ? (await get(path + "/history")).history : null;
  const party = (x) => [x.name, x.address, x.country].filter(Boolean).join(", ");

  const qrBox = h("div", { class: "qr" });
  const msg = h("div", { "aria-live": "assertive" });
  const download = (suffix, filename, btn) => busy([btn], async () => {
    msg.replaceChildren();
    try { saveBlob(await blob(path + suffix), filename); } catch (err) { msg.replaceChildren(errorBox(err)); }
  });
  const pdfBtn = h("button", { type: "button", "data-action": "pdf", onclick: () => download("/pdf", `${p.number}.pdf`, pdfBtn) }, t("download_pdf"));
  const qrBtn = h("button", { type: "button", "data-action": "qr", onclick: () => download("/qr.png", `${p.number}-qr.png`, qrBtn) }, t("download_qr"));
  const canRevoke = s.role === "issuer" && s.authority === p.authority && p.status !== "revoked" && p.status !== "cancelled";

  mount(h("h1", {}, title),
    h("p", {}, permitBadge(p.status)),
    p.revoked_at ? h("p", { class: "error" }, t("revoked_on", { when: fmtDateTime(p.revoked_at), reason: p.revocation_reason })) : null,
    h("dl", { class: "facts" },
      h("dt", {}, t("f_type")), h("dd", {}, t("type_" + p.type)),
      h("dt", {}, t("f_purpose")), h("dd", {}, codeLabel("purpose_", p.purpose)),
      h("dt", {}, t("f_authority")), h("dd", {}, p.authority),
      h("dt", {}, t("exporter")), h("dd", {}, party(p.exporter)),
      h("dt", {}, t("importer")), h("dd", {}, party(p.importer)),
      h("dt", {}, t("f_valid_from")), h("dd", {}, fmtDate(p.valid_from)),
      h("dt", {}, t("f_valid_until")), h("dd", {}, fmtDate(p.valid_until)),
      h("dt", {}, t("f_issued_at")), h("dd", {}, [fmtDateTime(p.issued_at), p.issued_place].filter(Boolean).join(", ")),
      p.conditions ? [h("dt", {}, t("f_conditions")), h("dd", {}, p.conditions)] : null,
      p.security_stamp ? [h("dt", {}, t("f_security_stamp")), h("dd", {}, p.security_stamp)] : null,
      h("dt", {}, t("f_listing_version")), h("dd", {}, p.listing_version)),
    h("h2", {}, t("specimens")), specimenTable(p.specimens, true),
    h("h2", {}, t("endorsements")),
    p.endorsements.length ? h("ul", {}, p.endorsements.map((e) => h("li", {},
      t("endorsed_at", { dir: t("dir_" + e.direction), port: e.port, when: fmtDateTime(e.at), who: e.officer }),
      e.lines.length ? h("div", { class: "muted" }, e.lines.map((l) => t("line_qty", { line: l.line, q: l.quantity })).join("; ")) : null)))
      : h("p", { class: "muted" }, t("no_endorsements")),
    qrBox, msg,
    h("div", { class: "actions" }, pdfBtn, qrBtn),
    canRevoke ? revokeSection(p) : null,
    trail ? [h("h2", {}, t("history")), h("ol", {}, trail.map((e) => h("li", {},
      t("actor_action", { action: actionLabel(e.action), who: e.actor }), " — ", h("span", { class: "muted" }, fmtDateTime(e.at)),
      e.action === "permit.documents_waived" && e.after ? h("p", { "data-role": "waived" }, t("waived_docs",
        { docs: (e.after.missing || []).map((k) => t("att_" + k)).join(", "), reason: e.after.reason })) : null)))] : null);

  // The QR image needs the session token, so it is fetched and shown from a blob URL.
  try {
    const url = URL.createObjectURL(await blob(path + "/qr.png"));
    onLeave(() => URL.revokeObjectURL(url));
    qrBox.replaceChildren(h("img", { src: url, alt: t("qr_alt", { number: p.number }), width: 240, height: 240, class: "qr-image" }));
  } catch (err) {
    qrBox.replaceChildren(errorBox(err));
  }
}

function actionLabel(action) {
  const key = "act_" + action.replace(/\./g, "_");
  const label = t(key);
  return label === key ? action : label;
}

// revokeSection asks for a reason, then for confirmation, before revoking.
function revokeSection(p) {
  const box = h("section", { class: "card", "aria-labelledby": "revoke-h" });
  const start = () => {
    const reason = h("textarea", { name: "reason", rows: 3, maxlength: 500, required: true });
    const msg = h("div", { "aria-live": "assertive" });
    const confirm = h("button", { type: "submit", class: "danger", "data-action": "confirm-revoke" }, t("revoke_confirm", { number: p.number }));
    const cancel = h("button", { type: "button", "data-action": "cancel-revoke", onclick: () => { idle(); box.querySelector("button").focus(); } }, t("cancel"));
    box.replaceChildren(h("h2", { id: "revoke-h" }, t("revoke")), h("p", { class: "notice" }, t("revoke_warn")),
      h("form", {
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          if (!reason.value.trim()) {
            msg.replaceChildren(h("p", { class: "error", role: "alert" }, t("reason_needed")));
            reason.focus();
            return;
          }
          busy([confirm, cancel], async () => {
            try {
              await post(`/api/v1/permits/${encodeURIComponent(p.number)}/revoke`, { reason: reason.value.trim() });
              toast(t("revoked_ok"));
              await permitScreen({ number: p.number });
            } catch (err) {
              msg.replaceChildren(errorBox(err));
            }
          });
        },
      }, field(t("revoke_reason"), reason), msg, h("div", { class: "actions" }, cancel, confirm)));
    reason.focus();
  };
  const idle = () => box.replaceChildren(h("h2", { id: "revoke-h" }, t("revoke")),
    h("button", { type: "button", class: "danger", "data-action": "revoke", onclick: start }, t("revoke")));
  idle();
  return box;
}

const ALL_ROLES = ["exporter", "issuer", "admin", "officer", "analyst"];
route("/applications", { roles: ["exporter"], nav: "nav_applications", home: ["exporter"], render: applicationsScreen });
route("/applications/:id", { roles: ["exporter"], render: applicationScreen });
route("/permits", { roles: ALL_ROLES, nav: "nav_permits", render: permitsScreen });
route("/permits/:number", { roles: ALL_ROLES, render: permitScreen });
