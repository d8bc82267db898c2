// The wall's reactions: totals, the "clameur" meter (the room's taps over the last seconds)
// and floating bursts, capped so that thousands of taps never freeze the projector.
(function () {
  "use strict";
  const SVG = "http://www.w3.org/2000/svg";
  const KNOWN = ["clap", "heart", "laugh", "wow", "question"];
  const MAX_ACTIVE = 40;       // animations alive at once, whatever the room sends
  const MAX_PER_FRAME = 15;    // new bursts started by one reactions frame
  const WINDOW_MS = 5000;      // the meter's memory
  const FULL_RATE = 40;        // taps per second that fill the meter

  function icon(kind) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", `/static/icons.svg#${KNOWN.includes(kind) ? kind : "spark"}`);
    svg.append(use);
    return svg;
  }

  function create(layer, meter, fill) {
    let active = 0, spawned = 0, dropped = 0, peak = 0;
    const recent = []; // [time, taps]
    const reduced = window.Clameur.reducedMotion(); // the viewer's or the event's choice

    function setTotals(list, totals) {
      for (const li of list.querySelectorAll("li[data-kind]")) {
        const n = Number((totals || {})[li.dataset.kind] || 0);
        li.querySelector(".count").textContent = n.toLocaleString(Clameur.lang);
      }
    }

    function level() {
      const now = performance.now();
      while (recent.length && now - recent[0][0] > WINDOW_MS) recent.shift();
      const taps = recent.reduce((sum, r) => sum + r[1], 0);
      const rate = taps / (WINDOW_MS / 1000);
      return Math.min(100, Math.round(100 * Math.log1p(rate) / Math.log1p(FULL_RATE)));
    }

    function drawMeter() {
      const value = level();
      fill.style.width = `${value}%`;
      meter.setAttribute("aria-valuenow", String(value));
      meter.dataset.level = String(value);
    }

    function pick(delta, total) {
      let r = Math.random() * total;
      for (const [kind, n] of delta) {
        r -= n;
        if (r < 0) return kind;
      }
      return delta[delta.length - 1][0];
    }

    function launch(kind) {
      const el = document.createElement("span");
      el.className = "burst";
      el.append(icon(kind));
      el.style.left = `${3 + Math.random() * 90}%`;
      const size = 2.2 + Math.random() * 2.2;
      el.style.width = el.style.height = `${size}em`;
      layer.append(el);
      active += 1;
      spawned += 1;
      peak = Math.max(peak, active);
      const drift = (Math.random() - 0.5) * 16;
      const anim = el.animate([
        { transform: "translate(0, 0) scale(.6)", opacity: 0 },
        { transform: `translate(${drift / 3}vw, -25vh) scale(1)`, opacity: 1, offset: 0.2 },
        { transform: `translate(${drift}vw, -105vh) scale(1.1)`, opacity: 0 },
      ], { duration: 2600 + Math.random() * 1800, easing: "ease-out" });
      anim.onfinish = anim.oncancel = () => {
        el.remove();
        active -= 1;
        layer.dataset.active = String(active);
      };
    }

    function burst(delta) {
      const entries = Object.entries(delta || {}).filter(([, n]) => n > 0);
      const total = entries.reduce((sum, [, n]) => sum + n, 0);
      if (!total) return;
      recent.push([performance.now(), total]);
      drawMeter();
      const room = reduced || document.hidden ? 0 : Math.max(0, MAX_ACTIVE - active);
      const count = Math.min(total, MAX_PER_FRAME, room);
      for (let i = 0; i < count; i += 1) launch(pick(entries, total));
      dropped += total - count;
      Object.assign(layer.dataset, { spawned, active, peak, dropped });
    }

    setInterval(drawMeter, 250);
    return { burst, setTotals, level };
  }

  window.ClameurBursts = { create, icon, MAX_ACTIVE };
})();
