// Shared by the wall and the audience page: translated strings, and a feed WebSocket that
// reconnects by itself with backoff and `?after=` so nothing is missed or shown twice.
(function () {
  "use strict";
  const data = document.getElementById("i18n");
  const strings = data ? JSON.parse(data.textContent) : {};

  function t(message, vars) {
    let out = strings[message] || message;
    for (const key of Object.keys(vars || {})) out = out.split(`{${key}}`).join(String(vars[key]));
    return out;
  }

  // Other scripts of the page (questions.js, polls.js) see every frame and every change of
  // the link too: `onFrames(onFrame, onState)`.
  const listeners = [];
  // The socket opens from the first of the page's scripts: frames may come while a later
  // script is still loading. Until the page's scripts have all run, frames are kept and
  // given to each listener that comes late (or it would miss the snapshot's poll and mode),
  // once the script that registered it has finished its own set-up (a microtask: before
  // any frame that comes next).
  let early = [];
  document.addEventListener("DOMContentLoaded", () => { early = null; });
  function onFrames(onFrame, onState) {
    listeners.push({ onFrame, onState });
    const missed = early && onFrame ? early.slice() : [];
    if (missed.length) queueMicrotask(() => { for (const msg of missed) onFrame(msg); });
  }

  function parsePosition(position) {
    const [ms, seq] = String(position).split("-");
    return [Number(ms) || 0, Number(seq) || 0];
  }

  function newer(a, b) {
    // True when stream id `a` comes after `b` (b may be null).
    if (!b) return true;
    const [am, as] = parsePosition(a);
    const [bm, bs] = parsePosition(b);
    return am > bm || (am === bm && as > bs);
  }

  // Open `/ws/<kind>/<slug>` and keep it open. `onFrame(msg)` sees each frame once, in
  // order; `onState(online)` is told when the link goes down or comes back.
  function connectFeed(kind, slug, onFrame, onState) {
    const MIN_DELAY = 500, MAX_DELAY = 10000;
    let position = null, socket = null, delay = MIN_DELAY, online = null;

    function accept(msg) {
      if (msg.type === "snapshot") {
        position = msg.position;
        return true;
      }
      if (!msg.position) return true; // reactions frames carry no feed position
      if (!newer(msg.position, position)) return false; // already applied
      position = msg.position;
      return true;
    }

    function setOnline(value) {
      if (value === online) return;
      online = value;
      if (onState) onState(online);
      for (const l of listeners) if (l.onState) l.onState(online);
    }

    function open() {
      const proto = location.protocol === "https:" ? "wss" : "ws";
      const after = position ? `?after=${encodeURIComponent(position)}` : "";
      const ws = new WebSocket(`${proto}://${location.host}/ws/${kind}/${encodeURIComponent(slug)}${after}`);
      socket = ws;
      // Online as soon as the socket opens: a quiet reconnect (nothing missed) sends no frame.
      ws.onopen = () => setOnline(true);
      ws.onmessage = (e) => {
        delay = MIN_DELAY;
        setOnline(true);
        let msg;
        try { msg = JSON.parse(e.data); } catch (err) { return; }
        if (accept(msg)) {
          if (early) early.push(msg);
          onFrame(msg);
          for (const l of listeners) if (l.onFrame) l.onFrame(msg);
        }
      };
      ws.onclose = () => {
        if (socket !== ws) return;
        socket = null;
        setOnline(false);
        const wait = delay * (0.8 + Math.random() * 0.4);
        delay = Math.min(delay * 2, MAX_DELAY);
        setTimeout(open, wait);
      };
      ws.onerror = () => ws.close();
    }

    open();
    const link = {
      send(obj) {
        if (!socket || socket.readyState !== WebSocket.OPEN) return false;
        socket.send(JSON.stringify(obj));
        return true;
      },
      get online() { return online; },
      get position() { return position; },
    };
    window.Clameur.link = link; // polls.js sends votes on it
    return link;
  }

  // Motion: the viewer's `prefers-reduced-motion`, or the event's `motion: reduced` (the
  // body then carries `motion-reduced`): no bursts, no animations, for everyone.
  function reducedMotion() {
    return document.body.classList.contains("motion-reduced")
      || window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  // An item's language when its source gave one other than the page's: set as `lang` on
  // the element holding its text, so that a screen reader reads it with the right voice.
  function itemLang(item) {
    const tag = String((item && item.lang) || "");
    const page = (document.documentElement.lang || "").toLowerCase();
    return tag && tag.split("-")[0].toLowerCase() !== page ? tag : "";
  }

  // A polite live region fed in batches: one update at most every ANNOUNCE_MS; when more
  // than MAX_READ items come at once, their number instead of their texts (never a flood).
  // `say(prefix, text, lang)`: `text` is read in its own language.
  function announcer(region) {
    const ANNOUNCE_MS = 1500, MAX_READ = 3;
    let queue = [], timer = null;
    function line(entry) {
      const p = document.createElement("p");
      p.append(entry.prefix);
      if (entry.text) {
        const span = document.createElement("span");
        span.textContent = entry.text;
        if (entry.lang) span.lang = entry.lang;
        p.append(" ", span);
      }
      return p;
    }
    function flush() {
      timer = null;
      const batch = queue;
      queue = [];
      const items = batch.filter((e) => e.item);
      const shown = items.length > MAX_READ
        ? [...batch.filter((e) => !e.item), { prefix: t("{count} new messages on the wall", { count: items.length }) }]
        : batch;
      if (region && shown.length) region.replaceChildren(...shown.map(line));
    }
    function push(entry) {
      queue.push(entry);
      if (!timer) timer = setTimeout(flush, ANNOUNCE_MS);
    }
    return {
      say(prefix, text, lang) { push({ prefix, text: text || "", lang: lang || "" }); },
      item(item) {
        push({ item: true, prefix: t("New on the wall: {author}:", { author: item.author || t("Anonymous") }),
          text: item.text, lang: itemLang(item) });
      },
    };
  }

  const lang = document.documentElement.lang || "fr";

  // An element with a class and a text (never HTML): what the page scripts build with.
  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // `one` or `many` (msgids with {count}) by the page language's plural rule.
  function plural(n, one, many) {
    return t(new Intl.PluralRules(lang).select(n) === "one" ? one : many,
      { count: n.toLocaleString(lang) });
  }

  window.Clameur = { t, connectFeed, newer, onFrames, reducedMotion, itemLang, announcer,
    el, plural, lang };
})();
