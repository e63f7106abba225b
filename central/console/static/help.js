// Keep the help-calls panel current without reloading (the help page and the pending page):
// long-poll /console/help/live with the fingerprint of what is shown.
"use strict";
(() => {
  const table = document.getElementById("help");
  const body = document.getElementById("help-rows");
  const count = document.getElementById("help-count");
  if (!table || !body) return;
  let fp = table.dataset.fp || "";
  let failures = 0;

  async function poll() {
    for (;;) {
      try {
        const r = await fetch(`/console/help/live?fp=${encodeURIComponent(fp)}&wait=20`, {
          headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
        });
        if (r.redirected || r.status === 401 || r.status === 403) return;
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const data = await r.json();
        failures = 0;
        if (data.fp !== fp) {
          fp = data.fp;
          body.innerHTML = data.html;
          count.textContent = String(data.count);
          table.closest("section").classList.toggle("calling", data.count > 0);
        }
      } catch (e) {
        failures += 1;
        await new Promise((res) => setTimeout(res, Math.min(10000, 1000 * failures)));
      }
    }
  }
  poll();
})();
