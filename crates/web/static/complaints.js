// Charts of the complaints overview, from data-charts (no inline script): causes per month
// (stacked bars), and the first-response and resolution time distributions.
(function () {
  var root = document.getElementById('complaint-charts');
  if (!root || !window.echarts || !root.dataset.charts) return;
  var d = JSON.parse(root.dataset.charts);
  var L = d.labels || {};
  var colors = ['#0f766e', '#d97706', '#7c3aed', '#2563eb', '#db2777', '#98a2b3'];
  var charts = [];
  function chart(id, title, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var c = echarts.init(el);
    option.title = { text: title, textStyle: { fontSize: 13 } };
    option.tooltip = { trigger: 'axis' };
    option.grid = option.grid || { left: 12, right: 15, top: 56, bottom: 40, containLabel: true };
    option.color = colors;
    c.setOption(option);
    el.dataset.ready = '1';
    charts.push(c);
  }
  chart('chart-causes', L.causes, {
    legend: { bottom: 0, type: 'scroll' },
    grid: { left: 12, right: 15, top: 56, bottom: 60, containLabel: true },
    xAxis: { type: 'category', data: d.months },
    yAxis: { type: 'value', name: L.cases },
    series: d.causes.map(function (c) { return { name: c.name, type: 'bar', stack: 'all', data: c.data }; })
  });
  [['chart-first-response', L.first_response, d.first_response], ['chart-resolution', L.resolution, d.resolution]].forEach(function (x) {
    chart(x[0], x[1], {
      xAxis: { type: 'category', data: x[2].labels },
      yAxis: { type: 'value', name: L.cases },
      series: [{ type: 'bar', data: x[2].counts }]
    });
  });
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
