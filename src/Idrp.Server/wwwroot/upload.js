// Browser uploads into a measurement, resumable, through the server's tus endpoint (/api/v1/uploads)
// with tus-js-client (vendored from npm at build time). The session cookie authenticates: the requests
// are same-origin, so the SameSite=Strict cookie goes along. Each file is sent in 8 MiB chunks; a dropped
// connection is retried and continues from the last stored byte, and a file chosen again after the page
// was closed continues where it stopped (tus-js-client remembers the upload URL in localStorage).
(() => {
  'use strict';
  const chunkSize = 8 * 1024 * 1024;

  function formatBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    if (n < 1024 * 1024 * 1024) return (n / 1048576).toFixed(1) + ' MiB';
    return (n / 1073741824).toFixed(2) + ' GiB';
  }

  function init() {
    const root = document.getElementById('upload');
    if (!root || root.dataset.ready === '1' || typeof tus === 'undefined') return;
    root.dataset.ready = '1';
    const measurementId = root.dataset.measurement;
    const input = root.querySelector('#upload-files');
    const folderInput = root.querySelector('#upload-folder');
    const startButton = root.querySelector('#upload-start');
    const list = root.querySelector('#upload-list');

    startButton.addEventListener('click', async () => {
      const files = Array.from(input.files || []);
      if (files.length === 0) {
        input.focus();
        return;
      }
      startButton.disabled = true;
      const folder = folderInput.value.trim();
      let done = 0, failed = 0;
      await Promise.all(files.map(file => uploadOne(file, folder).then(ok => ok ? done++ : failed++)));
      startButton.disabled = false;
      input.value = '';
      if (failed === 0) {
        // Show the new files: an enhanced navigation re-renders the page with them listed.
        const target = location.pathname + '?uploaded=' + done;
        if (window.Blazor && Blazor.navigateTo) Blazor.navigateTo(target); else location.assign(target);
      }
    });

    function uploadOne(file, folder) {
      const item = document.createElement('li');
      const name = document.createElement('span');
      name.className = 'name';
      name.textContent = (folder ? folder + '/' : '') + file.name;
      const progress = document.createElement('progress');
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute('aria-label', 'Upload of ' + file.name);
      const status = document.createElement('span');
      status.className = 'status';
      status.textContent = 'starting…';
      const pause = document.createElement('button');
      pause.type = 'button';
      pause.className = 'small secondary';
      pause.textContent = 'Pause';
      item.append(name, progress, status, pause);
      list.append(item);

      return new Promise(resolve => {
        const metadata = { measurementId, filename: file.name };
        if (folder) metadata.relativePath = folder;
        if (file.type) metadata.mediaType = file.type;
        let paused = false;
        const upload = new tus.Upload(file, {
          endpoint: '/api/v1/uploads',
          chunkSize,
          retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
          metadata,
          storeFingerprintForResuming: true,
          removeFingerprintOnSuccess: true,
          fingerprint: f => Promise.resolve(['idrp', measurementId, folder, f.name, f.size, f.lastModified].join('/')),
          onProgress(sent, total) {
            const percent = total === 0 ? 100 : Math.floor(sent / total * 100);
            progress.value = percent;
            status.textContent = formatBytes(sent) + ' of ' + formatBytes(total) + ' (' + percent + ' %)';
          },
          onSuccess() {
            progress.value = 100;
            status.textContent = 'done';
            item.classList.add('done');
            pause.remove();
            resolve(true);
          },
          onError(error) {
            const response = error.originalResponse;
            let detail = error.message;
            if (response) {
              try { detail = JSON.parse(response.getBody()).detail || detail; } catch { /* not JSON */ }
            }
            status.textContent = 'failed: ' + detail;
            item.classList.add('failed');
            pause.remove();
            resolve(false);
          },
        });
        pause.addEventListener('click', () => {
          if (paused) {
            paused = false;
            pause.textContent = 'Pause';
            status.textContent = 'resuming…';
            upload.start();
          } else {
            paused = true;
            pause.textContent = 'Resume';
            upload.abort();
            status.textContent = 'paused at ' + progress.value + ' %';
          }
        });
        upload.findPreviousUploads().then(previous => {
          if (previous.length > 0) {
            upload.resumeFromPreviousUpload(previous[0]);
            status.textContent = 'resuming…';
          }
          upload.start();
        });
      });
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
  // Enhanced navigation swaps the page's content without loading it again.
  if (window.Blazor && Blazor.addEventListener) Blazor.addEventListener('enhancedload', init);
})();
