// The app shell: sign-in, the menu for the signed-in role, the language
// switch, the connection and outbox status, and the service worker.
import { register, t, languages, lang, setLang } from "./i18n.js";
import { h, mount, field, errorBox, nextScreen, screenMount } from "./ui.js";
import { get, session, setSession, signIn, whenSignedOut } from "./api.js";
import { route, navEntries, homeFor, go, resolve, allowed } from "./router.js";
import * as outbox from "./outbox.js";
import * as offline from "./offline.js";
import * as messages from "./messages.js";
import "./officer.js";
import "./cases.js";
import "./exporter.js";
import "./issuer.js";
import { refreshUnread, showUnread } from "./notifications.js";

register({
  en: { menu: "Menu", sign_out_as: "Sign out ({user})" },
  ru: { menu: "Меню", sign_out_as: "Выйти ({user})" },
  ky: { menu: "Меню", sign_out_as: "Чыгуу ({user})" },
});

const SCANNERS = ["officer", "issuer", "admin"];

function header(m) {
  const s = session();
  const nav = document.getElementById("nav");
  const tabs = nav.querySelector(".tabs");
  tabs.replaceChildren(...(s ? navEntries(s.role).map((r) =>
    h("a", { href: "#" + r.pattern, "aria-current": location.hash.startsWith("#" + r.pattern) ? "page" : null }, t(r.nav))) : []));
  nav.hidden = !s;
  // A verdict or a confirmation takes the whole screen: the header
  // collapses to its one top line.
  document.body.classList.toggle("focus", !!(s && m && m.route.focus));
  const who = document.getElementById("who");
  who.replaceChildren(...(s ? [h("span", { class: "user" }, t("signed_in_as", { user: s.username, role: t("role_" + s.role) })),
    h("button", { type: "button", class: "signout", "aria-label": t("sign_out_as", { user: s.username }), onclick: signOut }, t("sign_out"))] : []));
  const brand = document.getElementById("brand");
  brand.href = s ? homeFor(s.role) : "#/";
  brand.setAttribute("aria-label", "OpenCITES");
  const sel = document.getElementById("lang");
  sel.replaceChildren(...languages.map(([v, l]) => h("option", { value: v, selected: v === lang() }, l)));
  document.querySelector(".skip").textContent = t("skip");
  document.querySelector("label[for=lang]").textContent = t("language");
  status();
  showUnread();
  tabsScrolled();
  const cur = tabs.querySelector("[aria-current=page]");
  if (cur) cur.scrollIntoView({ block: "nearest", inline: "nearest" });
}

// tabsScrolled shows, at each end of the menu, that more entries lie
// beyond it: the menu scrolls sideways on a phone.
function tabsScrolled() {
  const nav = document.getElementById("nav");
  const tabs = nav.querySelector(".tabs");
  nav.classList.toggle("more-left", tabs.scrollLeft > 2);
  nav.classList.toggle("more-right", tabs.scrollLeft + tabs.clientWidth < tabs.scrollWidth - 2);
}
document.querySelector("#nav .tabs").addEventListener("scroll", tabsScrolled, { passive: true });
window.addEventListener("resize", tabsScrolled);

// status shows whether the server is reachable and how much waits to be sent.
export function status() {
  const el = document.getElementById("sync");
  const n = outbox.count();
  const on = navigator.onLine && !offline.unreachable();
  el.className = on ? "sync on" : "sync off";
  el.textContent = (on ? t("online") : t("offline")) + (n ? ` · ${n}` : "");
  el.title = n ? t("queued", { n }) : "";
  el.setAttribute("aria-label", (on ? t("online") : t("offline")) + (n ? `, ${t("queued", { n })}` : ""));
}

function signOut() {
  setSession(null);
  go("#/login");
}

