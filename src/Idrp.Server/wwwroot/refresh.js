// Parts of a page that still change by themselves (a queued or running job) carry an id and data-refresh="SECONDS".
// Every few seconds this fetches the page again and swaps in the new version of such a part, leaving the rest of the
// page (and the reader's focus and scroll position) alone; once the fresh part has no data-refresh, it stops.
// Without JavaScript the page's <noscript> meta refresh reloads the whole page instead.
(() => {
  'use strict';
  let timer = null;

  function schedule() {
    if (timer) { clearTimeout(timer); timer = null; }
    const live = document.querySelector('[data-refresh][id]');
    if (!live) return;
    const seconds = Math.max(1, Number(live.dataset.refresh) || 2);
    const address = location.href;
    timer = setTimeout(() => refresh(live.id, address), seconds * 1000);
  }

  async function refresh(id, address) {
    timer = null;
    if (location.href !== address) return;
    try {
      const response = await fetch(address, { headers: { Accept: 'text/html' }, credentials: 'same-origin' });
      if (!response.ok || location.href !== address) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      const next = fresh.getElementById(id), current = document.getElementById(id);
      if (next && current) {
        current.replaceWith(document.importNode(next, true));
        document.title = fresh.title;
      }
    } catch {
      // A dropped connection: try again on the next tick.
    }
    schedule();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', schedule); else schedule();
  if (window.Blazor && Blazor.addEventListener) Blazor.addEventListener('enhancedload', schedule);
})();
