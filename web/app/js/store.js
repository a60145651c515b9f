// A tiny key-value store on IndexedDB: the offline lists, the cached
// species guidance and the outbox live here, not in localStorage, because
// they can be megabytes and must survive the app being closed.
let dbp;

function db() {
  dbp ??= new Promise((resolve, reject) => {
    const req = indexedDB.open("opencites", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("kv");
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return dbp;
}

async function tx(mode, f) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const t = d.transaction("kv", mode);
    const req = f(t.objectStore("kv"));
    t.oncomplete = () => resolve(req && req.result);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

export const getItem = (key) => tx("readonly", (s) => s.get(key));
export const setItem = (key, value) => tx("readwrite", (s) => s.put(value, key));
export const removeItem = (key) => tx("readwrite", (s) => s.delete(key));
