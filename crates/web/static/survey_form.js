// The public survey form saves progress as the respondent goes: each change posts the whole
// form with _action=save in the background (the page also works without this script: the
// "save" button does the same with a reload).
(function () {
  var form = document.getElementById('survey-form');
  // Open links take no partial answers: nothing to save as one goes.
  if (!form || !window.fetch || form.dataset.open) return;
  var timer = null;
  function save() {
    var body = new URLSearchParams(new FormData(form));
    body.append('_action', 'save');
    fetch(location.pathname + location.search, { method: 'POST', body: body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
      .then(function (r) { form.dataset.saved = r.ok ? '1' : '0'; })
      .catch(function () { form.dataset.saved = '0'; });
  }
  form.addEventListener('change', function () {
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  });
})();
