// Monthly spend bar chart on the customer profile (data in data-* attributes, no inline script).
(function () {
  var el = document.getElementById('spend-chart');
  if (!el || !window.echarts) return;
  var months = JSON.parse(el.dataset.months || '[]');
  var values = JSON.parse(el.dataset.values || '[]');
  if (!months.length) { el.style.display = 'none'; return; }
  var chart = echarts.init(el);
  chart.setOption({
    grid: { left: 12, right: 10, top: 10, bottom: 30, containLabel: true },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: months },
    yAxis: { type: 'value' },
    series: [{ type: 'bar', data: values, itemStyle: { color: '#0f766e' } }]
  });
  window.addEventListener('resize', function () { chart.resize(); });
})();
