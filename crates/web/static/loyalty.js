// Charts of the Loyalty and win-back pages, from data-charts (no inline script): the loyalty
// type mix, movement between types since the last classification, contract retention (observed
// and the sBG model) and churn types by cause.
(function () {
  var root = document.getElementById('loyalty-charts');
  if (!root || !window.echarts || !root.dataset.charts) return;
  var d = JSON.parse(root.dataset.charts);
  var L = d.labels || {};
  var colors = ['#0f766e', '#d97706', '#7c3aed', '#2563eb', '#db2777', '#65a30d', '#0891b2', '#b91c1c', '#98a2b3'];
  var charts = [];
  function chart(id, title, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el);
    option.title = { text: title, textStyle: { fontSize: 13 } };
    option.color = colors;
    c.setOption(option);
    el.dataset.ready = '1';
    charts.push(c);
  }
  if (d.types) {
    chart('chart-types', L.mix, {
      tooltip: { trigger: 'item', formatter: '{b}: {c} ({d}%)' },
      series: [{ type: 'pie', radius: ['35%', '65%'], top: 30, data: d.types, label: { fontSize: 11 } }]
    });
  }
  var m = d.movement || {};
  if (m.links && m.links.length) {
    chart('chart-movement', L.movement, {
      animation: false,
      tooltip: { trigger: 'item' },
      series: [{ type: 'sankey', top: 35, bottom: 10, left: 10, right: 150, nodeGap: 8,
        data: m.nodes, links: m.links, emphasis: { focus: 'adjacency' },
        // Before on the left, now on the right: the labels drop the side's prefix.
        label: { fontSize: 11, formatter: function (p) { return p.name.slice(p.name.indexOf(' · ') + 3); } },
        lineStyle: { color: 'gradient', opacity: 0.35 } }]
    });
  }
  var c = d.contracts || {};
  if (c.observed_survival && c.observed_survival.length) {
    var projected = (c.sbg && c.sbg.projected_survival) || [];
    var n = Math.max(c.observed_survival.length, projected.length);
    var years = [];
    for (var i = 1; i <= n; i++) years.push(String(i));
    var pctf = function (v) { return Math.round(v * 1000) / 10; };
    chart('chart-contracts', L.retention, {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0 },
      grid: { left: 12, right: 15, top: 56, bottom: 45, containLabel: true },
      xAxis: { type: 'category', data: years, name: L.year },
      yAxis: { type: 'value', max: 100, axisLabel: { formatter: '{value}%' } },
      series: [
        { name: L.observed, type: 'line', data: c.observed_survival.map(pctf) },
        { name: L.model, type: 'line', lineStyle: { type: 'dashed' }, data: projected.map(pctf) }
      ]
    });
  }
  if (d.causes) {
    chart('chart-churn-types', L.types_by_cause, {
      tooltip: { trigger: 'axis' },
      legend: { bottom: 0, type: 'scroll' },
      grid: { left: 12, right: 15, top: 56, bottom: 60, containLabel: true },
      xAxis: { type: 'category', data: d.months },
      yAxis: { type: 'value', name: L.customers },
      series: d.causes.map(function (s) { return { name: s.name, type: 'bar', stack: 'all', data: s.data }; })
    });
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
