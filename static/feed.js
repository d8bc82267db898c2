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
  function onFrames(onFrame, onState) { listeners.push({ onFrame, onState }); }

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

  window.Clameur = { t, connectFeed, newer, onFrames, lang: document.documentElement.lang || "fr" };
})();
