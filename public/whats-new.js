// What is new, on every signed-in page: the title's count, people with something new listed first, the
// open thread marked read as it is read, the page opened at the "New" separator, and notifications
// (in this tab while it is in the background, and Web Push through the service worker when it is closed).
// No inline script and no eval (the CSP forbids both).
(() => {
  const readDebounce = 300;
  const thread = () => document.querySelector("main.thread[data-thread]");
  const log = () => document.querySelector('[role="log"]');
  const peopleList = () => document.getElementById("people");

  // ---- the title starts with the unread of every thread that is not muted, "(4) …" ----
  const updateTitle = () => {
    let total = 0;
    for (const el of document.querySelectorAll(".sidebar .counts")) {
      if (!el.hasAttribute("data-muted")) total += Number(el.dataset.unread) || 0;
    }
    const base = document.title.replace(/^\(\d+\) /, "");
    document.title = total > 0 ? `(${total}) ${base}` : base;
  };

  /** Counts pushed for a thread: a person with something new goes to the top of the list. */
  const countsArrived = (counts) => {
    const link = counts.closest("a[data-label]");
    if (link) link.setAttribute("aria-label", `${link.dataset.label}${counts.dataset.said ?? ""}`);
    const person = counts.closest("li");
    const list = peopleList();
    if (person && list && person.parentElement === list && Number(counts.dataset.unread) > 0 && list.firstElementChild !== person) {
      list.prepend(person);
    }
    if (Number(counts.id.slice("counts-".length)) === Number(thread()?.dataset.thread)) scheduleRead();
  };

  // ---- the open thread is read when its tab is visible and the reader has seen the messages ----
  let readUpTo = 0;
  let readTimer = 0;

  /** The newest message the reader has seen: the last one whose top is above the log's bottom edge. */
  const newestSeen = () => {
    const el = log();
    if (!el) return 0;
    const bottom = el.getBoundingClientRect().bottom;
    const shown = el.querySelectorAll(":scope > ol > .msg[data-seq]:not(.pending)");
    for (let i = shown.length - 1; i >= 0; i--) {
      if (shown[i].getBoundingClientRect().top < bottom) return Number(shown[i].dataset.seq);
    }
    return 0;
  };

  const markRead = async () => {
    const main = thread();
    if (!main || document.hidden) return;
    const seq = newestSeen();
    if (seq <= readUpTo) return;
    readUpTo = seq;
    try {
      await fetch(`/api/threads/${main.dataset.thread}/read`, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seq }),
      });
    } catch {
      readUpTo = 0; // offline: try again on the next occasion
    }
  };

  function scheduleRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(markRead, readDebounce);
  }

  document.addEventListener("visibilitychange", () => !document.hidden && scheduleRead());

  document.addEventListener("DOMContentLoaded", () => {
    const main = thread();
    const el = log();
    if (main && el) {
      readUpTo = Number(main.dataset.lastRead) || 0;
      // Opened where the reader stopped: the separator at the top, and a way down to the newest.
      const separator = el.querySelector(".new-separator");
      if (separator && !main.dataset.around) {
        separator.scrollIntoView({ block: "start" });
        const marker = document.querySelector(".new-marker");
        if (marker && el.scrollHeight - el.scrollTop - el.clientHeight > 48) marker.hidden = false;
      }
      el.addEventListener("scroll", scheduleRead, { passive: true });
      new MutationObserver(scheduleRead).observe(el.querySelector(":scope > ol") ?? el, { childList: true });
      scheduleRead();
    }
    const sidebar = document.querySelector(".sidebar");
    if (sidebar) {
      new MutationObserver((records) => {
        for (const record of records) {
          for (const node of record.addedNodes) {
            if (!(node instanceof HTMLElement)) continue;
            const counts = node.classList.contains("counts") ? node : node.querySelector?.(".counts");
            if (counts) countsArrived(counts);
          }
        }
        updateTitle();
      }).observe(sidebar, { childList: true, subtree: true });
    }
    const queue = document.getElementById("notify-queue");
    if (queue) new MutationObserver(() => showQueued(queue)).observe(queue, { childList: true });
    showNotificationState();
  });

  // ---- notifications in this tab: a message that matches the level, while the tab is in the background ----
  /** "#general" for a room; nothing for a direct thread, where the author says it all. */
  const roomName = (threadId) => {
    const link = document.getElementById(`counts-${threadId}`)?.closest("a");
    return link?.getAttribute("href")?.startsWith("/t/") ? `#${link.querySelector(".name")?.textContent ?? ""}` : "";
  };

  const showQueued = (queue) => {
    for (const item of [...queue.children]) {
      item.remove();
      const { threadId, messageId, author, url } = item.dataset;
      // Only a tab in the background notifies: one in front shows the counts.
      if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") continue;
      const where = roomName(threadId);
      const note = new Notification(where ? `${author} in ${where}` : author, {
        body: item.textContent ?? "",
        tag: `m-${messageId}`,
      });
      note.onclick = () => {
        window.focus();
        location.assign(url);
      };
    }
  };

  // ---- @ in the composer offers the thread's members: arrows choose, Enter or Tab takes, Escape closes ----
  // The text field keeps focus and points at the chosen option (aria-activedescendant); a status line
  // says how many match, so a screen reader hears the list open.
  const picker = { field: null, list: null, status: null, start: 0, options: [], active: 0 };

  const mentionQuery = (field) => {
    const before = field.value.slice(0, field.selectionStart);
    const match = /(^|[^\w@])@([\w.-]{0,32})$/.exec(before);
    return match ? { start: before.length - match[2].length - 1, text: match[2].toLowerCase() } : null;
  };

  const closeMentions = () => {
    if (!picker.list) return;
    picker.list.hidden = true;
    picker.list.replaceChildren();
    picker.field?.removeAttribute("aria-activedescendant");
    picker.options = [];
  };

  const showActive = () => {
    picker.options.forEach((option, i) => option.setAttribute("aria-selected", String(i === picker.active)));
    const active = picker.options[picker.active];
    if (active) {
      picker.field.setAttribute("aria-activedescendant", active.id);
      active.scrollIntoView({ block: "nearest" });
    }
  };

  const takeMention = (i) => {
    const option = picker.options[i];
    if (!option) return;
    const field = picker.field;
    const name = option.dataset.username;
    const after = field.value.slice(field.selectionStart);
    field.value = `${field.value.slice(0, picker.start)}@${name} ${after}`;
    const caret = picker.start + name.length + 2;
    field.setSelectionRange(caret, caret);
    closeMentions();
    field.dispatchEvent(new Event("input", { bubbles: true }));
  };

  const offerMentions = (field) => {
    const list = document.getElementById(field.getAttribute("aria-controls") ?? "");
    const query = mentionQuery(field);
    if (!list || !query) return closeMentions();
    const members = JSON.parse(field.dataset.members ?? "[]");
    const here = field.dataset.room === "" ? ["here"] : [];
    const matches = [...members, ...here].filter((name) => name.startsWith(query.text)).slice(0, 8);
    Object.assign(picker, { field, list, start: query.start, active: 0 });
    picker.status = document.getElementById(`${list.id}-status`);
    if (matches.length === 0) {
      closeMentions();
      if (picker.status) picker.status.textContent = "";
      return;
    }
    picker.options = matches.map((name, i) => {
      const option = document.createElement("div");
      option.id = `${list.id}-${i}`;
      option.setAttribute("role", "option");
      option.dataset.username = name;
      option.textContent = name === "here" ? "@here (everyone online)" : `@${name}`;
      option.addEventListener("pointerdown", (e) => {
        e.preventDefault(); // keep focus in the field
        takeMention(i);
      });
      return option;
    });
    list.replaceChildren(...picker.options);
    list.hidden = false;
    if (picker.status) picker.status.textContent = `${matches.length} ${matches.length === 1 ? "person matches" : "people match"}; up and down to choose, Enter to take.`;
    showActive();
  };

  document.addEventListener("input", (e) => {
    if (e.target instanceof HTMLTextAreaElement && e.target.dataset.members !== undefined) offerMentions(e.target);
  });
  document.addEventListener("focusout", (e) => e.target === picker.field && closeMentions());
  // Before the composer's own keys (Enter sends, Escape cancels a reply): while the list is open, they are the list's.
  document.addEventListener(
    "keydown",
    (e) => {
      if (e.target !== picker.field || picker.options.length === 0 || e.isComposing) return;
      const count = picker.options.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        picker.active = (picker.active + (e.key === "ArrowDown" ? 1 : count - 1)) % count;
        showActive();
      } else if (e.key === "Enter" || e.key === "Tab") {
        takeMention(picker.active);
      } else if (e.key === "Escape") {
        closeMentions();
      } else {
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
    },
    true,
  );

  // ---- Enable notifications: asked for on a press, never on page load ----
  const stateText = (text) => {
    const el = document.getElementById("notify-state");
    if (el) el.textContent = text;
  };

  const showNotificationState = () => {
    if (!("Notification" in window)) return;
    const button = document.getElementById("enable-notifications");
    if (button) button.hidden = false;
    if (Notification.permission === "granted") stateText("Notifications are on.");
    if (Notification.permission === "denied") stateText("Notifications are blocked in this browser's settings.");
  };

  const base64urlBytes = (text) => {
    const padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  };

  /** Web Push for when every tab is closed: the service worker, and this device's subscription stored. */
  const subscribePush = async () => {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) return "this browser has no Web Push";
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    const { publicKey } = await (await fetch("/api/push/key", { credentials: "same-origin" })).json();
    const subscription =
      (await registration.pushManager.getSubscription()) ??
      (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64urlBytes(publicKey) }));
    const saved = await fetch("/api/push/subscriptions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(subscription.toJSON()),
    });
    return saved.ok ? null : `the server refused the subscription (${saved.status})`;
  };

  document.addEventListener("click", async (e) => {
    if (!e.target.closest?.("#enable-notifications")) return;
    if (!("Notification" in window)) return stateText("This browser cannot show notifications.");
    const permission = await Notification.requestPermission();
    if (permission !== "granted") return stateText("Notifications were not allowed.");
    stateText("Notifications are on.");
    try {
      const problem = await subscribePush();
      if (problem) stateText(`Notifications are on while Parley is open; with it closed they are not: ${problem}.`);
    } catch (error) {
      stateText(`Notifications are on while Parley is open; with it closed they are not: ${error?.message ?? error}.`);
    }
  });
})();
