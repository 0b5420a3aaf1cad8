// 惠企 web: progressive enhancement only — every page works without this file.
(function () {
  "use strict";

  // Policy countdown: while the window is open, the hours and minutes left tick in the browser.
  // Day counts before and after the window come from the server's Beijing business date, so
  // every page says the same number of days (a browser clock in another zone would not).
  function countdown() {
    var el = document.getElementById("countdown");
    if (!el || !el.classList.contains("open")) return;
    var end = new Date(el.dataset.end + "T23:59:59+08:00");
    var ms = end - new Date();
    if (ms <= 0) return;
    var day = 86400000;
    var d = Math.floor(ms / day), h = Math.floor((ms % day) / 3600000), m = Math.floor((ms % 3600000) / 60000);
    el.textContent = "有效期内，距到期还有 " + d + " 天 " + h + " 小时 " + m + " 分（" + el.dataset.end + " 止）";
  }

  // Calculator: show only the field set of the chosen project kind.
  function projectKinds() {
    var sel = document.getElementById("f-project_kind");
    if (!sel) return;
    function sync() {
      document.querySelectorAll("[data-project-kind]").forEach(function (fs) {
        var on = fs.dataset.projectKind === sel.value;
        fs.hidden = !on;
        fs.querySelectorAll("input,select").forEach(function (i) { i.disabled = !on; });
      });
    }
    sel.addEventListener("change", sync);
    sync();
  }

  // Print buttons.
  function printing() {
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  }

  // Calculator draft: kept in this browser (localStorage) so a firm can come back to it.
  function drafts() {
    var form = document.getElementById("calc-form");
    var save = document.getElementById("save-local");
    if (!form) return;
    var key = "huiqi.calculator.draft";
    if (save) {
      save.hidden = false;
      save.addEventListener("click", function () {
        var data = {};
        new FormData(form).forEach(function (v, k) { data[k] = v; });
        localStorage.setItem(key, JSON.stringify(data));
        var s = document.getElementById("save-local-status");
        if (s) s.textContent = "已在本浏览器保存草稿（" + new Date().toLocaleString("zh-CN") + "）";
      });
    }
    var load = document.getElementById("load-local");
    if (load && localStorage.getItem(key)) {
      load.hidden = false;
      load.addEventListener("click", function () {
        var data = JSON.parse(localStorage.getItem(key) || "{}");
        Object.keys(data).forEach(function (k) {
          var el = form.elements.namedItem(k);
          if (el && el.type !== "checkbox") el.value = data[k];
          else if (el) el.checked = true;
        });
      });
    }
  }

  // Bulk screening: poll the job and move the progress bar until the file is ready.
  function screening() {
    var box = document.getElementById("job");
    if (!box || !box.dataset.poll) return;
    var bar = document.getElementById("job-progress");
    var text = document.getElementById("job-text");
    function tick() {
      fetch(box.dataset.poll, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (body) {
          var j = body.job;
          bar.value = j.percent;
          text.textContent = j.message;
          if (j.state === "done" || j.state === "failed" || j.state === "cancelled") { window.location.reload(); return; }
          setTimeout(tick, 400);
        })
        .catch(function () { setTimeout(tick, 1500); });
    }
    if (box.dataset.state === "running" || box.dataset.state === "queued") tick();
  }

  // A table wider than its box scrolls inside it: keyboard users can reach and scroll it too.
  function scrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth) return;
      var cap = box.querySelector("caption");
      var head = box.closest("section, article, main").querySelector("h1, h2, h3");
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", (cap || head || { textContent: "表格" }).textContent.trim() + "（可左右滚动）");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    scrollers();
    countdown(); projectKinds(); printing(); drafts(); screening();
  });
})();
