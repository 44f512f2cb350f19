// Charts of the home page, from data-charts (no inline script): satisfaction per wave, the
// period's complaints per month, headline churn and retention over classifications, the
// loyalty-type mix, the CLV distribution and the Pareto curve.
(function () {
  var root = document.getElementById('home-charts');
  if (!root || !window.echarts || !root.dataset.charts) return;
  var d = JSON.parse(root.dataset.charts);
  var L = d.labels || {};
  var colors = ['#0f766e', '#d97706', '#7c3aed', '#2563eb', '#db2777', '#98a2b3', '#65a30d', '#0891b2'];
  var charts = [];
  function chart(id, title, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el);
    option.title = { text: title, textStyle: { fontSize: 13 } };
    option.tooltip = option.tooltip || { trigger: 'axis' };
    option.grid = option.grid || { left: 12, right: 15, top: 56, bottom: 30, containLabel: true };
    option.color = colors;
    c.setOption(option);
    el.dataset.ready = '1';
    charts.push(c);
  }
  chart('chart-satisfaction', L.satisfaction, {
    legend: { bottom: 0 },
    grid: { left: 12, right: 12, top: 56, bottom: 36, containLabel: true },
    // Long wave names are cut on the axis; the tooltip has them whole.
    xAxis: { type: 'category', data: d.waves, axisLabel: { interval: 0, width: 120, overflow: 'truncate' } },
    yAxis: [{ type: 'value', name: 'CSI · CSAT %', max: 100 }, { type: 'value', name: 'NPS', min: -100, max: 100 }],
    series: [
      { name: 'CSI', type: 'line', data: d.csi, connectNulls: true },
      { name: 'CSAT', type: 'line', data: d.csat, connectNulls: true },
      { name: 'NPS', type: 'line', yAxisIndex: 1, data: d.nps, connectNulls: true }
    ]
  });
  chart('chart-complaints', L.complaints, {
    xAxis: { type: 'category', data: d.months },
    yAxis: { type: 'value', name: L.cases, minInterval: 1 },
    series: [{ type: 'bar', data: d.complaints }]
  });
  chart('chart-churn', L.churn, {
    legend: { bottom: 0 },
    grid: { left: 12, right: 15, top: 40, bottom: 36, containLabel: true },
    xAxis: { type: 'category', data: d.churn_dates },
    yAxis: { type: 'value', max: 100 },
    series: [
      { name: L.churn_name, type: 'line', data: d.churn },
      { name: L.retention_name, type: 'line', data: d.retention }
    ]
  });
  chart('chart-loyalty', L.loyalty, {
    tooltip: { trigger: 'item' },
    legend: { type: 'scroll', bottom: 0 },
    series: [{ type: 'pie', radius: ['35%', '62%'], center: ['50%', '52%'], label: { show: false }, data: d.loyalty }]
  });
  if (d.clv && d.clv.counts) {
    var w = d.clv.bin_width || 1;
    var labels = d.clv.counts.map(function (_, i) {
      var lo = Math.round(i * w).toLocaleString();
      return i === d.clv.counts.length - 1 && d.clv.last_bin_open ? lo + '+' : lo;
    });
    chart('chart-clv', L.clv, {
      xAxis: { type: 'category', data: labels, name: '¥' },
      yAxis: { type: 'value', name: L.customers },
      series: [{ type: 'bar', data: d.clv.counts }]
    });
  }
  if (d.pareto && d.pareto.clv_curve) {
    var n = d.pareto.clv_curve.length;
    chart('chart-pareto', L.pareto, {
      xAxis: { type: 'category', data: d.pareto.clv_curve.map(function (_, i) { return Math.round((i + 1) * 100 / n) + '%'; }) },
      yAxis: { type: 'value', max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + '%'; } } },
      series: [{ type: 'line', areaStyle: { opacity: 0.15 }, data: d.pareto.clv_curve, showSymbol: false }]
    });
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
