import { createHash } from 'node:crypto';

/**
 * The exports page's script, served as `/assets/exports/<hash>/progress.js`: while a job runs it asks
 * `/exports/jobs/<id>` every second and moves the `<progress>` bar and its words; once the job is done it
 * reloads the page, which then shows the download link (or the failure). Plain browser JavaScript in a
 * string, sent as it is; without it the page's refresh link does the same by hand.
 */
export const EXPORT_PROGRESS_SCRIPT = `(() => {
  'use strict';
  const box = document.querySelector('[data-export-job]');
  if (!box || box.getAttribute('data-state') === 'completed' || box.getAttribute('data-state') === 'failed') return;
  const id = box.getAttribute('data-export-job');
  const bar = box.querySelector('progress');
  const words = box.querySelector('[data-export-words]');
  const template = box.getAttribute('data-running-words') || '';
  const tick = async () => {
    try {
      const response = await fetch('/exports/jobs/' + encodeURIComponent(id), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (!response.ok) return;
      const job = await response.json();
      if (bar) { bar.max = Math.max(1, job.total); bar.value = job.done; }
      if (words) words.textContent = template.replace('{done}', String(job.done)).replace('{total}', String(job.total));
      if (job.state === 'completed' || job.state === 'failed') { window.location.reload(); return; }
    } catch (error) {
      // A dropped request is retried at the next tick.
    }
    setTimeout(tick, 1000);
  };
  setTimeout(tick, 1000);
})();
`;

/** The script's URL: its hash changes with its content, so browsers may keep it for a year. */
export const EXPORT_PROGRESS_PATH = `/assets/exports/${createHash('sha256').update(EXPORT_PROGRESS_SCRIPT).digest('hex').slice(0, 12)}/progress.js`;
