// Keyboard review of SEM categories (/measurements/{id}/classify): j/k move to the next/previous image, 0-9 pick a
// category of the current image, Enter confirms the picked one (the page's forms do the rest, so everything also
// works by clicking, and without JavaScript). The first image not yet confirmed is current when the page loads.
(() => {
  'use strict';

  function init() {
    const root = document.getElementById('sem-review');
    if (!root || root.dataset.ready === '1') return;
    root.dataset.ready = '1';
    const cards = () => Array.from(root.querySelectorAll('.sem-card'));
    let current = -1;

    function select(index) {
      const list = cards();
      if (list.length === 0) return;
      current = Math.max(0, Math.min(list.length - 1, index));
      list.forEach((card, i) => card.classList.toggle('current', i === current));
      const card = list[current];
      const chosen = card.querySelector('button.chosen') || card.querySelector('button[data-key]');
      card.scrollIntoView({ block: 'nearest' });
      if (chosen) chosen.focus({ preventScroll: true });
    }

    root.addEventListener('focusin', e => {
      const card = e.target.closest('.sem-card');
      const index = cards().indexOf(card);
      if (index >= 0 && index !== current) {
        current = index;
        cards().forEach((c, i) => c.classList.toggle('current', i === current));
      }
    });

    document.addEventListener('keydown', e => {
      if (e.ctrlKey || e.metaKey || e.altKey || !document.body.contains(root)) return;
      if (e.target instanceof HTMLElement && e.target.closest('input, textarea, select, [contenteditable]')) return;
      const card = cards()[current];
      if (e.key === 'j') { select(current + 1); e.preventDefault(); return; }
      if (e.key === 'k') { select(current - 1); e.preventDefault(); return; }
      if (!card) return;
      if (/^[0-9]$/.test(e.key)) {
        const button = card.querySelector(`button[data-key="${e.key}"]`);
        if (!button) return;
        card.querySelectorAll('button[data-key]').forEach(b => b.classList.remove('chosen'));
        button.classList.add('chosen');
        button.focus();
        e.preventDefault();
      } else if (e.key === 'Enter' && !(e.target instanceof HTMLButtonElement)) {
        const chosen = card.querySelector('button.chosen');
        if (chosen) { chosen.click(); e.preventDefault(); }
      }
    });

    const first = cards().findIndex(c => c.dataset.confirmed !== 'true');
    select(first < 0 ? 0 : first);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
  if (window.Blazor && Blazor.addEventListener) Blazor.addEventListener('enhancedload', init);
})();
