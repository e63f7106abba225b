// Keep the pending-visitors table current without reloading: long-poll /console/pending/live
// with the fingerprint of what is shown; the server answers when the list changes.
"use strict";
(() => {
  const table = document.getElementById("pending");
  const body = document.getElementById("pending-rows");
  const count = document.getElementById("pending-count");
  const state = document.getElementById("live-state");
  if (!table || !body) return;
  let fp = table.dataset.fp || "";
  const baseTitle = document.title;
  let failures = 0;

  function editing() {
    // Do not replace rows while the receptionist is typing a deny reason.
    const el = document.activeElement;
    return el && el.name === "reason" && body.contains(el) && el.value !== "";
  }

  function setOnline(ok) {
    state.textContent = ok ? state.dataset.online : state.dataset.offline;
    state.classList.toggle("offline", !ok);
  }

  async function poll() {
    for (;;) {
      try {
        const wait = editing() ? 0 : 20;
        const r = await fetch(`/console/pending/live?fp=${encodeURIComponent(fp)}&wait=${wait}`, {
          headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
        });
        if (r.redirected || r.status === 401 || r.status === 403) { location.reload(); return; }
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const data = await r.json();
        failures = 0;
        setOnline(true);
        if (data.fp !== fp && !editing()) {
          fp = data.fp;
          body.innerHTML = data.html;
          count.textContent = String(data.count);
          document.title = data.count ? `(${data.count}) ${baseTitle}` : baseTitle;
        } else if (editing()) {
          await new Promise((res) => setTimeout(res, 1000));
        }
      } catch (e) {
        failures += 1;
        setOnline(false);
        await new Promise((res) => setTimeout(res, Math.min(10000, 1000 * failures)));
      }
    }
  }
  poll();
})();
