// The app shell: sign-in, the menu for the signed-in role, the language
// switch, the connection and outbox status, and the service worker.
import { register, t, languages, lang, setLang } from "./i18n.js";
import { h, mount, field, errorBox, nextScreen, screenMount } from "./ui.js";
import { session, setSession, signIn, whenSignedOut } from "./api.js";
import { route, navEntries, homeFor, go, resolve, allowed } from "./router.js";
import * as outbox from "./outbox.js";
import * as offline from "./offline.js";
import "./officer.js";
import "./exporter.js";
import "./issuer.js";

register({
  en: { menu: "Menu" },
  ru: { menu: "Меню" },
  ky: { menu: "Меню" },
});

function header() {
  const s = session();
  const nav = document.getElementById("nav");
  nav.replaceChildren(...(s ? navEntries(s.role).map((r) =>
    h("a", { href: "#" + r.pattern, "aria-current": location.hash.startsWith("#" + r.pattern) ? "page" : null }, t(r.nav))) : []));
  const who = document.getElementById("who");
  who.replaceChildren(...(s ? [h("span", { class: "user" }, t("signed_in_as", { user: s.username, role: t("role_" + s.role) })),
    h("button", { type: "button", class: "link", onclick: signOut }, t("sign_out"))] : []));
  const sel = document.getElementById("lang");
  sel.replaceChildren(...languages.map(([v, l]) => h("option", { value: v, selected: v === lang() }, l)));
  document.querySelector(".skip").textContent = t("skip");
  document.querySelector("label[for=lang]").textContent = t("language");
  status();
}

// status shows whether the server is reachable and how much waits to be sent.
export function status() {
  const el = document.getElementById("sync");
  const n = outbox.count();
  const on = navigator.onLine && !offline.unreachable();
  el.className = on ? "sync on" : "sync off";
  el.textContent = (on ? t("online") : t("offline")) + (n ? " · " + t("queued", { n }) : "");
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
        go(homeFor(s.role));
        background();
      } catch (err) {
        msg.replaceChildren(errorBox(err));
      }
    },
  }, h("h1", {}, t("sign_in")), field(t("username"), user), field(t("password"), pass), msg,
  h("button", { type: "submit", class: "primary" }, t("sign_in")));
  mount(form);
}

route("/login", { roles: ["officer", "issuer", "exporter", "admin", "analyst"], render: loginScreen });

async function render() {
  nextScreen();
  const show = screenMount();
  header();
  const s = session();
  const m = resolve();
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
document.getElementById("lang").addEventListener("change", (e) => { setLang(e.target.value); render(); });
setLang(lang());

if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => { /* the app still works online */ });
}

// background keeps the offline lists fresh and starts the WebAssembly
// module early, so the first scan and any offline check are immediate.
function background() {
  const s = session();
  if (!s) return;
  if (["officer", "issuer", "admin"].includes(s.role)) {
    offline.module().catch(() => {});
    offline.refresh().catch(() => {});
  }
  outbox.flush();
}

render();
background();
setInterval(background, 5 * 60000);
