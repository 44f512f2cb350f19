// Charts of the churn page, from the latest analysis summary in data-summary (no inline script).
(function () {
  var root = document.getElementById('churn-charts');
  if (!root || !window.echarts) return;
  var s = JSON.parse(root.dataset.summary || '{}');
  var L = JSON.parse(root.dataset.labels || '{}');
  var charts = [];
  var teal = '#0f766e', orange = '#d97706', grey = '#98a2b3';
  function chart(id, title, option) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!option) { el.parentNode.style.display = 'none'; return; }
    var c = echarts.init(el);
    option.title = { text: title, textStyle: { fontSize: 13 } };
    option.tooltip = option.tooltip || { trigger: 'axis' };
    option.grid = option.grid || { left: 12, right: 20, top: 56, bottom: 40, containLabel: true };
    c.setOption(option);
    el.dataset.ready = '1';
    charts.push(c);
  }
  function pct(v) { return (100 * v).toFixed(1) + ' %'; }
  var d = s.distributions || {};

  if (d.p_alive) {
    var w = d.p_alive.bin_width;
    chart('chart-p-alive', L.p_alive_chart, {
      xAxis: { type: 'category', data: d.p_alive.counts.map(function (_, k) { return (k * w).toFixed(2); }), name: 'P(alive)', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'value', name: L.customers },
      series: [{ type: 'bar', data: d.p_alive.counts, itemStyle: { color: teal } }]
    });
  }
  if (d.clv) {
    var cw = d.clv.bin_width, n = d.clv.counts.length;
    chart('chart-clv', L.clv_chart, {
      xAxis: { type: 'category', data: d.clv.counts.map(function (_, k) { return k === n - 1 ? '≥' + (k * cw).toFixed(0) : (k * cw).toFixed(0); }), name: 'CLV', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'value', name: L.customers },
      series: [{ type: 'bar', data: d.clv.counts, itemStyle: { color: orange } }]
    });
  }
  if (d.rfm_grid && d.rfm_grid.length) {
    var bins = Math.round(Math.sqrt(d.rfm_grid.length));
    var axis = []; for (var i = 1; i <= bins; i++) axis.push(String(i));
    var max = Math.max.apply(null, d.rfm_grid.map(function (c) { return c.customers; }));
    chart('chart-rfm', L.rfm_chart, {
      tooltip: { formatter: function (p) { var c = d.rfm_grid[p.dataIndex]; return 'R ' + c.r + ' · F ' + c.f + '<br>' + L.customers + ': ' + c.customers + '<br>' + L.mean_clv + ': ' + c.mean_clv.toFixed(2) + '<br>P(alive): ' + c.mean_p_alive.toFixed(3); } },
      xAxis: { type: 'category', data: axis, name: L.recency, nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: axis, name: L.frequency, nameLocation: 'middle', nameGap: 24 },
      visualMap: { min: 0, max: max || 1, calculable: false, orient: 'horizontal', right: 0, top: 22, itemHeight: 80, inRange: { color: ['#f0fdfa', teal] } },
      series: [{ type: 'heatmap', data: d.rfm_grid.map(function (c) { return [c.r - 1, c.f - 1, c.customers]; }), label: { show: true } }]
    });
  }
  if (s.pareto && s.pareto.revenue_curve) {
    var xs = s.pareto.revenue_curve.map(function (_, k) { return k; });
    chart('chart-pareto', L.pareto_chart, {
      tooltip: { trigger: 'axis', valueFormatter: pct },
      legend: { bottom: 0 },
      grid: { left: 12, right: 20, top: 56, bottom: 60, containLabel: true },
      xAxis: { type: 'category', data: xs, name: L.share_customers + ' %', nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'value', max: 1, axisLabel: { formatter: function (v) { return 100 * v + '%'; } } },
      series: [
        { name: L.revenue, type: 'line', showSymbol: false, data: s.pareto.revenue_curve, itemStyle: { color: teal } },
        { name: L.future_value, type: 'line', showSymbol: false, data: s.pareto.clv_curve, itemStyle: { color: orange } },
        { name: L.equality, type: 'line', showSymbol: false, data: xs.map(function (k) { return k / 100; }), lineStyle: { type: 'dashed' }, itemStyle: { color: grey } }
      ]
    });
  }
  var co = s.cohorts && s.cohorts.rows;
  if (co && co.length) {
    var width = Math.max.apply(null, co.map(function (r) { return r.retained.length; }));
    var data = [];
    co.forEach(function (r, y) { r.retained.forEach(function (v, x) { data.push([x, y, Math.round(1000 * v) / 10]); }); });
    var periods = []; for (var k = 0; k < width; k++) periods.push(String(k));
    // Monthly cohorts read as months ("2025-06 (29)"), not as their first days.
    var monthly = co.every(function (r) { return /-01$/.test(r.start); });
    var cohortName = function (r) { return (monthly ? r.start.slice(0, 7) : r.start) + ' (' + r.customers + ')'; };
    chart('chart-cohorts', L.cohort_chart, {
      tooltip: { formatter: function (p) { var r = co[p.value[1]]; return cohortName(r) + '<br>+' + p.value[0] + ': ' + p.value[2] + ' %'; } },
      grid: { left: 12, right: 20, top: 56, bottom: 40, containLabel: true },
      xAxis: { type: 'category', data: periods, name: L.periods_since, nameLocation: 'middle', nameGap: 26 },
      yAxis: { type: 'category', data: co.map(cohortName), inverse: true },
      visualMap: { min: 0, max: 100, show: false, inRange: { color: ['#f0fdfa', teal] } },
      series: [{ type: 'heatmap', data: data, label: { show: width <= 24, fontSize: 10, formatter: function (p) { return p.value[2]; } } }]
    });
  }
  var ch = s.churn || {};
  var tr = ch.trend && ch.trend.rows;
  chart('chart-trend', L.trend_chart, tr && tr.length ? {
    tooltip: { trigger: 'axis', valueFormatter: pct },
    legend: { bottom: 0 },
    grid: { left: 12, right: 20, top: 56, bottom: 60, containLabel: true },
    xAxis: { type: 'category', data: tr.map(function (r) { return r.end; }) },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: function (v) { return 100 * v + '%'; } } },
    series: [
      { name: L.churn_rate_inactivity, type: 'line', data: tr.map(function (r) { return r.churn_rate; }), itemStyle: { color: '#b42318' } },
      { name: L.retention_rate, type: 'line', data: tr.map(function (r) { return r.retention_rate; }), itemStyle: { color: teal } },
      { name: L.active_rate, type: 'line', data: tr.map(function (r) { return r.active_rate; }), itemStyle: { color: orange } }
    ]
  } : null);
  var bc = ch.by_cohort;
  chart('chart-churn-cohort', L.churn_cohort_chart, bc && bc.length ? {
    tooltip: { trigger: 'axis', valueFormatter: pct },
    legend: { bottom: 0 },
    grid: { left: 12, right: 20, top: 56, bottom: 60, containLabel: true },
    xAxis: { type: 'category', data: bc.map(function (r) { return r.start; }) },
    yAxis: { type: 'value', max: 1, axisLabel: { formatter: function (v) { return 100 * v + '%'; } } },
    series: [
      { name: L.churn_rate_p_alive, type: 'bar', data: bc.map(function (r) { return r.churn_rate_p_alive; }), itemStyle: { color: '#b42318' } },
      { name: L.churn_rate_inactivity, type: 'bar', data: bc.map(function (r) { return r.churn_rate_inactivity; }), itemStyle: { color: orange } },
      { name: L.referral_rate, type: 'line', data: bc.map(function (r) { return referral(r.start); }), itemStyle: { color: teal }, connectNulls: true }
    ]
  } : null);
  // Referral rate of the acquisition month a cohort starts in (the store's runs only).
  function referral(start) {
    var rows = s.referral_by_cohort || [];
    for (var i = 0; i < rows.length; i++) if (rows[i].month === start.slice(0, 7)) return rows[i].referrers / Math.max(1, rows[i].customers);
    return null;
  }
  var h = s.holdout;
  chart('chart-tracking', L.tracking_chart, h && h.tracking ? {
    legend: { bottom: 0 },
    grid: { left: 12, right: 20, top: 56, bottom: 60, containLabel: true },
    xAxis: { type: 'category', data: h.tracking.map(function (p) { return p.date; }) },
    yAxis: { type: 'value', name: L.repeat_purchases },
    series: [
      { name: L.actual, type: 'line', showSymbol: false, data: h.tracking.map(function (p) { return p.actual_cumulative; }), itemStyle: { color: teal },
        markLine: s.holdout_calibration_end ? { symbol: 'none', label: { formatter: L.calibration_end }, data: [{ xAxis: nearest(h.tracking, s.holdout_calibration_end) }] } : undefined },
      { name: L.expected, type: 'line', showSymbol: false, data: h.tracking.map(function (p) { return p.expected_cumulative; }), lineStyle: { type: 'dashed' }, itemStyle: { color: orange } }
    ]
  } : null);
  chart('chart-holdout', L.holdout_chart, h && h.by_calibration_frequency ? {
    legend: { bottom: 0 },
    grid: { left: 12, right: 20, top: 56, bottom: 60, containLabel: true },
    xAxis: { type: 'category', data: h.by_calibration_frequency.map(function (g) { return g.or_more ? g.frequency + '+' : String(g.frequency); }), name: L.frequency, nameLocation: 'middle', nameGap: 26 },
    yAxis: { type: 'value' },
    series: [
      { name: L.actual, type: 'bar', data: h.by_calibration_frequency.map(function (g) { return g.actual_mean; }), itemStyle: { color: teal } },
      { name: L.expected, type: 'bar', data: h.by_calibration_frequency.map(function (g) { return g.expected_mean; }), itemStyle: { color: orange } }
    ]
  } : null);
  function nearest(points, date) {
    for (var i = 0; i < points.length; i++) if (points[i].date >= date) return points[i].date;
    return points.length ? points[points.length - 1].date : date;
  }
  window.addEventListener('resize', function () { charts.forEach(function (c) { c.resize(); }); });
})();
