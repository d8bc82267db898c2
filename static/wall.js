// The projected wall: approved items as cards (newest prominent), the pinned item, highlights,
// retractions, idle cycling through recent items, and the thank-you screen when it closes.
(function () {
  "use strict";
  const { t, connectFeed, lang } = window.Clameur;
  const root = document.getElementById("wall");
  const stage = document.getElementById("stage");
  const list = document.getElementById("items");
  const pinnedBox = document.getElementById("pinned");
  const empty = document.getElementById("empty");
  const conn = document.getElementById("conn");
  const params = new URLSearchParams(location.search);
  const IDLE_MS = 1000 * (Number(params.get("idle")) || 25); // quiet time before cycling
  const RECENT_MAX = 40;        // items kept in memory for cycling (the DOM holds fewer)
  const HIGHLIGHT_MS = 20000;
  const SIZES = [3.4, 2.9, 2.5, 2.1, 1.8, 1.55, 1.35, 1.2, 1.1]; // em of min(1.35vw, 2.4vh)
  const SOURCES = { web: "Web", sms: "SMS", x: "X", mastodon: "Mastodon", bluesky: "Bluesky" };
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const motion = !window.Clameur.reducedMotion();
  const news = window.Clameur.announcer(document.getElementById("wall-news"));
  const reactions = window.ClameurBursts.create(document.getElementById("bursts"),
    document.getElementById("meter"), document.getElementById("meter-fill"));

  let recent = [];              // newest first
  let pinned = null;
  let lastActivity = Date.now();
  const highlightTimers = new Map();

  function capacity() { return pinned ? 5 : 6; }

  function ago(iso) {
    const seconds = Math.round((Date.parse(iso) - Date.now()) / 1000);
    if (!Number.isFinite(seconds) || seconds > -45) return rtf.format(0, "second");
    if (seconds > -3600) return rtf.format(Math.round(seconds / 60), "minute");
    if (seconds > -86400) return rtf.format(Math.round(seconds / 3600), "hour");
    return rtf.format(Math.round(seconds / 86400), "day");
  }

  // Images come from this server only (/media/{slug}/{item}/{index}: fetched, re-encoded
  // and kept by the server), never from the site they were posted on.
  function safeImage(item) {
    const media = Array.isArray(item.media) ? item.media : [];
    const index = media.findIndex((x) => x && x.url);
    if (index < 0 || index > 9) return null;
    const m = media[index];
    const img = document.createElement("img");
    img.className = "media";
    img.src = `/media/${encodeURIComponent(root.dataset.slug)}/${encodeURIComponent(item.id)}/${index}`;
    img.addEventListener("error", () => {
      const el = img.closest(".card");
      img.remove();
      if (el) el.classList.remove("has-media");
    });
    img.alt = String(m.alt || m.description || "");
    img.referrerPolicy = "no-referrer";
    img.addEventListener("load", () => { const el = img.closest(".card"); if (el) fit(el, el === list.firstElementChild ? 0 : 3); });
    return img;
  }

  // Media flagged sensitive at the source comes without its URLs until a moderator reveals
  // it (then a `reveal` frame brings the item again): a placeholder stands in for it.
  function hiddenMedia() {
    const note = document.createElement("p");
    note.className = "media-hidden";
    note.textContent = t("Sensitive image hidden");
    return note;
  }

  function card(item, tag) {
    const el = document.createElement(tag || "li");
    el.className = `card source-${SOURCES[item.source] ? item.source : "web"}`;
    el.dataset.id = item.id;
    const body = document.createElement("div");
    body.className = "card-body";
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = item.text;
    if (window.Clameur.itemLang(item)) text.lang = window.Clameur.itemLang(item);
    body.append(text);
    const img = safeImage(item);
    if (img) { body.append(img); el.classList.add("has-media"); }
    else if (item.media_hidden) body.append(hiddenMedia());
    const meta = document.createElement("footer");
    meta.className = "meta";
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = SOURCES[item.source] || String(item.source || "");
    const author = document.createElement("span");
    author.className = "author";
    author.textContent = item.author || t("Anonymous");
    const time = document.createElement("time");
    time.dateTime = item.received_at || "";
    time.textContent = ago(item.received_at);
    meta.append(badge, author, time);
    el.append(body, meta);
    return el;
  }

  // Largest size at which the whole text fits; at the smallest, cut at a word with "…".
  function fit(el, start) {
    const text = el.querySelector(".text");
    const item = recent.find((i) => i.id === el.dataset.id) || (pinned && pinned.id === el.dataset.id ? pinned : null);
    if (!text || !item) return;
    text.textContent = item.text;
    const fits = () => text.scrollHeight <= text.clientHeight + 1;
    for (let i = start; i < SIZES.length; i += 1) {
      text.style.fontSize = `${SIZES[i]}em`;
      if (fits()) return;
    }
    const words = item.text.split(/(\s+)/);
    let lo = 0, hi = words.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      text.textContent = words.slice(0, mid).join("").trimEnd() + "…";
      if (fits()) lo = mid; else hi = mid - 1;
    }
    text.textContent = words.slice(0, Math.max(lo, 1)).join("").trimEnd() + "…";
  }

  function fitAll() {
    [...list.children].forEach((el, i) => fit(el, i === 0 ? 0 : 3));
    if (!pinnedBox.hidden) fit(pinnedBox, 1);
  }

  // Move cards smoothly to their new places (FLIP) around a change of the list.
  function flip(change) {
    const before = new Map([...list.children].map((el) => [el, el.getBoundingClientRect()]));
    change();
    empty.hidden = list.children.length > 0 || !pinnedBox.hidden;
    fitAll();
    if (!motion) return;
    for (const el of list.children) {
      const was = before.get(el);
      if (!was) {
        el.animate([{ opacity: 0, transform: "translateY(-1.2em) scale(.97)" },
          { opacity: 1, transform: "none" }], { duration: 650, easing: "cubic-bezier(.2,.8,.2,1)" });
        continue;
      }
      const now = el.getBoundingClientRect();
      const dx = was.left - now.left, dy = was.top - now.top;
      if (dx || dy) {
        el.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: "none" }],
          { duration: 600, easing: "cubic-bezier(.2,.8,.2,1)" });
      }
    }
  }

  // Keep the DOM bounded: only what fits on screen is in the document.
  function trim() {
    while (list.children.length > capacity()) list.lastElementChild.remove();
    const shown = new Set([...list.children].map((el) => el.dataset.id));
    for (const item of recent) {
      if (list.children.length >= capacity()) break;
      if (!shown.has(item.id) && !(pinned && pinned.id === item.id)) list.append(card(item));
    }
  }

  function cardOf(id) {
    return [...list.children].find((el) => el.dataset.id === id) || null;
  }

  function addItem(item) {
    if (recent.some((i) => i.id === item.id)) return;
    recent.unshift(item);
    recent = recent.slice(0, RECENT_MAX);
    lastActivity = Date.now();
    news.item(item);
    flip(() => { list.prepend(card(item)); trim(); });
  }

  function retract(id) {
    recent = recent.filter((i) => i.id !== id);
    flip(() => {
      const el = cardOf(id);
      if (el) el.remove();
      if (pinned && pinned.id === id) setPinned(null);
      trim();
    });
  }

  function setPinned(item) {
    pinned = item;
    pinnedBox.replaceChildren();
    pinnedBox.hidden = !item;
    delete pinnedBox.dataset.id;
    stage.classList.toggle("has-pinned", Boolean(item));
    if (!item) return;
    const inner = card(item, "div");
    pinnedBox.dataset.id = item.id;
    const label = document.createElement("span");
    label.className = "pin-label";
    label.textContent = t("Pinned");
    inner.querySelector(".meta").prepend(label);
    pinnedBox.append(...inner.childNodes);
    if (!recent.some((i) => i.id === item.id)) recent.push(item);
  }

  function pin(item) {
    flip(() => {
      setPinned(item);
      const el = cardOf(item.id);
      if (el) el.remove();
      trim();
    });
  }

  function unpin() {
    flip(() => { setPinned(null); trim(); });
  }

  function highlight(id) {
    const item = recent.find((i) => i.id === id);
    if (!item) return;
    lastActivity = Date.now();
    flip(() => {
      if (pinned && pinned.id === id) return;
      const el = cardOf(id) || card(item);
      list.prepend(el);
      trim();
    });
    const el = cardOf(id) || (pinned && pinned.id === id ? pinnedBox : null);
    if (!el) return;
    el.classList.add("highlight");
    clearTimeout(highlightTimers.get(id));
    highlightTimers.set(id, setTimeout(() => {
      highlightTimers.delete(id);
      const still = cardOf(id) || (pinnedBox.dataset.id === id ? pinnedBox : null);
      if (still) still.classList.remove("highlight");
    }, HIGHLIGHT_MS));
  }

  // A highlight undone by a moderator: the emphasis goes at once, not after HIGHLIGHT_MS.
  function unhighlight(id) {
    clearTimeout(highlightTimers.get(id));
    highlightTimers.delete(id);
    const el = cardOf(id) || (pinnedBox.dataset.id === id ? pinnedBox : null);
    if (el) el.classList.remove("highlight");
  }

  // A moderator revealed an item's sensitive media: the same card, now with its image.
  function reveal(item) {
    if (!recent.some((i) => i.id === item.id) && !(pinned && pinned.id === item.id)) return;
    recent = recent.map((i) => (i.id === item.id ? item : i));
    flip(() => {
      if (pinned && pinned.id === item.id) setPinned(item);
      const el = cardOf(item.id);
      if (!el) return;
      const fresh = card(item);
      if (el.classList.contains("highlight")) fresh.classList.add("highlight");
      el.replaceWith(fresh);
    });
  }

  function snapshot(msg) {
    recent = (msg.items || []).slice().reverse().slice(0, RECENT_MAX);
    flip(() => {
      list.replaceChildren();
      setPinned(msg.pinned || null);
      trim();
    });
    reactions.setTotals(document.getElementById("totals"), msg.reactions);
    if (msg.status) setStatus(msg.status, msg.reactions, msg.approved ?? (msg.items || []).length);
  }

  function setStatus(status, totals, approved) {
    root.dataset.status = status;
    const closed = document.getElementById("closed");
    closed.hidden = status !== "closed";
    if (status !== "closed") return;
    reactions.setTotals(document.getElementById("closed-totals"), totals);
    const count = Number(approved || 0);
    const figure = document.getElementById("closed-figure");
    figure.dataset.count = String(count);
    figure.textContent = t(new Intl.PluralRules(lang).select(count) === "one"
      ? "{count} message on the wall" : "{count} messages on the wall",
    { count: count.toLocaleString(lang) });
  }

  // When the room is quiet, bring back an earlier item (the one shown least recently).
  function cycle() {
    if (Date.now() - lastActivity < IDLE_MS || root.dataset.status === "closed") return;
    lastActivity = Date.now();
    const shown = new Set([...list.children].map((el) => el.dataset.id));
    const hidden = recent.filter((i) => !shown.has(i.id) && !(pinned && pinned.id === i.id));
    flip(() => {
      if (hidden.length) {
        const item = hidden[hidden.length - 1];
        recent = [item, ...recent.filter((i) => i.id !== item.id)];
        list.prepend(card(item));
      } else if (list.children.length > 1) {
        const last = list.lastElementChild;
        const item = recent.find((i) => i.id === last.dataset.id);
        if (item) recent = [item, ...recent.filter((i) => i.id !== item.id)];
        list.prepend(last);
      }
      trim();
    });
    root.dataset.cycles = String(Number(root.dataset.cycles || 0) + 1);
  }

  function apply(msg) {
    switch (msg.type) {
      case "snapshot": snapshot(msg); break;
      case "item": addItem(msg.item); break;
      case "retract": retract(msg.id); break;
      case "pin": pin(msg.item); break;
      case "unpin": unpin(); break;
      case "highlight": highlight(msg.id); break;
      case "unhighlight": unhighlight(msg.id); break;
      case "reveal": reveal(msg.item); break;
      case "reactions":
        reactions.setTotals(document.getElementById("totals"), msg.totals);
        reactions.burst(msg.delta);
        break;
      case "status": setStatus(msg.status, msg.totals, msg.approved); break;
      default: break;
    }
  }

  connectFeed("wall", root.dataset.slug, apply, (online) => {
    conn.hidden = online;
    root.dataset.online = online ? "1" : "0";
  });
  setInterval(cycle, Math.min(IDLE_MS, 5000));
  setInterval(() => {
    for (const time of document.querySelectorAll(".meta time")) time.textContent = ago(time.dateTime);
  }, 30000);
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(fitAll, 150); });
  if (root.dataset.status === "closed") setStatus("closed", {}, 0);
})();
