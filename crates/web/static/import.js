// Import page: send the chosen file as the request body, then follow the job (htmx polls it).
(function () {
  var form = document.getElementById("import-form");
  if (!form) return;
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var file = document.getElementById("import-file").files[0];
    var kind = document.getElementById("import-kind").value;
    var error = document.getElementById("import-error");
    if (!file) return;
    error.textContent = "";
    fetch("/imports/" + kind + "?filename=" + encodeURIComponent(file.name), {
      method: "POST",
      body: file,
      headers: { "X-CSRF-Token": form.dataset.csrf },
      credentials: "same-origin"
    })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (r) {
        if (r.ok) { window.location = "/imports?job=" + r.body.job; }
        else { error.textContent = r.body.error || form.dataset.failed; }
      })
      .catch(function () { error.textContent = form.dataset.failed; });
  });
})();