function loginScreen() {
  const user = h("input", { name: "username", autocomplete: "username", required: true, autocapitalize: "none" });
  const pass = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const msg = h("div", { "aria-live": "assertive" });
  const form = h("form", {
    class: "card narrow",
    onsubmit: async (e) => {
      e.preventDefault();
      msg.replaceChildren();
      try {
        const s = await signIn(user.value.trim(), pass.value);
        document.documentElement.dataset.signedInAt = String(Date.now()); // the browser tests measure from here
        go(homeFor(s.role));
        background();
      } catch (err) {
        msg.replaceChildren(errorBox(err));
      }
    },
  }, h("h1", {}, t("sign_in")), field(t("username"), user), field(t("password"), pass), msg,
  h("button", { type: "submit", class: "primary" }, t("sign_in")),
  h("p", { class: "hint", "data-role": "accounts" }, t("accounts_hint")),
  h("p", { class: "muted" }, h("a", { href: "verify.html", "data-action": "public-verify" }, t("public_link"))));
  mount(form);
}

register({
  en: { public_link: "Check a permit without an account",
    accounts_hint: "Accounts are created by your authority's OpenCITES administrator: ask them for one." },
  ru: { public_link: "Проверить разрешение без учётной записи",
    accounts_hint: "Учётные записи создаёт администратор OpenCITES вашего органа: обратитесь к нему, чтобы получить её." },
  ky: { public_link: "Уруксатты каттоосуз текшерүү",
    accounts_hint: "Каттоо жазууларын органыңыздын OpenCITES администратору түзөт: каттоо жазуусу үчүн ага кайрылыңыз." },
});

route("/login", { roles: ["officer", "issuer", "exporter", "admin", "analyst"], render: loginScreen });

async function render() {
  nextScreen();
  const show = screenMount();
  const s = session();
  const m = resolve();
  header(m);
  if (!s) {
    loginScreen();
    return;
  }
  if (!m || m.route.pattern === "/login") {
    go(homeFor(s.role));
    return;
  }
  if (!allowed(m.route)) {
    show(h("h1", {}, t("not_found")));
    return;
  }
  refreshUnread();
  try {
    await m.route.render(m.params, m.query);
  } catch (err) {
    show(h("h1", {}, t("error_generic")), errorBox(err));
  }
}

whenSignedOut(() => go("#/login"));
window.addEventListener("hashchange", render);
window.addEventListener("online", () => { status(); outbox.flush(); });
window.addEventListener("offline", status);
outbox.onChange(status);
offline.onChange(status);
// A new language draws the screen again at once, and again when the
// server's messages in that language have arrived (verdict reasons).
document.getElementById("lang").addEventListener("change", (e) => {
  setLang(e.target.value);
  render();
  const l = e.target.value;
  messages.load(l).then((changed) => { if (changed) render(); }).catch(() => {})
    .finally(() => { document.documentElement.dataset.messagesLang = l; }); // the browser tests wait for this
});
setLang(lang());

// registerWorker installs the service worker once the app is ready to
// verify: on a 2G link its downloads must not delay the first scan.
let workerAsked = false;
function registerWorker() {
  if (workerAsked || !("serviceWorker" in navigator)) return;
  workerAsked = true;
  navigator.serviceWorker.register("sw.js", { scope: "./" }).then(() => offline.keepReader()).catch(() => { /* the app still works online */ });
}

// background keeps the offline lists fresh: the verifier module and the
// lists first (with them the phone verifies offline), then the live
// permits and the server's messages.
async function background() {
  const s = session();
  if (!s) return; // the worker registers after sign-in, once the app is ready
  outbox.flush();
  if (!SCANNERS.includes(s.role)) {
    // The live permits a checkpoint phone keeps are not for other roles.
    offline.forgetPermits().catch(() => {});
    return registerWorker();
  }
  try {
    await offline.module();
    await offline.refresh();
  } catch { /* offline: the stored lists stay */ }
  registerWorker();
  await messages.load().catch(() => {});
  await offline.syncPermits(get).catch(() => {});
  await messages.loadAll(languages.map(([l]) => l));
}

render();
background();
setInterval(background, 5 * 60000);
