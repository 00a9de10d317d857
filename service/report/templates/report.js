(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); document.documentElement.dataset.jsErrors = errors.join(" | "); });

  function byId(id) { return id ? document.getElementById(id) : null; }
  function closeAll(except) {
    document.querySelectorAll("mark.fig.open").forEach(function (m) { if (m !== except) m.classList.remove("open"); });
  }
  function place(mark) {
    mark.classList.toggle("flip", mark.getBoundingClientRect().left + 480 > document.documentElement.clientWidth);
  }
  function link(mark, on) {
    if (on) place(mark);
    (mark.dataset.target || "").split(" ").forEach(function (id) {
      var cell = byId(id);
      if (cell) cell.classList.toggle("linked", on);
    });
  }
  document.querySelectorAll("mark.fig").forEach(function (mark) {
    mark.addEventListener("click", function (e) {
      e.stopPropagation();
      closeAll(mark);
      place(mark);
      mark.classList.toggle("open");
    });
    mark.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); closeAll(mark); mark.classList.toggle("open"); }
      if (e.key === "Escape") { mark.classList.remove("open"); }
    });
    ["mouseenter", "focus"].forEach(function (ev) { mark.addEventListener(ev, function () { link(mark, true); }); });
    ["mouseleave", "blur"].forEach(function (ev) { mark.addEventListener(ev, function () { link(mark, false); }); });
  });
  document.addEventListener("click", function () { closeAll(null); });

  document.querySelectorAll(".evidence a[data-target]").forEach(function (a) {
    a.addEventListener("click", function () {
      var target = byId(a.dataset.target);
      if (!target) return;
      target.classList.remove("flash");
      void target.offsetWidth;
      target.classList.add("flash");
      if (target.classList.contains("fig")) { closeAll(target); target.classList.add("open"); }
    });
  });

  document.querySelectorAll(".filters input[data-severity]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.querySelectorAll('.finding[data-severity="' + box.dataset.severity + '"]').forEach(function (li) {
        li.classList.toggle("hidden", !box.checked);
      });
    });
  });
  document.documentElement.dataset.reportReady = "1";
})();
