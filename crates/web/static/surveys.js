// Charts of the survey pages from data attributes (no inline script): the CSI and element
// trend over waves; a wave's importance-performance quadrant, path diagram and answer
// distributions.
(function () {
  // Menus that take effect when changed (an action plan's status): no inline handlers.
  document.querySelectorAll('select[data-autosubmit]').forEach(function (s) {
    s.addEventListener('change', function () { s.form.submit(); });
  });
  if (!window.echarts) return;
  var teal = '#0f766e', orange = '#d97706', grey = '#98a2b3';
  function draw(el, title, option) {
    var c = echarts.init(el);
    option.title = { text: title, textStyle: { fontSize: 13 } };
    option.tooltip = option.tooltip || {};
    c.setOption(option);
    el.dataset.ready = '1';
    window.addEventListener('resize', function () { c.resize(); });
  }

  var trendEl = document.getElementById('chart-trend');
  if (trendEl) {
    var t = JSON.parse(trendEl.dataset.trend || '{}');
    var waves = t.waves || [];
    if (!waves.length) { trendEl.style.display = 'none'; } else {
      var names = waves[0].elements.map(function (e) { return e.name; });
      var series = names.map(function (n, k) {
        return { name: n, type: 'line', data: waves.map(function (w) { return w.elements[k] ? +w.elements[k].index.toFixed(1) : null; }) };
      });
      draw(trendEl, t.csi, {
        legend: { bottom: 0, type: 'scroll' }, grid: { left: 12, right: 20, top: 56, bottom: 50, containLabel: true },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: waves.map(function (w) { return w.wave; }) },
        yAxis: { type: 'value', min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10); }, max: 100 },
        series: series
      });
    }
  }

  var root = document.getElementById('survey-charts');
  if (!root) return;
  var c = JSON.parse(root.dataset.charts || '{}');
  var L = c.labels || {};
  var m = c.model;
  if (m) {
    var ipa = document.getElementById('chart-ipa');
    var pts = m.elements.filter(function (e) { return e.importance != null; });
    if (ipa && pts.length) {
      var mi = pts.reduce(function (s, e) { return s + e.importance; }, 0) / pts.length;
      var mp = pts.reduce(function (s, e) { return s + e.index; }, 0) / pts.length;
      draw(ipa, L.ipa, {
        grid: { left: 12, right: 30, top: 56, bottom: 45, containLabel: true },
        tooltip: { formatter: function (p) { return p.data[2] + '<br>' + L.importance + ': ' + p.data[0].toFixed(3) + '<br>' + L.index + ': ' + p.data[1].toFixed(1); } },
        xAxis: { type: 'value', name: L.importance, nameLocation: 'middle', nameGap: 28, scale: true },
        yAxis: { type: 'value', name: L.index, scale: true },
        series: [{
          type: 'scatter', symbolSize: 14, itemStyle: { color: teal },
          label: { show: true, position: 'right', formatter: function (p) { return p.data[2]; } },
          data: pts.map(function (e) { return [e.importance, e.index, e.name]; }),
          markLine: { silent: true, symbol: 'none', lineStyle: { color: grey, type: 'dashed' }, data: [{ xAxis: mi }, { yAxis: mp }] }
        }]
      });
    }
    var pathsEl = document.getElementById('chart-paths');
    if (pathsEl) {
      var n = m.elements.length;
      var nodes = m.elements.map(function (e, k) {
        var a = 2 * Math.PI * k / n;
        return { name: e.code, x: 300 + 220 * Math.cos(a), y: 200 + 150 * Math.sin(a), value: e.index,
                 label: { show: true, formatter: e.name + (e.r2 != null ? '\nR² ' + e.r2.toFixed(2) : '') } };
      });
      draw(pathsEl, L.paths, {
        series: [{
          type: 'graph', layout: 'none', roam: true, symbolSize: 46, edgeSymbol: ['none', 'arrow'], edgeSymbolSize: 9,
          itemStyle: { color: '#ccfbf1', borderColor: teal }, label: { color: '#111', fontSize: 11 },
          edgeLabel: { show: true, fontSize: 10, formatter: function (p) { return p.data.value.toFixed(2); } },
          data: nodes,
          links: m.paths.map(function (p) {
            return { source: p.from, target: p.to, value: p.coefficient,
                     lineStyle: { width: 1 + 4 * Math.abs(p.coefficient), color: p.coefficient < 0 ? orange : teal, curveness: 0.1 } };
          })
        }]
      });
    }
  }
  var grid = document.getElementById('distributions');
  (c.distributions || []).forEach(function (d) {
    if (!grid) return;
    var el = document.createElement('div');
    el.className = 'chart';
    el.setAttribute('role', 'img');
    el.setAttribute('aria-label', d.text);
    el.id = 'dist-' + d.item;
    grid.appendChild(el);
    draw(el, d.item, {
      grid: { left: 12, right: 10, top: 56, bottom: 30, containLabel: true }, tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: d.labels }, yAxis: { type: 'value' },
      series: [{ type: 'bar', data: d.counts, itemStyle: { color: teal } }]
    });
  });
})();
