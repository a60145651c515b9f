// Service worker: keeps the app's files so it opens with no network. The
// server fills in the version and file list; a new build installs as a new
// cache and the old one is dropped. API calls are never cached here: the app
// itself keeps what it needs offline (trust and status lists, the outbox).
const VERSION = "__VERSION__";
const ASSETS = ["__ASSETS__"];
const CACHE = "cites-app-" + VERSION;

self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(["./", ...ASSETS])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("cites-app-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || !url.pathname.startsWith(new URL("./", location).pathname)) return;
  // Network first, so an online phone runs the newest app; the cached copy
  // answers when the network fails, or when it is so slow that a border
  // post would wait more than three seconds for a file it already has.
  const cached = () => caches.match(e.request, { ignoreSearch: true })
    .then((hit) => hit || (e.request.mode === "navigate" ? caches.match("./") : undefined));
  const network = fetch(e.request).then((resp) => {
    if (resp.ok && resp.status === 200) {
      const copy = resp.clone();
      caches.open(CACHE).then((c) => c.put(e.request, copy));
    }
    return resp;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, 3000)).then(cached)
    .then((hit) => hit || network);
  e.respondWith(Promise.race([network, slow])
    .catch(() => cached().then((hit) => hit || Response.error())));
});
