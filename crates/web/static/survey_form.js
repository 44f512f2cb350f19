// The public survey form saves progress as the respondent goes: each change posts the whole
// form with _action=save in the background (the page also works without this script: the
// "save" button does the same with a reload).
(function () {
  // After a refused submission, the list of answers to check takes the focus (screen readers
  // read it; each entry links to its question).
  var problem = document.getElementById('form-problem');
  if (problem) problem.focus();
  var form = document.getElementById('survey-form');
  var status = document.getElementById('save-status');
  // A long form's progress: questions with an answer, as the respondent goes.
  var bar = document.querySelector('#form-progress progress');
  var text = document.getElementById('form-progress-text');
  function progress() {
    if (!bar || !form) return;
    var n = 0;
    form.querySelectorAll('fieldset.q').forEach(function (q) {
      var answered = Array.prototype.some.call(q.querySelectorAll('input, textarea'), function (e) {
        return (e.type === 'radio' || e.type === 'checkbox') ? e.checked : e.value.trim() !== '';
      });
      if (answered) n++;
    });
    bar.value = n;
    if (text) text.textContent = text.dataset.of.replace('{n}', n).replace('{total}', bar.max);
  }
  if (form) form.addEventListener('input', progress);
  // Open links take no partial answers: nothing to save as one goes.
  if (!form || !window.fetch || form.dataset.open) return;
  var timer = null;
  function save() {
    var body = new URLSearchParams(new FormData(form));
    body.append('_action', 'save');
    fetch(location.pathname + location.search, { method: 'POST', body: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
      .then(function (r) { done(r.ok); })
      .catch(function () { done(false); });
  }
  function done(ok) {
    form.dataset.saved = ok ? '1' : '0';
    if (status) status.textContent = ok ? status.dataset.saved : status.dataset.failed;
  }
  form.addEventListener('change', function () {
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  });
})();
