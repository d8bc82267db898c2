// The projected wall: listens to the feed and shows approved items as plain text.
(function () {
  "use strict";
  const root = document.getElementById("wall");
  const list = document.getElementById("items");
  const slug = root.dataset.slug;
  let position = null;

  function card(item) {
    const li = document.createElement("li");
    li.dataset.id = item.id;
    const who = document.createElement("strong");
    who.textContent = item.author || item.source;
    const text = document.createElement("p");
    text.textContent = item.text;
    li.append(who, text);
    return li;
  }

  function apply(msg) {
    if (msg.position) position = msg.position;
    if (msg.type === "snapshot") {
      list.replaceChildren(...msg.items.reverse().map(card));
    } else if (msg.type === "item") {
      list.prepend(card(msg.item));
    } else if (msg.type === "retract") {
      const el = list.querySelector(`[data-id="${CSS.escape(msg.id)}"]`);
      if (el) el.remove();
    }
  }

  function connect(delay) {
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const after = position ? `?after=${encodeURIComponent(position)}` : "";
    const ws = new WebSocket(`${proto}://${location.host}/ws/wall/${slug}${after}`);
    ws.onmessage = (e) => apply(JSON.parse(e.data));
    ws.onopen = () => { delay = 500; };
    ws.onclose = () => setTimeout(() => connect(Math.min(delay * 2, 10000)), delay);
  }
  connect(500);
})();
