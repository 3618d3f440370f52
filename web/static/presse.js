// Progressive enhancement only: the site works without this file.
// A <select data-autosubmit> (the sort order) or <input data-autosubmit> (the grouping switch)
// submits its form as soon as it changes.
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target && target.matches && target.matches("select[data-autosubmit], input[data-autosubmit]") && target.form) {
    target.form.submit();
  }
});
