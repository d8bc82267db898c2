// The audience page: tap reactions (batched), post a message (kept and retried while
// offline, stored once thanks to its client-made source_id; the text stays in the box until
// the server has it), and follow the wall live.
(function () {
  "use strict";
  const { t, connectFeed, reducedMotion, itemLang } = window.Clameur;
  const app = document.getElementById("app");
  const slug = app.dataset.slug;
  const form = document.getElementById("post-form");
  const textBox = document.getElementById("text");
  const authorBox = document.getElementById("author");
  const sendButton = document.getElementById("send");
  const status = document.getElementById("status");
  const counter = document.getElementById("counter");
  const feed = document.getElementById("feed");
  const feedEmpty = document.getElementById("feed-empty");
  const MAX_TEXT = 500, MAX_BATCH = 200, FEED_MAX = 30, FLUSH_MS = 300;
  const OUTBOX = `clameur.outbox.${slug}`, AUTHOR = "clameur.author";
  const DRAFT = `clameur.draft.${slug}`;
  const conn = document.getElementById("conn");
  const mine = new Set(JSON.parse(localStorage.getItem(`clameur.mine.${slug}`) || "[]"));
  const pendingTaps = {};
  const tapped = {};
  let retryTimer = null;

  function say(message, tone) {
    status.textContent = message;
    status.dataset.tone = tone || "info";
  }

  function close(message) {
    app.dataset.status = "closed";
    const notice = document.getElementById("closed");
    if (message) notice.textContent = message;
    notice.hidden = false;
    for (const el of document.querySelectorAll("#post-form textarea, #post-form input, #post-form button, .react-btn")) el.disabled = true;
  }

  function reopen() {
    app.dataset.status = "open";
    document.getElementById("closed").hidden = true;
    for (const el of document.querySelectorAll("#post-form textarea, #post-form input, #post-form button, .react-btn")) el.disabled = false;
  }

  // ---- reactions: instant feedback, one frame (or request) per kind every FLUSH_MS ----
  for (const button of document.querySelectorAll(".react-btn")) {
    button.addEventListener("click", () => {
      const kind = button.dataset.kind;
      pendingTaps[kind] = (pendingTaps[kind] || 0) + 1;
      tapped[kind] = (tapped[kind] || 0) + 1;
      button.querySelector(".tap-count").textContent = `+${tapped[kind]}`;
      if (!reducedMotion()) button.animate([{ transform: "scale(1.25)" }, { transform: "scale(1)" }], { duration: 220, easing: "ease-out" });
    });
  }

  // A batch sent over HTTP without an answer is resent as it is, with its id: the server
  // counts an id once, so a lost answer never doubles the taps.
  let unanswered = null, sending = false;
  async function flushTaps() {
    if (sending) return;
    if (unanswered) return sendTaps(unanswered);
    const counts = {};
    for (const [kind, n] of Object.entries(pendingTaps)) {
      if (n > 0) counts[kind] = Math.min(n, MAX_BATCH);
    }
    if (!Object.keys(counts).length) return;
    for (const [kind, n] of Object.entries(counts)) pendingTaps[kind] -= n;
    if (feedLink.send({ type: "reactions", counts })) return;
    return sendTaps({ counts, batch: newId() });
  }

  async function sendTaps(batch) {
    sending = true;
    unanswered = batch;
    try {
      const res = await fetch(`/api/events/${slug}/reactions`, {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(batch), keepalive: true,
      });
      if (res.status === 403) close();
      if (res.status < 500) unanswered = null; // answered (a refusal too): never resent
    } catch (err) {
      // no answer: resent at the next flush
    } finally {
      sending = false;
    }
  }

  // ---- posts: an outbox in localStorage, so nothing typed is lost to bad wifi ----
  function outbox() { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); }
  function saveOutbox(list) { localStorage.setItem(OUTBOX, JSON.stringify(list)); }
  function remember(id) {
    mine.add(id);
    const shown = feed.querySelector(`[data-id="${CSS.escape(id)}"]`); // its frame came first
    if (shown) shown.classList.add("mine");
    localStorage.setItem(`clameur.mine.${slug}`, JSON.stringify([...mine].slice(-50)));
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
  }

  // ---- the box: what is typed stays until the server has it (202), across reloads ----
  // `boxId` is the source_id of the post the box holds once sent: sending the same text
  // again (after a refusal, or a second tap) reuses it, so the server stores it once.
  let boxId = null;
  function saveDraft() {
    localStorage.setItem(DRAFT, JSON.stringify({ text: textBox.value, id: boxId }));
  }
  function loadDraft() {
    try {
      const draft = JSON.parse(localStorage.getItem(DRAFT) || "null");
      if (draft && typeof draft.text === "string") {
        textBox.value = draft.text;
        boxId = typeof draft.id === "string" ? draft.id : null;
      }
    } catch (err) { /* an unreadable draft is no draft */ }
  }
  function delivered(post) {
    if (post.source_id === boxId && textBox.value === post.text) {
      textBox.value = "";
      boxId = null;
      saveDraft();
      updateCounter();
    }
  }
  function refused(post) {
    // Refused for good: out of the outbox, its text kept in the box (put back if empty).
    if (!textBox.value) {
      textBox.value = post.text;
      boxId = post.source_id;
      saveDraft();
      updateCounter();
    }
  }

  async function deliver(post) {
    // "sent" | "retry" | "failed": what became of one post.
    let res;
    try {
      res = await fetch(`/api/events/${slug}/posts`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(post),
      });
    } catch (err) {
      say(t("You are offline: your message will be sent when the connection is back."), "wait");
      return "retry";
    }
    const body = await res.json().catch(() => ({}));
    if (res.status === 202) {
      remember(body.id);
      delivered(post);
      if (body.status === "approved") say(t("Sent and shown on the wall."), "ok");
      else say(t("Sent! It will appear once a moderator approves it."), "ok");
      return "sent";
    }
    if (res.status === 503 || res.status === 502 || res.status === 504) {
      say(t("The server is busy: your message will be sent again shortly."), "wait");
      return "retry";
    }
    if (res.status === 429) {
      const seconds = Number(res.headers.get("Retry-After")) || 5;
      say(t("Too fast! Wait {seconds} s and try again.", { seconds }), "bad");
    } else if (res.status === 403) {
      const msg = body.error === "event_not_open" ? t("This event has not started yet.") : t("This event is closed: posting is over.");
      close(msg);
      say(msg, "bad");
    } else if (res.status === 422) {
      const field = ((body.detail || [])[0] || {}).field;
      if (field === "author") say(t("Your name is too long (60 characters at most)."), "bad");
      else if (!post.text.trim()) say(t("Write a message first."), "bad");
      else say(t("Too long: at most 500 characters."), "bad");
    } else {
      say(t("Something went wrong ({status}). Your message is still here: try again in a moment.",
        { status: res.status }), "bad");
    }
    refused(post);
    return "failed";
  }

  let draining = false, again = false;
  async function drain() {
    // One delivery loop at a time; a call while it runs makes it look once more.
    if (draining) { again = true; return; }
    draining = true;
    clearTimeout(retryTimer);
    try {
      do {
        again = false;
        for (const post of outbox()) {
          const outcome = await deliver(post);
          if (outcome === "retry") {
            retryTimer = setTimeout(drain, 5000);
            return;
          }
          saveOutbox(outbox().filter((p) => p.source_id !== post.source_id));
        }
      } while (again);
    } finally {
      draining = false;
    }
  }

  function updateCounter() {
    const left = MAX_TEXT - [...textBox.value].length;
    counter.textContent = t("{count} characters left", { count: left });
    counter.dataset.tone = left < 0 ? "bad" : "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textBox.value;
    const author = authorBox.value.trim();
    localStorage.setItem(AUTHOR, author);
    if (!text.trim()) { say(t("Write a message first."), "bad"); textBox.focus(); return; }
    if ([...text].length > MAX_TEXT) { say(t("Too long: at most 500 characters."), "bad"); textBox.focus(); return; }
    if (!boxId) boxId = newId();
    saveDraft();
    const kind = form.querySelector("[name=kind]:checked") ? { kind: "question" } : {}; // questions.js
    saveOutbox([...outbox().filter((p) => p.source_id !== boxId), { text, author, source_id: boxId, ...kind }]);
    say(t("Sending…"), "wait");
    drain();
  });

  // ---- the live feed ----
  function entry(item) {
    const li = document.createElement("li");
    li.dataset.id = item.id;
    const who = document.createElement("strong");
    who.textContent = item.author || t("Anonymous");
    const text = document.createElement("p");
    text.textContent = item.text;
    if (itemLang(item)) text.lang = itemLang(item);
    li.append(who, text);
    li.append(...entryMedia(item));
    if (mine.has(item.id)) li.classList.add("mine");
    return li;
  }

  // An item's first image, from the server's copy (/media/..., as on the wall: the phone
  // never contacts the image's site); media flagged sensitive comes without its URLs until
  // a moderator reveals it (a `reveal` frame brings the item again): a placeholder says so.
  function entryMedia(item) {
    const media = Array.isArray(item.media) ? item.media : [];
    const index = media.findIndex((x) => x && x.url);
    if (index >= 0 && index <= 9) {
      const img = document.createElement("img");
      img.className = "feed-media";
      img.src = `/media/${encodeURIComponent(slug)}/${encodeURIComponent(item.id)}/${index}`;
      img.alt = String(media[index].alt || "");
      img.loading = "lazy";
      img.referrerPolicy = "no-referrer";
      img.addEventListener("error", () => img.remove()); // the source gave nothing usable
      return [img];
    }
    if (!item.media_hidden) return [];
    const note = document.createElement("p");
    note.className = "media-hidden";
    note.textContent = t("Sensitive image hidden");
    return [note];
  }

  function showFeed() { feedEmpty.hidden = feed.children.length > 0; }

  function apply(msg) {
    if (msg.type === "snapshot") {
      feed.replaceChildren(...(msg.items || []).slice(-FEED_MAX).reverse().map(entry));
      if (msg.status === "closed") close();
      else if (msg.status === "open" && app.dataset.status !== "open") reopen();
    } else if (msg.type === "item" && !feed.querySelector(`[data-id="${CSS.escape(msg.item.id)}"]`)) {
      feed.prepend(entry(msg.item));
      while (feed.children.length > FEED_MAX) feed.lastElementChild.remove();
      if (mine.has(msg.item.id)) say(t("Your message is on the wall!"), "ok");
    } else if (msg.type === "retract") {
      const el = feed.querySelector(`[data-id="${CSS.escape(msg.id)}"]`);
      if (el) el.remove();
    } else if (msg.type === "reveal") {
      const el = feed.querySelector(`[data-id="${CSS.escape(msg.item.id)}"]`);
      if (el) el.replaceWith(entry(msg.item));
    } else if (msg.type === "status" && msg.status === "closed") {
      close();
    } else if (msg.type === "status" && msg.status === "open") {
      reopen();
    }
    showFeed();
  }

  const feedLink = connectFeed("audience", slug, apply, (online) => {
    app.dataset.online = online ? "1" : "0";
    conn.hidden = online;
    if (online) drain();
  });
  window.addEventListener("online", drain);
  textBox.addEventListener("input", () => {
    boxId = null; // changed text: a new post when sent
    saveDraft();
    updateCounter();
  });
  loadDraft();
  authorBox.value = localStorage.getItem(AUTHOR) || "";
  updateCounter();
  setInterval(flushTaps, FLUSH_MS);
  if (app.dataset.status !== "open") close();
  drain();
})();
