// Notifications for every role: what happened to the user's applications
// and permits, newest first, with the unread count on the menu entry. A
// notification opened is marked read and leads to what it is about.
import { register, t } from "./i18n.js";
import { h, loading, screenMount, fmtDateTime, errorBox } from "./ui.js";
import { get, post, session } from "./api.js";
import { route, go } from "./router.js";

register({
  en: {
    nav_notifications: "Notifications", notifications: "Notifications", unread_n: "Notifications, {n} unread", unread: "New",
    no_notifications: "No notifications yet. You will find here the authority's decisions on your applications and what happens to your permits.",
    ntf_application_submitted: "Application submitted", ntf_application_resubmitted: "Application resubmitted",
    ntf_application_changes_requested: "Changes requested", ntf_application_rejected: "Application rejected",
    ntf_application_approved: "Application approved", ntf_permit_issued: "Permit issued", ntf_permit_revoked: "Permit revoked",
    ntf_permit_endorsed: "Permit endorsed at export", ntf_permit_accepted: "Permit accepted at import",
  },
  ru: {
    nav_notifications: "Уведомления", notifications: "Уведомления", unread_n: "Уведомления, непрочитанных: {n}", unread: "Новое",
    no_notifications: "Уведомлений пока нет. Здесь появятся решения органа по вашим заявкам и то, что происходит с вашими разрешениями.",
    ntf_application_submitted: "Заявка подана", ntf_application_resubmitted: "Заявка подана повторно",
    ntf_application_changes_requested: "Запрошены изменения", ntf_application_rejected: "Заявка отклонена",
    ntf_application_approved: "Заявка одобрена", ntf_permit_issued: "Разрешение выдано", ntf_permit_revoked: "Разрешение отозвано",
    ntf_permit_endorsed: "Разрешение заверено при экспорте", ntf_permit_accepted: "Разрешение принято при импорте",
  },
  ky: {
    nav_notifications: "Билдирмелер", notifications: "Билдирмелер", unread_n: "Билдирмелер, окула электер: {n}", unread: "Жаңы",
    no_notifications: "Азырынча билдирме жок. Бул жерде органдын арыздарыңыз боюнча чечимдери жана уруксаттарыңызга эмне болгону көрүнөт.",
    ntf_application_submitted: "Арыз берилди", ntf_application_resubmitted: "Арыз кайра берилди",
    ntf_application_changes_requested: "Өзгөртүү суралды", ntf_application_rejected: "Арыз четке кагылды",
    ntf_application_approved: "Арыз жактырылды", ntf_permit_issued: "Уруксат берилди", ntf_permit_revoked: "Уруксат кайтарылып алынды",
    ntf_permit_endorsed: "Уруксат экспортто белгиленди", ntf_permit_accepted: "Уруксат импортто кабыл алынды",
  },
});

const ROLES = ["officer", "issuer", "exporter", "admin", "analyst"];

let unread = 0;

// refreshUnread asks the server how many notifications are unread and
// shows the count on the menu entry.
export async function refreshUnread() {
  if (!session()) return;
  try {
    unread = (await get("/api/v1/notifications?count=1")).unread;
  } catch {
    return; // offline: the count shown stays
  }
  showUnread();
}

// showUnread puts the unread count on the menu entry (the menu is drawn
// again on every screen).
export function showUnread() {
  const tab = document.querySelector('#nav a[href="#/notifications"]');
  if (!tab) return;
  let count = tab.querySelector(".count");
  if (!unread) {
    if (count) count.remove();
    tab.removeAttribute("aria-label");
    return;
  }
  if (!count) {
    count = h("span", { class: "count", "aria-hidden": "true" });
    tab.append(" ", count);
  }
  count.textContent = unread > 99 ? "99+" : String(unread);
  tab.setAttribute("aria-label", t("unread_n", { n: unread }));
}

// target is the screen a notification is about, for the user's role.
function target(n) {
  switch (n.entity_type) {
    case "application":
      return session().role === "exporter" ? `#/applications/${n.entity_id}` : `#/queue/${n.entity_id}`;
    case "permit":
      return `#/permits/${encodeURIComponent(n.entity_id)}`;
  }
  return "";
}

function label(kind) {
  const key = "ntf_" + kind.replace(/\./g, "_");
  const s = t(key);
  return s === key ? kind : s;
}

async function notificationsScreen() {
  const mount = screenMount();
  mount(h("h1", {}, t("notifications")), loading());
  const r = await get("/api/v1/notifications");
  const msg = h("div", { "aria-live": "assertive" });
  const open = async (e, n) => {
    e.preventDefault();
    if (!n.read) {
      try {
        await post(`/api/v1/notifications/${n.id}/read`);
        unread = Math.max(0, unread - 1);
      } catch (err) {
        msg.replaceChildren(errorBox(err));
        return;
      }
    }
    const to = target(n);
    if (to) go(to);
    else notificationsScreen();
  };
  mount(h("h1", {}, t("notifications")), msg,
    r.notifications.length
      ? h("ul", { class: "notifications" }, r.notifications.map((n) => h("li", { class: n.read ? "read" : "unread", "data-id": n.id },
        h("a", { href: target(n) || "#/notifications", "data-action": "open-notification", onclick: (e) => open(e, n) },
          h("strong", {}, label(n.kind)), n.read ? null : [" ", h("span", { class: "badge warn" }, t("unread"))]),
        h("p", {}, n.text), h("span", { class: "muted" }, fmtDateTime(n.created_at)))))
      : h("p", { class: "muted empty" }, t("no_notifications")));
  refreshUnread();
}

route("/notifications", { roles: ROLES, nav: "nav_notifications", render: notificationsScreen });
