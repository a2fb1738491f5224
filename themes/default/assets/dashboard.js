// The client dashboard (/ and /dashboard of a client host): draws the plots with uPlot (served by the
// instance, no CDN), and keeps the page live over the /live WebSocket — a call appears when it starts,
// its transcript grows with each turn, it leaves when it ends; the figures and plots are fetched again
// from /dashboard/summary.json when a call ends or a rollup changes. Starts from the JSON the server put
// in #dashboard-data (read, never evaluated). Plain browser script, no build step.
(function () {
  'use strict';

  var source = document.getElementById('dashboard-data');
  if (!source) return;
  var data = JSON.parse(source.textContent || '{}');
  var words = data.words || {};
  var locale = data.locale || undefined;
  var summary = data.summary;
  var calls = new Map();
  var liveSection = document.querySelector('[data-testid="live-calls"]');
  var emptyNote = document.querySelector('[data-testid="live-empty"]');
  var statusBadge = document.querySelector('[data-testid="live-status"]');

  // ---- figures --------------------------------------------------------------------------------------

  var NO_VALUE = '–';
  var count = new Intl.NumberFormat(locale);
  function minorDigits(currency) {
    try { return new Intl.NumberFormat('en', { style: 'currency', currency: currency }).resolvedOptions().maximumFractionDigits; } catch (e) { return 2; }
  }
  function money(minor, currency) {
    var digits = minorDigits(currency);
    try { return new Intl.NumberFormat(locale, { style: 'currency', currency: currency }).format(minor / Math.pow(10, digits)); } catch (e) { return (minor / Math.pow(10, digits)).toFixed(digits) + ' ' + currency; }
  }
  function rate(value) {
    return value === null || value === undefined ? NO_VALUE : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value);
  }
  function duration(seconds) {
    if (seconds === null || seconds === undefined) return NO_VALUE;
    var whole = Math.round(seconds);
    var h = Math.floor(whole / 3600);
    var m = Math.floor((whole % 3600) / 60);
    var s = String(whole % 60).padStart(2, '0');
    return h > 0 ? h + ':' + String(m).padStart(2, '0') + ':' + s : m + ':' + s;
  }
  function setFigure(name, text) {
    var element = document.querySelector('[data-figure="' + name + '"]');
    if (element && element.textContent !== text) element.textContent = text;
  }
  function showFigures(today) {
    setFigure('calls', count.format(today.calls));
    setFigure('successRate', rate(today.successRate));
    setFigure('averageDuration', duration(today.averageDurationSeconds));
    setFigure('revenue', money(today.revenueMinor, today.currency));
    setFigure('missedRecovered', count.format(today.missedCallsRecovered));
  }

  // ---- plots ----------------------------------------------------------------------------------------

  var css = getComputedStyle(document.documentElement);
  var themed = function (name, fallback) { return css.getPropertyValue(name).trim() || fallback; };
  var primary = themed('--color-primary', '#4f46e5');
  var accent = themed('--color-accent', '#0ea5e9');
  var plots = {};

  if (data.uplotCss && !document.querySelector('link[data-uplot]')) {
    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = data.uplotCss;
    link.setAttribute('data-uplot', '');
    document.head.appendChild(link);
  }

  function dayInstant(date) { return Date.parse(date + 'T12:00:00Z') / 1000; }
  function total(values) { return values.reduce(function (sum, v) { return sum + (v || 0); }, 0); }

  /** Each plot's x values, series values and labels, from the summaries. */
  function plotData(current) {
    var today = current.today;
    var period = current.period;
    var outcomeNames = Object.keys(period.outcomes).filter(function (k) { return period.outcomes[k] > 0; });
    var digits = minorDigits(period.currency);
    return {
      'per-hour': { x: today.perHour.map(function (_, h) { return h; }), y: today.perHour, label: words.calls, kind: 'hours' },
      'per-day': { x: period.perDay.map(function (d) { return dayInstant(d.date); }), y: period.perDay.map(function (d) { return d.calls; }), label: words.calls, kind: 'time' },
      outcomes: { x: outcomeNames.map(function (_, i) { return i; }), y: outcomeNames.map(function (k) { return period.outcomes[k]; }), label: words.calls, kind: 'categories', categories: outcomeNames.map(function (k) { return (words.outcomes && words.outcomes[k]) || k; }) },
      revenue: { x: period.perDay.map(function (d) { return dayInstant(d.date); }), y: period.perDay.map(function (d) { return d.revenueMinor / Math.pow(10, digits); }), label: words.revenue, kind: 'time', line: true, currency: period.currency },
    };
  }

  function widthOf(element) { return Math.max(280, Math.floor(element.getBoundingClientRect().width) || 600); }

  function options(plot, width) {
    var bars = uPlot.paths && uPlot.paths.bars ? uPlot.paths.bars({ size: [0.7, 40] }) : undefined;
    var series = { label: plot.label, stroke: plot.line ? accent : primary, width: 2 };
    if (!plot.line && bars) { series.paths = bars; series.fill = primary; series.points = { show: false }; }
    if (plot.currency) series.value = function (u, v) { return v === null || v === undefined ? NO_VALUE : money(Math.round(v * Math.pow(10, minorDigits(plot.currency))), plot.currency); };
    var xAxis = {};
    if (plot.kind === 'categories') xAxis = { splits: function () { return plot.x; }, values: function (u, values) { return values.map(function (v) { return plot.categories[v] || ''; }); } };
    if (plot.kind === 'hours') xAxis = { splits: function () { return [0, 3, 6, 9, 12, 15, 18, 21]; }, values: function (u, values) { return values.map(function (v) { return String(v).padStart(2, '0') + 'h'; }); } };
    var xScale = plot.kind === 'time' ? { time: true } : { time: false, range: function () { return [-0.5, Math.max(plot.x.length, 1) - 0.5]; } };
    return {
      width: width,
      height: 240,
      series: [{ label: plot.kind === 'hours' ? words.hour : plot.kind === 'categories' ? words.outcome : words.day }, series],
      scales: { x: xScale, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      axes: [xAxis, { values: function (u, values) { return values.map(function (v) { return plot.currency ? count.format(v) : Number.isInteger(v) ? count.format(v) : ''; }); } }],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
  }

  function drawPlots(current) {
    var all = plotData(current);
    Object.keys(all).forEach(function (id) {
      var target = document.querySelector('[data-plot="' + id + '"]');
      if (!target) return;
      var plot = all[id];
      target.setAttribute('data-total', String(Math.round(total(plot.y) * 100) / 100));
      target.setAttribute('data-points', String(plot.y.length));
      if (typeof uPlot !== 'function') return;
      // A categorical plot's categories may change: it is drawn again rather than given new data.
      if (plots[id] && plot.kind !== 'categories') {
        plots[id].chart.setData([plot.x, plot.y]);
        return;
      }
      if (plots[id]) plots[id].chart.destroy();
      target.textContent = '';
      plots[id] = { target: target, chart: new uPlot(options(plot, widthOf(target)), [plot.x, plot.y], target) };
    });
  }

  var resizing = 0;
  window.addEventListener('resize', function () {
    cancelAnimationFrame(resizing);
    resizing = requestAnimationFrame(function () {
      Object.keys(plots).forEach(function (id) { plots[id].chart.setSize({ width: widthOf(plots[id].target), height: 240 }); });
    });
  });

  // ---- summary refresh ------------------------------------------------------------------------------

  var summaryTimer = 0;
  function refreshSummarySoon(delayMs) {
    clearTimeout(summaryTimer);
    summaryTimer = setTimeout(function () {
      fetch('/dashboard/summary.json', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (fresh) {
          if (!fresh) return;
          summary = fresh;
          showFigures(summary.today);
          drawPlots(summary);
        })
        .catch(function () { /* the next event or reconnection fetches again */ });
    }, delayMs);
  }

  // ---- calls in progress ----------------------------------------------------------------------------

  function speakerLabel(speaker) { return speaker === 'agent' ? words.agent : words.caller; }

  function lineElement(speaker, text) {
    var li = document.createElement('li');
    li.setAttribute('data-speaker', speaker);
    var who = document.createElement('span');
    who.className = 'speaker';
    who.textContent = speakerLabel(speaker);
    var said = document.createElement('span');
    said.className = 'text';
    said.textContent = text;
    li.appendChild(who);
    li.appendChild(said);
    return li;
  }

  function callerText(call) { return (call.callerName ? call.callerName + ' · ' : '') + (call.fromNumber || words.unknownCaller); }

  function cardOf(id) { return liveSection ? liveSection.querySelector('[data-call-id="' + CSS.escape(id) + '"]') : null; }

  function updateEmpty() {
    if (emptyNote) emptyNote.hidden = !!(liveSection && liveSection.querySelector('[data-testid="live-call"]'));
  }

  function ensureCard(call) {
    var card = cardOf(call.id);
    if (card) return card;
    card = document.createElement('article');
    card.className = 'live-call';
    card.setAttribute('data-testid', 'live-call');
    card.setAttribute('data-call-id', call.id);
    var header = document.createElement('header');
    var caller = document.createElement('strong');
    caller.setAttribute('data-testid', 'live-caller');
    caller.textContent = callerText(call);
    header.appendChild(caller);
    if (call.route) {
      var route = document.createElement('span');
      route.className = 'badge';
      route.textContent = (words.routes && words.routes[call.route]) || call.route;
      header.appendChild(document.createTextNode(' '));
      header.appendChild(route);
    }
    if (call.test) {
      var test = document.createElement('span');
      test.className = 'badge';
      test.textContent = words.test;
      header.appendChild(document.createTextNode(' '));
      header.appendChild(test);
    }
    var transcript = document.createElement('ol');
    transcript.className = 'transcript';
    transcript.setAttribute('data-testid', 'live-transcript');
    card.appendChild(header);
    card.appendChild(transcript);
    if (liveSection) liveSection.appendChild(card);
    updateEmpty();
    return card;
  }

  function appendLine(card, speaker, text) {
    if (!text) return;
    var list = card.querySelector('[data-testid="live-transcript"]');
    list.appendChild(lineElement(speaker, text));
    list.scrollTop = list.scrollHeight;
  }

  /** Lines the feed brought since the last /dashboard/live.json was asked for, replayed over its answer. */
  var sinceFetch = [];

  function showTranscript(card, transcript) {
    var list = card.querySelector('[data-testid="live-transcript"]');
    list.textContent = '';
    transcript.forEach(function (turn) {
      var li = lineElement(turn.speaker, turn.text);
      li.setAttribute('data-seq', String(turn.seq));
      list.appendChild(li);
    });
  }

  var liveTimer = 0;
  function refreshLiveSoon(delayMs) {
    clearTimeout(liveTimer);
    liveTimer = setTimeout(function () {
      sinceFetch = [];
      fetch('/dashboard/live.json', { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (fresh) {
          if (!fresh) return;
          var present = new Set();
          fresh.calls.forEach(function (call) {
            present.add(call.id);
            calls.set(call.id, call);
            var card = ensureCard(call);
            // A card made from a turn alone did not know the caller yet.
            card.querySelector('[data-testid="live-caller"]').textContent = callerText(call);
            showTranscript(card, call.transcript);
          });
          // Lines that arrived while the answer was on its way, unless it holds them already.
          sinceFetch.forEach(function (line) {
            var call = calls.get(line.callId);
            if (!call || !present.has(line.callId)) return;
            var written = call.transcript.slice(-4).some(function (turn) { return turn.speaker === line.speaker && turn.text === line.text; });
            if (!written) appendLine(cardOf(line.callId), line.speaker, line.text);
          });
          sinceFetch = [];
          // A call the record no longer lists as in progress ended while the feed was away, unless the
          // feed announced it a moment ago (the record is written a little behind).
          Array.prototype.forEach.call(liveSection ? liveSection.querySelectorAll('[data-testid="live-call"]') : [], function (card) {
            var id = card.getAttribute('data-call-id');
            var known = calls.get(id);
            if (present.has(id) || (known && known.announcedAt && Date.now() - known.announcedAt < 10000)) return;
            calls.delete(id);
            card.remove();
          });
          updateEmpty();
        })
        .catch(function () { /* the next event or reconnection fetches again */ });
    }, delayMs);
  }

  function onEvent(message) {
    var payload = message.payload || {};
    var id = payload.callId;
    if (message.type === 'call.started' && id) {
      calls.set(id, { id: id, fromNumber: payload.from, route: payload.route, test: !!payload.test, callerName: null, transcript: [], announcedAt: Date.now() });
      ensureCard(calls.get(id));
      // The greeting is written with the call, not sent as a turn: read once the record has it.
      refreshLiveSoon(700);
    } else if (message.type === 'call.turn' && id) {
      var card = cardOf(id) || ensureCard({ id: id });
      var heard = payload.caller && payload.caller.text;
      var said = payload.agent && payload.agent.text;
      if (heard) { appendLine(card, 'caller', heard); sinceFetch.push({ callId: id, speaker: 'caller', text: heard }); }
      if (said) { appendLine(card, 'agent', said); sinceFetch.push({ callId: id, speaker: 'agent', text: said }); }
      if (!calls.has(id)) refreshLiveSoon(300);
    } else if (message.type === 'call.ended' && id) {
      calls.delete(id);
      var ended = cardOf(id);
      if (ended) ended.remove();
      updateEmpty();
      // The call's end is written behind (within a quarter of a second): ask just after.
      refreshSummarySoon(600);
    } else if (message.type === 'analytics.summary_changed') {
      refreshSummarySoon(200);
    }
  }

  // ---- the live feed --------------------------------------------------------------------------------

  var retryMs = 1000;
  var pinger = 0;
  function setStatus(state) {
    if (!statusBadge) return;
    statusBadge.setAttribute('data-state', state);
    statusBadge.textContent = state === 'connected' ? words.connected : words.connecting;
  }

  function connect() {
    var socket;
    try {
      socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/live', ['tero-live.v1']);
    } catch (e) {
      return;
    }
    setStatus('connecting');
    socket.addEventListener('message', function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === 'live.ready') {
        retryMs = 1000;
        setStatus('connected');
        // Whatever happened while the feed was away: read once.
        refreshLiveSoon(0);
        refreshSummarySoon(0);
        return;
      }
      if (message.type !== 'live.pong') onEvent(message);
    });
    socket.addEventListener('open', function () {
      clearInterval(pinger);
      pinger = setInterval(function () { if (socket.readyState === 1) socket.send('{"type":"ping"}'); }, 25000);
    });
    socket.addEventListener('close', function (event) {
      clearInterval(pinger);
      setStatus('offline');
      // Signed out or refused: reconnecting would be refused again.
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) return;
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    });
  }

  (data.live || []).forEach(function (call) { calls.set(call.id, call); });
  showFigures(summary.today);
  drawPlots(summary);
  connect();
})();
