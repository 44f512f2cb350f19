// The company page's logo: the chosen file goes to the server as it is (a PNG or JPEG), with the
// page's CSRF token; "remove" sends nothing. The page reloads to show the result, or says why not.
(function () {
  var box = document.getElementById('logo-form');
  if (!box) return;
  var err = document.getElementById('company-error');
  function send(body) {
    fetch('/admin/company/logo', { method: 'POST', body: body, headers: { 'x-csrf-token': box.dataset.csrf } })
      .then(function (r) { return r.ok ? location.reload() : r.text().then(function (t) { err.textContent = t; }); });
  }
  var file = document.getElementById('logo-file');
  file.addEventListener('change', function () { if (file.files[0]) send(file.files[0]); });
  var remove = document.getElementById('logo-remove');
  if (remove) remove.addEventListener('click', function () { send(new Blob([])); });
})();
