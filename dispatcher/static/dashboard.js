// The dashboard's charts: small SVG bar charts drawn from the JSON the page carries
// (the same as /manager/dashboard.json). No library: offices may run on a closed network.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var source = document.getElementById('dashboard-data');
  if (!source) return;
  var data = JSON.parse(source.textContent);
  var tables = data.tables;
  // The office's words for the charts (dashboard.html): English where none is given.
  var wordsSource = document.getElementById('dashboard-words');
  var words = wordsSource ? JSON.parse(wordsSource.textContent) : {};
  function t(text) { return Object.prototype.hasOwnProperty.call(words, text) ? words[text] : text; }

  function node(name, attrs, parent, text) {
    var element = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (key) { element.setAttribute(key, attrs[key]); });
    if (text !== undefined) element.textContent = text;
    if (parent) parent.appendChild(element);
    return element;
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '—';
    var s = Math.round(seconds);
    // The units in the office's words (dashboard-words): "s", "min", "h" in English.
    if (s < 60) return s + ' ' + t('s');
    if (s < 3600) return Math.floor(s / 60) + ' ' + t('min') + ' ' + String(s % 60).padStart(2, '0') + ' ' + t('s');
    return Math.floor(s / 3600) + ' ' + t('h') + ' ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' ' + t('min');
  }

  function count(n) { return String(n); }

  // A round top for the axis: 1, 2 or 5 times a power of ten.
  function niceMax(value) {
    if (value <= 0) return 1;
    var power = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) {
      if (steps[i] * power >= value) return steps[i] * power;
    }
    return 10 * power;
  }

  function empty(box) {
    var p = document.createElement('p');
    p.className = 'empty';
    p.textContent = t('Nothing in this range.');
    box.appendChild(p);
  }

  function svgFor(box, width, height, label) {
    return node('svg', {
      viewBox: '0 0 ' + width + ' ' + height, width: '100%', role: 'img', 'aria-label': label,
      preserveAspectRatio: 'xMinYMin meet'
    }, box);
  }

  function legend(svg, series, x, y) {
    series.forEach(function (one, index) {
      var left = x + index * 110;
      node('rect', {x: left, y: y - 9, width: 10, height: 10, class: one.cls}, svg);
      node('text', {x: left + 14, y: y, class: 'label'}, svg, one.name);
    });
  }

  // Vertical bars, stacked by series: counts by hour or weekday.
  function columns(box, rows, options) {
    var total = function (row) {
      return options.series.reduce(function (sum, one) { return sum + row[one.key]; }, 0);
    };
    var top = niceMax(Math.max.apply(null, rows.map(total)));
    if (rows.every(function (row) { return total(row) === 0; })) return empty(box);
    var width = 640, height = 230, left = 44, bottom = 24, head = 22;
    var plot = height - bottom - head, band = (width - left) / rows.length;
    var svg = svgFor(box, width, height, options.title);
    legend(svg, options.series, left, 12);
    [0, 0.5, 1].forEach(function (share) {
      var y = head + plot - share * plot;
      node('line', {x1: left, x2: width, y1: y, y2: y, class: 'grid'}, svg);
      node('text', {x: left - 6, y: y + 4, class: 'axis', 'text-anchor': 'end'}, svg, count(Math.round(top * share)));
    });
    rows.forEach(function (row, index) {
      var x = left + index * band + band * 0.15, y = head + plot;
      var group = node('g', {}, svg);
      node('title', {}, group, options.label(row) + ': ' + options.series.map(function (one) {
        return row[one.key] + ' ' + one.name.toLowerCase();
      }).join(', '));
      options.series.forEach(function (one) {
        var h = row[one.key] / top * plot;
        y -= h;
        node('rect', {x: x, y: y, width: band * 0.7, height: Math.max(h, 0), class: one.cls}, group);
      });
      if (rows.length <= 12 || index % 3 === 0) {
        node('text', {x: x + band * 0.35, y: height - 8, class: 'axis', 'text-anchor': 'middle'}, svg,
          options.short(row));
      }
    });
  }

  // Horizontal bars, one per row; an optional second value drawn behind (the 90th
  // percentile behind the median).
  function bars(box, rows, options) {
    rows = rows.slice(0, options.limit || rows.length);
    var values = rows.map(function (row) { return Math.max(row[options.value] || 0, row[options.behind] || 0); });
    if (!rows.length || Math.max.apply(null, values) === 0) return empty(box);
    var top = niceMax(Math.max.apply(null, values));
    var width = 640, labelWidth = 170, valueWidth = options.behind ? 170 : 70, rowHeight = 22, head = options.behind ? 22 : 4;
    var plot = width - labelWidth - valueWidth;
    var svg = svgFor(box, width, head + rows.length * rowHeight + 4, options.title);
    if (options.behind) legend(svg, [{name: t('median'), cls: 'bar'}, {name: t('90th percentile'), cls: 'bar behind'}], labelWidth, 12);
    rows.forEach(function (row, index) {
      var y = head + index * rowHeight;
      var group = node('g', {}, svg);
      var text = options.label(row);
      node('title', {}, group, text + ': ' + options.format(row[options.value]) +
        (options.behind ? ', 90th percentile ' + options.format(row[options.behind]) : ''));
      node('text', {x: labelWidth - 8, y: y + 15, class: 'label', 'text-anchor': 'end'}, group,
        text.length > 24 ? text.slice(0, 23) + '…' : text);
      if (options.behind && row[options.behind] !== null) {
        node('rect', {x: labelWidth, y: y + 3, width: row[options.behind] / top * plot, height: 16, class: 'bar behind'}, group);
      }
      node('rect', {x: labelWidth, y: y + 3, width: (row[options.value] || 0) / top * plot, height: 16, class: 'bar'}, group);
      node('text', {x: width - valueWidth + 6, y: y + 15, class: 'label'}, group,
        options.format(row[options.value]) + (options.behind ? ' / ' + options.format(row[options.behind]) : ''));
    });
  }

  var byChannel = [{key: 'calls', name: t('Calls'), cls: 'bar'}, {key: 'walk_ins', name: t('Walk-ins'), cls: 'bar second'}];
  var charts = {
    response: function (box) {
      bars(box, tables.salespeople.rows.filter(function (row) { return row.response_median !== null; }), {
        title: t('Page to acknowledgement by salesperson'), value: 'response_median', behind: 'response_p90',
        label: function (row) { return t(row.name); }, format: duration
      });
    },
    hours: function (box) {
      columns(box, tables.hours.rows, {
        title: t('Leads by hour of day'), series: byChannel,
        label: function (row) { return row.hour; }, short: function (row) { return row.hour.slice(0, 2); }
      });
    },
    weekdays: function (box) {
      columns(box, tables.weekdays.rows, {
        title: t('Leads by weekday'), series: byChannel,
        label: function (row) { return t(row.weekday); }, short: function (row) { return t(row.weekday).slice(0, 3); }
      });
    },
    kinds: function (box) {
      bars(box, tables.kinds.rows, {
        title: t('Leads by kind'), value: 'leads', label: function (row) { return t(row.kind); }, format: count
      });
    },
    sources: function (box) {
      bars(box, tables.sources.rows, {
        title: t('Leads by source'), value: 'leads', limit: 12, label: function (row) { return t(row.source); }, format: count
      });
    },
    listings: function (box) {
      bars(box, tables.listings.rows, {
        title: t('Leads by listing'), value: 'leads', limit: 12,
        label: function (row) { return row.address ? row.listing + ' ' + row.address : t(row.listing); }, format: count
      });
    }
  };

  document.querySelectorAll('.chart[data-chart]').forEach(function (box) {
    var draw = charts[box.dataset.chart];
    if (draw) draw(box);
  });
})();
