// Interface strings in English, Russian and Kyrgyz. Each screen module
// registers its own strings; the server translates its own messages from
// the Accept-Language header the API client sends.
const dict = { en: {}, ru: {}, ky: {} };
export const languages = [["en", "English"], ["ru", "Русский"], ["ky", "Кыргызча"]];

let current = pick();

function pick() {
  const saved = localStorage.getItem("cites.lang");
  if (saved && dict[saved]) return saved;
  for (const l of navigator.languages || [navigator.language || "en"]) {
    const base = String(l).slice(0, 2).toLowerCase();
    if (dict[base]) return base;
  }
  return "en";
}

// register adds strings: {en: {key: "text"}, ru: {...}, ky: {...}}.
export function register(strings) {
  for (const [lang, entries] of Object.entries(strings)) Object.assign(dict[lang], entries);
}

export function lang() { return current; }

export function setLang(l) {
  if (!dict[l]) return;
  current = l;
  localStorage.setItem("cites.lang", l);
  document.documentElement.lang = l;
}

// missing collects the keys asked for that the current language lacks; the
// browser tests fail on any (globalThis.citesI18nMissing).
const missing = new Set();
globalThis.citesI18nMissing = missing;

// t returns the string for key in the current language (English when a
// translation is missing), with {name} placeholders filled from vars.
export function t(key, vars) {
  if (!(key in dict[current])) missing.add(`${current}:${key}`);
  let s = dict[current][key] ?? dict.en[key] ?? key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

register({
  en: {
    app_name: "OpenCITES", skip: "Skip to content", language: "Language", sign_in: "Sign in", sign_out: "Sign out",
    username: "Username", password: "Password", signed_in_as: "Signed in as {user} ({role})",
    online: "Online", offline: "Offline", queued: "{n} waiting to send", loading: "Loading…",
    save: "Save", cancel: "Cancel", back: "Back", submit: "Submit", send: "Send", refresh: "Refresh",
    error_network: "No connection to the server.", error_locked: "Too many failed sign-ins. Wait {n} min, then try again.", error_country: "{label}: no country has this name or code. Type its name and pick it from the list.", error_generic: "Something went wrong.", none: "Nothing here yet.",
    role_officer: "officer", role_issuer: "issuer", role_exporter: "exporter", role_admin: "administrator", role_analyst: "analyst",
    session_expired: "Your session has ended: sign in again.", not_found: "This page does not exist.",
    page: "Page {n}", next: "Next", previous: "Previous", required: "required",
    n_min: "{n} min", n_hours: "{n} h", n_days: "{n} d",
  },
  ru: {
    app_name: "OpenCITES", skip: "Перейти к содержимому", language: "Язык", sign_in: "Войти", sign_out: "Выйти",
    username: "Имя пользователя", password: "Пароль", signed_in_as: "Вход выполнен: {user} ({role})",
    online: "В сети", offline: "Нет сети", queued: "{n} ожидают отправки", loading: "Загрузка…",
    save: "Сохранить", cancel: "Отмена", back: "Назад", submit: "Отправить", send: "Отправить", refresh: "Обновить",
    error_network: "Нет связи с сервером.", error_locked: "Слишком много неудачных попыток входа. Подождите {n} мин и попробуйте снова.", error_country: "{label}: нет страны с таким названием или кодом. Введите название и выберите страну из списка.", error_generic: "Что-то пошло не так.", none: "Здесь пока ничего нет.",
    role_officer: "инспектор", role_issuer: "выдающий орган", role_exporter: "экспортёр", role_admin: "администратор", role_analyst: "аналитик",
    session_expired: "Сеанс завершён: войдите снова.", not_found: "Такой страницы нет.",
    page: "Страница {n}", next: "Далее", previous: "Назад", required: "обязательно",
    n_min: "{n} мин", n_hours: "{n} ч", n_days: "{n} дн.",
  },
  ky: {
    app_name: "OpenCITES", skip: "Мазмунга өтүү", language: "Тил", sign_in: "Кирүү", sign_out: "Чыгуу",
    username: "Колдонуучунун аты", password: "Сырсөз", signed_in_as: "Кирдиңиз: {user} ({role})",
    online: "Тармакта", offline: "Тармак жок", queued: "{n} жөнөтүүнү күтүүдө", loading: "Жүктөлүүдө…",
    save: "Сактоо", cancel: "Жокко чыгаруу", back: "Артка", submit: "Жөнөтүү", send: "Жөнөтүү", refresh: "Жаңылоо",
    error_network: "Сервер менен байланыш жок.", error_locked: "Кирүү аракеттери өтө көп ийгиликсиз болду. {n} мүн күтүп, кайра аракет кылыңыз.", error_country: "{label}: мындай аталыштагы же коддогу өлкө жок. Атын жазып, тизмеден тандаңыз.", error_generic: "Бир нерсе туура эмес болду.", none: "Азырынча эч нерсе жок.",
    role_officer: "инспектор", role_issuer: "уруксат берүүчү", role_exporter: "экспорттоочу", role_admin: "администратор", role_analyst: "аналитик",
    session_expired: "Сеанс бүттү: кайра кириңиз.", not_found: "Мындай бет жок.",
    page: "{n}-бет", next: "Кийинки", previous: "Мурунку", required: "милдеттүү",
    n_min: "{n} мүн", n_hours: "{n} саат", n_days: "{n} күн",
  },
});
