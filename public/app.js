// What htmx cannot do by itself on a thread page: resume by seq, a fresh clientId per message,
// pending messages, following the conversation, typing, the connection state, and the conversation's
// keyboard and in-place parts (replying, the reaction picker, marking my reactions, quotes kept current).
// No inline script and no eval anywhere (the CSP forbids both).
(() => {
  const reconnectCodes = [1001, 1005, 1006, 1011, 1012, 1013, 1014];
  const typingEvery = 2000;
  const typingShownFor = 4000;
  const nearBottom = 48;

  const thread = () => document.querySelector("main.thread[data-thread]");
  // The log is what scrolls; the list inside it holds the messages, and pushes append to that list.
  const log = () => document.querySelector('[role="log"]');
  const messageList = () => log()?.querySelector(":scope > ol");
  const viewerId = () => document.body.dataset.viewer;

  /**
   * Where the socket takes up from: the newest seq and rev it has delivered (the page as rendered, then
   * each change pushed over the socket), so that a reconnect brings every message, edit and delete made
   * meanwhile. Nothing loaded over HTTP moves it.
   */
  const withResumePoint = (url) => {
    const u = new URL(url, location.href);
    const point = document.querySelector(".resume-point");
    if (!point) return u.href;
    u.searchParams.set("after", point.dataset.seq);
    u.searchParams.set("rev", point.dataset.rev);
    return u.href;
  };

  // ---- connection: resume point, state, and a session that has ended ----
  let connection = null;
  let everOpen = false;

  const setState = (state, text) => {
    const el = document.querySelector(".thread-head .connection");
    if (!el) return;
    el.dataset.state = state;
    el.textContent = text;
  };

  document.addEventListener("htmx:ws:before:connection", (e) => {
    connection = e.detail.connection;
    connection.url = withResumePoint(connection.url);
    setState(everOpen ? "reconnecting" : "connecting", everOpen ? "Reconnecting…" : "Connecting…");
  });

  // A tab that comes back from the background reopens without before:connection: refresh the URL first.
  window.addEventListener(
    "visibilitychange",
    () => {
      if (!document.hidden && connection) connection.url = withResumePoint(connection.url);
    },
    true,
  );

  document.addEventListener("htmx:ws:after:connection", () => {
    everOpen = true;
    setState("live", "Live");
  });

  document.addEventListener("htmx:ws:close", async (e) => {
    const { reason, code } = e.detail;
    if (reason !== "closed") return;
    setState(
      reconnectCodes.includes(code) ? "reconnecting" : "offline",
      reconnectCodes.includes(code) ? "Reconnecting…" : "Offline",
    );
    // 4403: no longer a member of this thread (left, removed or banned from it): it is gone for this page.
    if (code === 4403) {
      location.assign("/");
      return;
    }
    // A refused upgrade looks like 1006: if the session is gone, go to sign-in instead of retrying forever.
    try {
      const me = await fetch("/api/me", { credentials: "same-origin", cache: "no-store" });
      if (me.status === 401) location.assign("/signin");
    } catch {
      // The server is down: the extension keeps retrying.
    }
  });

  // ---- sending: a fresh clientId per message, shown as pending until the server's copy arrives ----
  document.addEventListener("htmx:ws:before:message:outgoing", (e) => {
    const form = e.target.closest?.("form.composer");
    const values = e.detail.message.values;
    if (!form || typeof values.body !== "string") return;
    // Files go by the upload API first; the message names them.
    delete values.file;
    const uploads = [...form.querySelectorAll(".uploads .upload")];
    if (uploads.some((u) => u.dataset.state === "uploading")) {
      e.preventDefault();
      showComposerError("Wait until the files have finished uploading, or cancel them.");
      return;
    }
    const ready = uploads.filter((u) => u.dataset.state === "done");
    values.attachments = ready.map((u) => u.dataset.fileId).join(",");
    if (!values.body.trim() && ready.length === 0) {
      e.preventDefault();
      return;
    }
    values.clientId = crypto.randomUUID();
    addPending(values.clientId, values.body || ready.map((u) => u.dataset.name).join(", "));
    clearUploads(form);
    form.reset();
    cancelReply();
    form.querySelector("textarea")?.focus();
    clearComposerError();
  });

  const addPending = (clientId, body) => {
    const item = document.createElement("li");
    item.className = "msg pending";
    item.dataset.clientId = clientId;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = "Sending…";
    const text = document.createElement("p");
    text.className = "body";
    text.textContent = body;
    item.append(meta, text);
    messageList()?.append(item);
    scrollToBottom();
  };

  const clearComposerError = () => {
    const error = document.querySelector(".composer .field-error");
    if (error) error.textContent = "";
  };

  // Enter sends, Shift+Enter starts a new line; ↑ in an empty composer edits my last message; Escape
  // cancels a reply, and in an editor cancels the edit.
  document.addEventListener("keydown", (e) => {
    const field = e.target;
    if (!(field instanceof HTMLTextAreaElement) || e.isComposing) return;
    if (field.form?.classList.contains("edit-form")) {
      if (e.key === "Escape") {
        e.preventDefault();
        field.form.querySelector(".cancel-edit")?.click();
        composerField()?.focus();
      }
      return;
    }
    if (!field.form?.classList.contains("composer")) return;
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      const hasFiles = field.form.querySelector('.uploads .upload[data-state="done"]');
      if (field.value.trim() || hasFiles) field.form.requestSubmit();
    } else if (e.key === "ArrowUp" && field.value === "") {
      const mine = [...(messageList()?.querySelectorAll(`.msg[data-author="${CSS.escape(viewerId() ?? "")}"]`) ?? [])];
      const last = mine.filter((m) => !m.classList.contains("deleted") && !m.classList.contains("pending")).at(-1);
      const edit = last?.querySelector(".own-actions form[hx-get]");
      if (!edit) return;
      e.preventDefault();
      edit.requestSubmit();
    } else if (e.key === "Escape" && replyingTo()) {
      e.preventDefault();
      cancelReply();
    }
  });

  const composerField = () => document.querySelector("form.composer textarea");

  // ---- files: Attach file, drop onto the thread, paste an image; each uploaded at once, with its
  // progress, a way to cancel, and why it failed; the message then names the uploaded files ----
  const composerForm = () => document.querySelector("form.composer");
  // Files go through the list of uploads: the browser's own file input can hide behind its label.
  document.documentElement.classList.add("js");

  const clearUploads = (form) => {
    const list = form.querySelector(".uploads");
    if (!list) return;
    for (const item of list.querySelectorAll(".upload")) item.xhr?.abort();
    list.replaceChildren();
    list.hidden = true;
  };

  const uploadFailed = (item, why) => {
    item.dataset.state = "failed";
    item.querySelector("progress")?.remove();
    item.querySelector(".upload-status").textContent = why;
    const remove = item.querySelector(".upload-cancel");
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${item.dataset.name}`);
  };

  const megabytes = (bytes) => `${Math.round(bytes / 1024 / 1024)} MB`;

  const upload = (file) => {
    const form = composerForm();
    const list = form?.querySelector(".uploads");
    const threadId = thread()?.dataset.thread;
    if (!list || !threadId) return;
    const name = file.name || "pasted image.png";
    const item = document.createElement("li");
    item.className = "upload";
    item.dataset.name = name;
    const label = document.createElement("span");
    label.className = "upload-name";
    label.textContent = name;
    const progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", `Uploading ${name}`);
    // Why an upload failed is said at once (the text typed stays in the composer).
    const status = document.createElement("span");
    status.className = "upload-status";
    status.setAttribute("role", "alert");
    const cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link upload-cancel";
    cancel.textContent = "Cancel";
    cancel.setAttribute("aria-label", `Cancel ${name}`);
    cancel.addEventListener("click", () => {
      item.xhr?.abort();
      item.remove();
      if (!list.querySelector(".upload")) list.hidden = true;
      composerField()?.focus();
    });
    item.append(label, progress, status, cancel);
    list.append(item);
    list.hidden = false;
    clearComposerError();

    const max = Number(form.dataset.uploadMax);
    if (max && file.size > max) return uploadFailed(item, `larger than ${megabytes(max)}, the most a file may be.`);
    item.dataset.state = "uploading";
    const xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", `/api/threads/${encodeURIComponent(threadId)}/files`);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) progress.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", () => {
      item.xhr = null;
      let answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        // Not JSON: said below by its status.
      }
      const stored = xhr.status === 201 ? answer?.files?.[0] : null;
      if (!stored) return uploadFailed(item, answer?.error?.message ?? `the upload failed (${xhr.status}).`);
      item.dataset.state = "done";
      item.dataset.fileId = stored.id;
      progress.value = 100;
      status.setAttribute("role", "status");
      status.textContent = "Ready";
      cancel.textContent = "Remove";
      cancel.setAttribute("aria-label", `Remove ${name}`);
    });
    xhr.addEventListener("error", () => {
      item.xhr = null;
      uploadFailed(item, "the connection was lost during the upload.");
    });
    const data = new FormData();
    data.append("file", file, name);
    xhr.send(data);
  };

  document.addEventListener("change", (e) => {
    const input = e.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.closest("form.composer")) return;
    for (const file of input.files ?? []) upload(file);
    // Uploaded already: the input is emptied so that the message does not carry the bytes again.
    input.value = "";
    composerField()?.focus();
  });

  document.addEventListener("paste", (e) => {
    if (!e.target.closest?.("form.composer")) return;
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    for (const file of files) upload(file);
  });

  const carriesFiles = (e) => [...(e.dataTransfer?.types ?? [])].includes("Files");
  document.addEventListener("dragover", (e) => {
    if (!carriesFiles(e) || !thread()) return;
    e.preventDefault();
    thread().classList.add("dropping");
  });
  document.addEventListener("dragleave", (e) => {
    if (e.target === thread() || !e.relatedTarget) thread()?.classList.remove("dropping");
  });
  document.addEventListener("drop", (e) => {
    if (!carriesFiles(e) || !thread()) return;
    e.preventDefault();
    thread().classList.remove("dropping");
    for (const file of e.dataTransfer.files) upload(file);
    composerField()?.focus();
  });

  // ---- replying: Reply fills the bar above the composer and adds the replyTo field ----
  const replying = () => document.querySelector("form.composer .replying");
  const replyingTo = () => replying()?.querySelector('input[name="replyTo"]')?.value;

  /** The first line of a message as its text, for the bar and for quotes. */
  const firstLine = (item) => (item.querySelector(".body")?.innerText ?? "").trim().split("\n", 1)[0].slice(0, 100);

  const startReply = (item) => {
    const bar = replying();
    if (!bar) return;
    let field = bar.querySelector('input[name="replyTo"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "replyTo";
      bar.prepend(field);
    }
    field.value = item.id.replace(/^m-/, "");
    bar.querySelector(".author").textContent = item.querySelector(".meta .author")?.textContent ?? "";
    bar.querySelector(".excerpt").textContent = firstLine(item);
    bar.hidden = false;
    composerField()?.focus();
  };

  const cancelReply = () => {
    const bar = replying();
    if (!bar) return;
    bar.querySelector('input[name="replyTo"]')?.remove();
    bar.hidden = true;
  };

  document.addEventListener("submit", (e) => {
    const form = e.target;
    const item = form.closest?.(".msg");
    if (form.classList.contains("reply") && item && replying()) {
      e.preventDefault();
      startReply(item);
    } else if (form.classList.contains("react") && item && picker()) {
      e.preventDefault();
      openPicker(item, e.submitter ?? form.querySelector("button"));
    } else if (form.classList.contains("react-toggle") || form.closest(".reaction-picker")) {
      if (!thread()) return; // the no-JavaScript React page posts as a form does
      e.preventDefault();
      sendReaction(form, e.submitter);
    }
  });

  document.addEventListener("click", (e) => {
    const cancel = e.target.closest?.(".cancel-reply");
    if (cancel && replying()) {
      e.preventDefault();
      cancelReply();
      composerField()?.focus();
      return;
    }
    // A quote of a message on the page: go to it here; otherwise the link opens the thread around it.
    const quote = e.target.closest?.("a.reply-quote");
    const original = quote && document.getElementById(`m-${quote.dataset.replyTo}`);
    if (original) {
      e.preventDefault();
      highlight(original);
    }
  });

  const highlight = (item) => {
    item.scrollIntoView({ block: "center", behavior: "smooth" });
    item.classList.remove("highlight");
    void item.offsetWidth; // restart the animation when the same message is shown twice
    item.classList.add("highlight");
    history.replaceState(null, "", `#${item.id}`);
  };

  // ---- reactions: one picker, opened beside the message; a choice is posted and the message replaced ----
  const picker = () => document.getElementById("reaction-picker");
  let pickerOpener = null;

  const openPicker = (item, opener) => {
    const el = picker();
    const action = `/t/${thread().dataset.thread}/messages/${item.id.replace(/^m-/, "")}/reactions`;
    for (const form of el.querySelectorAll("form")) form.action = action;
    el.querySelector(".field-error").textContent = "";
    el.hidden = false;
    const at = opener.getBoundingClientRect();
    const room = window.innerHeight - at.bottom;
    el.style.left = `${Math.max(8, Math.min(at.left, window.innerWidth - el.offsetWidth - 8))}px`;
    el.style.top = room > el.offsetHeight + 8 ? `${at.bottom + 4}px` : `${Math.max(8, at.top - el.offsetHeight - 4)}px`;
    pickerOpener = opener;
    opener.setAttribute("aria-expanded", "true");
    el.querySelector("button")?.focus();
  };

  const closePicker = (returnFocus = true) => {
    const el = picker();
    if (!el || el.hidden) return;
    el.hidden = true;
    el.querySelector("form.picker-other")?.reset();
    pickerOpener?.setAttribute("aria-expanded", "false");
    if (returnFocus && pickerOpener?.isConnected) pickerOpener.focus();
    pickerOpener = null;
  };

  // Escape closes; arrow keys move among the emoji; a click elsewhere closes.
  document.addEventListener("keydown", (e) => {
    const el = picker();
    if (!el || el.hidden || !el.contains(e.target)) return;
    if (e.key === "Escape") {
      e.preventDefault();
      closePicker();
      return;
    }
    const buttons = [...el.querySelectorAll(".picker-grid button")];
    const at = buttons.indexOf(e.target);
    if (at < 0) return;
    const columns = 6;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns, Home: -at, End: buttons.length - 1 - at }[
      e.key
    ];
    if (step === undefined) return;
    e.preventDefault();
    buttons[Math.max(0, Math.min(buttons.length - 1, at + step))].focus();
  });
  document.addEventListener("pointerdown", (e) => {
    const el = picker();
    if (el && !el.hidden && !el.contains(e.target) && !pickerOpener?.contains(e.target)) closePicker(false);
  });

  const sendReaction = async (form, submitter) => {
    const fields = new URLSearchParams(new FormData(form, submitter ?? undefined));
    const inPicker = form.closest(".reaction-picker");
    let response;
    try {
      response = await fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "HX-Request": "true", "content-type": "application/x-www-form-urlencoded" },
        body: fields,
      });
    } catch {
      if (inPicker) inPicker.querySelector(".field-error").textContent = "Not sent: the server cannot be reached.";
      return;
    }
    const text = await response.text();
    if (!response.ok) {
      if (inPicker) inPicker.querySelector(".field-error").textContent = text;
      else showComposerError(text);
      return;
    }
    if (inPicker) closePicker();
    const template = document.createElement("template");
    template.innerHTML = text;
    const fresh = template.content.querySelector("li.msg");
    if (fresh) replaceMessage(fresh);
  };

  /** Puts a message read over HTTP in place of its copy, unless the page already shows a newer one or is editing it. */
  const replaceMessage = (fresh) => {
    const current = document.getElementById(fresh.id);
    if (!current || current.classList.contains("editing")) return;
    if (Number(current.dataset.rev) >= Number(fresh.dataset.rev)) return;
    current.replaceWith(fresh);
  };

  const showComposerError = (text) => {
    const error = document.querySelector(".composer .field-error");
    if (error) error.textContent = text;
  };

  /** aria-pressed on the reactions that are mine: the markup, the same for everyone, lists who reacted. */
  const markMine = (root) => {
    const me = viewerId();
    for (const button of root.querySelectorAll(".reaction[data-users]")) {
      button.setAttribute("aria-pressed", String(button.dataset.users.split(" ").includes(me)));
    }
  };

  /** Quotes of a message that changed show its new first line, or that it was deleted. */
  const refreshQuotes = (item) => {
    const id = item.id.replace(/^m-/, "");
    for (const quote of document.querySelectorAll(`a.reply-quote[data-reply-to="${CSS.escape(id)}"]`)) {
      const excerpt = quote.querySelector(".excerpt");
      if (!excerpt) continue;
      const gone = item.classList.contains("deleted");
      excerpt.classList.toggle("gone", gone);
      excerpt.textContent = gone ? "deleted message" : firstLine(item) || "…";
    }
  };

  // A message being edited keeps its editor: a push of that message (a reaction, say) is left out, and
  // Save or Cancel brings the newest copy.
  document.addEventListener("htmx:ws:before:message:incoming", (e) => {
    const message = e.detail.message;
    const editing = [...document.querySelectorAll(".msg.editing")];
    if (typeof message.data !== "string" || !editing.some((li) => message.data.includes(`id="${li.id}"`))) return;
    const template = document.createElement("template");
    template.innerHTML = message.data;
    for (const li of editing) template.content.querySelector(`#${CSS.escape(li.id)}[hx-swap-oob]`)?.remove();
    message.data = template.innerHTML;
  });

  // ---- typing: tell the others at most every two seconds ----
  let lastTypingSent = 0;
  document.addEventListener("input", (e) => {
    if (!e.target.closest?.("form.composer")) return;
    const now = Date.now();
    if (now - lastTypingSent < typingEvery || connection?.socket?.readyState !== WebSocket.OPEN) return;
    lastTypingSent = now;
    connection.socket.send(JSON.stringify({ type: "typing" }));
  });

  let typingTimer = 0;
  const showTyping = (notice) => {
    clearTimeout(typingTimer);
    if (notice.dataset.user === viewerId()) notice.textContent = "";
    else typingTimer = setTimeout(() => (notice.textContent = ""), typingShownFor);
  };

  // ---- the log: no duplicates, pending replaced, following new messages ----
  let atBottom = true;
  const marker = () => document.querySelector(".new-marker");

  const scrollToBottom = () => {
    const el = log();
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    atBottom = true;
    if (marker()) marker().hidden = true;
  };

  const watchLog = (el, list) => {
    el.addEventListener("scroll", () => {
      atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < nearBottom;
      if (atBottom && marker()) marker().hidden = true;
    });
    new MutationObserver((records) => {
      let appended = false;
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (!(node instanceof HTMLElement) || node.classList.contains("pending")) continue;
          if (!node.classList.contains("msg") && !node.classList.contains("game")) continue;
          // Catch-up and live pushes can overlap, and a game card read back after a gap may be one the
          // page shows: one copy of an id stays, the newer (by rev), where the first one was.
          if (node.id && !keepNewest(node)) continue;
          if (!node.classList.contains("msg")) continue;
          markMine(node);
          if (node.id && !node.classList.contains("editing")) refreshQuotes(node);
          const clientId = node.dataset.clientId;
          if (clientId) document.querySelector(`.msg.pending[data-client-id="${CSS.escape(clientId)}"]`)?.remove();
          localTime(node);
          groupWithPrevious(node);
          if (!node.nextElementSibling) appended = true;
        }
      }
      if (!appended || loadingNewer) return;
      if (atBottom) scrollToBottom();
      else if (marker()) marker().hidden = false;
    }).observe(list, { childList: true });
  };

  /** With two elements of node's id, keeps the one with the higher rev in the older one's place; false if node went. */
  const keepNewest = (node) => {
    const older = [...document.querySelectorAll(`#${CSS.escape(node.id)}`)].find((other) => other !== node);
    if (!older) return true;
    if (Number(node.dataset.rev) > Number(older.dataset.rev)) {
      older.replaceWith(node);
      return true;
    }
    node.remove();
    return false;
  };

  // Older messages go above: keep the reader's place by holding the distance from the bottom.
  let distanceFromBottom = null;
  document.addEventListener("htmx:before:swap", (e) => {
    if (e.target.closest?.(".older") && log()) distanceFromBottom = log().scrollHeight - log().scrollTop;
  });
  document.addEventListener("htmx:after:swap", () => {
    if (distanceFromBottom === null || !log()) return;
    log().scrollTop = log().scrollHeight - distanceFromBottom;
    distanceFromBottom = null;
  });

  // Typing notices arrive as replacements of the notice element, a child of the thread.
  const watchTyping = (main) =>
    new MutationObserver((records) => {
      for (const record of records) {
        for (const node of record.addedNodes) {
          if (node instanceof HTMLElement && node.classList.contains("typing") && node.dataset.user) showTyping(node);
        }
      }
    }).observe(main, { childList: true });

  // Same author within five minutes: the name and time are not repeated (as the server renders pages).
  const groupWithPrevious = (node) => {
    const previous = node.previousElementSibling;
    if (!previous?.classList.contains("msg") || previous.classList.contains("pending")) return;
    const time = (el) => Date.parse(el.querySelector("time")?.dateTime ?? "");
    if (previous.dataset.author === node.dataset.author && time(node) - time(previous) < 5 * 60 * 1000) {
      node.classList.add("grouped");
    }
  };

  // Newer messages go below (a window around a found message): the reader stays where they were, not
  // carried to the end of what arrived.
  let loadingNewer = false;
  document.addEventListener("htmx:before:swap", (e) => {
    if (e.target.closest?.(".newer-loader")) loadingNewer = true;
  });
  document.addEventListener("htmx:after:swap", () => {
    if (loadingNewer) setTimeout(() => (loadingNewer = false));
  });

  const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  const localTime = (root) => {
    for (const t of root.querySelectorAll("time[datetime]")) t.textContent = timeFormat.format(new Date(t.dateTime));
  };

  document.addEventListener("DOMContentLoaded", () => {
    const el = log();
    const list = messageList();
    if (!el || !list || !thread()) return;
    localTime(el);
    markMine(el);
    watchLog(el, list);
    watchTyping(thread());
    if (!location.hash) scrollToBottom();
    marker()?.addEventListener("click", scrollToBottom);
  });

  // ---- search: "/" goes to the search field, its short list closes with Escape, a found message is shown in place ----
  const searchField = () => document.getElementById("search-q");
  const searchLive = () => document.getElementById("search-live");
  const typing = (el) => el instanceof HTMLElement && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));

  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !typing(e.target) && searchField()) {
      e.preventDefault();
      searchField().focus();
      searchField().select();
    } else if (e.key === "Escape" && e.target === searchField() && searchLive() && !searchLive().hidden) {
      searchLive().hidden = true;
    }
  });
  // The short list belongs to the field: gone when the field is emptied or focus leaves the search box.
  document.addEventListener("input", (e) => {
    if (e.target === searchField() && !e.target.value.trim() && searchLive()) searchLive().hidden = true;
  });
  document.addEventListener("focusout", (e) => {
    const box = e.target.closest?.(".search-box");
    if (box && !box.contains(e.relatedTarget) && searchLive()) searchLive().hidden = true;
  });
  document.addEventListener("focusin", (e) => {
    const live = searchLive();
    if (e.target === searchField() && live && live.childElementCount > 0 && e.target.value.trim()) live.hidden = false;
  });

  document.addEventListener("DOMContentLoaded", () => {
    const around = thread()?.dataset.around;
    const found = around && messageList()?.querySelector(`:scope > .msg[data-seq="${CSS.escape(around)}"]`);
    if (!found) return;
    found.classList.add("found");
    found.tabIndex = -1;
    found.scrollIntoView({ block: "center" });
    found.focus({ preventScroll: true });
  });
})();
