// The voice page (/voice): records the owner with the microphone (MediaRecorder, WebM/Opus) and uploads
// the recording through the same form endpoint as files; while a voice is cloning, follows the job
// through /voice/status and shows the page again once it is done. Plain script, no dependencies.
(function () {
  'use strict';

  // Back to the page itself: a reload after a form's POST (/voice/samples, /voice/clone…) would post it again.
  function home() {
    var marked = document.querySelector('[data-from-setup]');
    window.location.assign(window.location.pathname === '/voice' ? window.location.href : marked ? '/voice?from=setup' : '/voice');
  }

  var status = document.querySelector('[data-test="voice-status"]');
  if (status && status.getAttribute('data-status') === 'cloning') followCloning(status);

  var card = document.querySelector('[data-test="voice-recorder"]');
  if (card && window.MediaRecorder && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) setUpRecorder(card);

  function followCloning(element) {
    var bar = element.querySelector('[data-test="voice-progress"]');
    var poll = function () {
      fetch('/voice/status', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (state) {
          if (!state) return setTimeout(poll, 5000);
          if (state.status !== 'cloning') return home();
          element.setAttribute('data-progress', String(state.progress || 0));
          if (bar) bar.value = state.progress || 0;
          setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, 2000);
  }

  function setUpRecorder(element) {
    var button = element.querySelector('[data-test="voice-record"]');
    var state = element.querySelector('[data-test="voice-record-state"]');
    var label = function (name) { return element.getAttribute('data-label-' + name) || ''; };
    var recorder = null;
    var chunks = [];
    element.hidden = false;

    button.addEventListener('click', function () {
      if (recorder && recorder.state === 'recording') {
        recorder.stop();
        return;
      }
      // Raw audio: echo cancellation, noise suppression and gain control change the voice a clone learns.
      navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } }).then(function (stream) {
        var type = MediaRecorder.isTypeSupported('audio/webm;codecs=opus') ? 'audio/webm;codecs=opus' : 'audio/webm';
        recorder = new MediaRecorder(stream, { mimeType: type });
        chunks = [];
        recorder.addEventListener('dataavailable', function (event) { if (event.data.size) chunks.push(event.data); });
        recorder.addEventListener('stop', function () {
          stream.getTracks().forEach(function (track) { track.stop(); });
          upload(new Blob(chunks, { type: 'audio/webm' }));
        });
        recorder.start(1000);
        button.textContent = label('stop');
        state.textContent = label('recording');
      }, function () {
        state.textContent = label('denied');
      });
    });

    function upload(blob) {
      button.disabled = true;
      state.textContent = label('uploading');
      var form = new FormData();
      form.append('_csrf', element.getAttribute('data-csrf'));
      if (document.querySelector('[data-from-setup]')) form.append('from', 'setup');
      form.append('samples', blob, 'recording-' + new Date().toISOString().replace(/[:.]/g, '-') + '.webm');
      fetch('/voice/samples', { method: 'POST', body: form, credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (res) { return res.json().then(function (body) { return { ok: res.ok, body: body }; }); })
        .then(function (result) {
          var refused = result.ok ? (result.body.files || []).filter(function (f) { return f.verdict === 'refused'; }) : [];
          if (result.ok && !refused.length) return home();
          if (refused.length) {
            state.textContent = refused.map(function (f) { return (f.reasonsText || []).join(' '); }).join(' ');
            button.disabled = false;
            button.textContent = label('start');
            return;
          }
          state.textContent = (result.body && result.body.error && result.body.error.message) || '';
          button.disabled = false;
          button.textContent = label('start');
        })
        .catch(function () {
          button.disabled = false;
          button.textContent = label('start');
        });
    }
  }
})();
