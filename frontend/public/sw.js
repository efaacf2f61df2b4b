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
// Pages that keep working offline: their last copy is kept (the data comes from the device's own
// storage, the page only needs its frame). Removed at logout ('forget-pages').
const OFFLINE_PAGES = ['/staff/grades/sheet/', '/grades/child/'];

function keepsOffline(pathname) {
  return OFFLINE_PAGES.some((prefix) => pathname.startsWith(prefix));
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
        keys.filter((key) => key.startsWith('truongso-') && key !== CACHE).map((key) => caches.delete(key)),
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

  if (request.mode === 'navigate' && keepsOffline(url.pathname)) {
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
          .then((hit) => hit || caches.match('/offline.html', { cacheName: CACHE }))),
    );
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(
      fetchWithTimeout(request).catch(() => caches.match('/offline.html', { cacheName: CACHE })),
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

// The page asks to keep itself for offline use (its first visit happens before this worker
// controls it), or, at logout, to forget every kept page.
self.addEventListener('message', (event) => {
  const data = event.data || {};
  if (data.type === 'keep-page' && typeof data.path === 'string' && keepsOffline(data.path)) {
    event.waitUntil(
      fetch(data.path, { credentials: 'same-origin' })
        .then((response) => response.ok && caches.open(CACHE).then((cache) => cache.put(data.path, response)))
        .catch(() => undefined),
    );
  } else if (data.type === 'forget-pages') {
    event.waitUntil(
      caches.open(CACHE).then((cache) => cache.keys().then((requests) => Promise.all(
        requests
          .filter((r) => keepsOffline(new URL(r.url).pathname))
          .map((r) => cache.delete(r)),
      ))),
    );
  }
});
