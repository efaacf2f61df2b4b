// Trường Số service worker: keeps the app shell for offline use.
// Pages and assets come from the network first (so what the server renders and the code that
// hydrates it always match); the cached copies answer only when the network is gone, and a page
// that was never cached gets the offline page. Each build has its own cache; old ones are removed.
const VERSION = '__BUILD_VERSION__';
const CACHE = `truongso-${VERSION}`;
const SHELL = [
  '/offline.html',
  '/pkg/truongso.js',
  '/pkg/truongso_bg.wasm',
  '/pkg/truongso.css',
  '/manifest.webmanifest',
  '/icons/icon.svg',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
];
const NETWORK_TIMEOUT_MS = 8000;
// The last version of the pages a person reads or works on while offline (their children, their
// classes, the roll call, their inbox, score sheets), kept across app updates, deleted at logout.
// Their data comes from the device's own storage or the copy of the page itself.
const PAGES = 'truongso-pages';
const KEPT_PAGES = [
  /^\/guardian$/, /^\/student$/, /^\/staff$/, /^\/inbox$/, /^\/staff\/class\/\d+(\/roll-call)?$/,
  /^\/staff\/grades\/sheet\//, /^\/grades\/child\//,
];

function keepsOffline(pathname) {
  return KEPT_PAGES.some((pattern) => pattern.test(pathname));
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(
        keys.filter((key) => key.startsWith('truongso-') && key !== CACHE && key !== PAGES).map((key) => caches.delete(key)),
      ))
      .then(() => self.clients.claim()),
  );
});

function fetchWithTimeout(request) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), NETWORK_TIMEOUT_MS);
    fetch(request).then(
      (response) => { clearTimeout(timer); resolve(response); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  // Server functions and health checks are never served from a cache.
  if (url.pathname.startsWith('/api/') || url.pathname === '/readyz' || url.pathname === '/healthz') return;

  if (request.mode === 'navigate') {
    const kept = keepsOffline(url.pathname);
    event.respondWith(
      fetchWithTimeout(request)
        .then((response) => {
          if (kept && response.ok) {
            const copy = response.clone();
            caches.open(PAGES).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() => caches.match(url.pathname, { cacheName: PAGES })
          .then((page) => page || caches.match('/offline.html', { cacheName: CACHE }))),
    );
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(
      fetchWithTimeout(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(url.pathname, copy));
          }
          return response;
        })
        .catch(() => caches.match(url.pathname, { cacheName: CACHE })
          .then((hit) => hit || Promise.reject(new Error('offline')))),
    );
  }
});

// A message from the school (Web Push). The payload was decrypted by the browser.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : '' };
  }
  const english = (self.navigator.language || '').startsWith('en');
  const title = (english && data.title_en) || data.title || 'Trường Số';
  const body = (english && data.body_en) || data.body || '';
  event.waitUntil(self.registration.showNotification(title, {
    body,
    tag: data.kind || 'truongso',
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    data: { link: data.link || '/' },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const link = (event.notification.data && event.notification.data.link) || '/';
  event.waitUntil(self.clients.matchAll({ type: 'window' }).then((windows) => {
    const open = windows.find((w) => 'focus' in w);
    if (open) {
      return open.navigate(link).then((w) => (w || open).focus());
    }
    return self.clients.openWindow(link);
  }));
});

// The page asks to keep itself for offline use (its first visit happens before this worker
// controls it); logging out forgets every kept page.
self.addEventListener('message', (event) => {
  const data = typeof event.data === 'string' ? { type: event.data } : (event.data || {});
  if (data.type === 'keep-page' && typeof data.path === 'string' && keepsOffline(data.path)) {
    event.waitUntil(
      fetch(data.path, { credentials: 'same-origin' })
        .then((response) => response.ok && caches.open(PAGES).then((cache) => cache.put(data.path, response)))
        .catch(() => undefined),
    );
  } else if (data.type === 'forget-pages' || data.type === 'forget-private-pages') {
    event.waitUntil(caches.delete(PAGES));
  }
});
