// Progressive enhancement only: the site works without this file.
// A <select data-autosubmit> submits its form as soon as it changes (the sort order).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
