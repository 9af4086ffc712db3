// Parley's service worker: shows a Web Push notification when no tab of Parley is open on the thread,
// and opens the thread at the message when it is clicked. The payload is API.md's
// {title, body, url, threadId, messageId}; the tag (the message) keeps a tab's own notification of
// the same message from showing twice.
self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { title: "Parley", body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || "Parley", {
      body: data.body || "",
      tag: data.messageId ? `m-${data.messageId}` : undefined,
      icon: "/icon-192.png",
      data: { url: data.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/", self.location.origin).href;
  event.waitUntil(
    (async () => {
      const open = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const tab = open.find((client) => new URL(client.url).origin === self.location.origin);
      if (tab) {
        await tab.focus();
        return tab.navigate(url);
      }
      return self.clients.openWindow(url);
    })(),
  );
});

// A new version takes over at once: it only shows notifications, there is nothing cached to migrate.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
