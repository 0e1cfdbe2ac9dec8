// virtgate fleet dashboard: what htmx does not do by itself.
// - a request that fails shows why, in place (never a blank or silently stale section);
// - the upgrade window's countdown ticks every second;
// - a pair matrix cell shows its reasons on demand.
(function () {
  "use strict";

  function describe(xhr) {
    if (xhr.status === 401) {
      return 'Your session has ended: <a href="/dashboard/signin?expired">sign in again</a>.';
    }
    if (xhr.status === 403) {
      return "Refused: your role may not do this (" + text(problemDetail(xhr) || "403") + ").";
    }
    return "Failed (HTTP " + xhr.status + "): " + text(problemDetail(xhr) || xhr.statusText || "no answer");
  }

  function problemDetail(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("json") < 0) {
      return null;
    }
    try {
      return JSON.parse(xhr.responseText).detail;
    } catch (e) {
      return null;
    }
  }

  function text(s) {
    var d = document.createElement("div");
    d.textContent = s;
    return d.innerHTML;
  }

  function show(target, html) {
    var flash = document.getElementById("flash");
    var where = target && target.id !== "flash" && target.tagName === "SECTION" ? target : flash;
    var p = where.querySelector(":scope > p.request-error") || document.createElement("p");
    p.className = "error request-error";
    p.innerHTML = html;
    if (where === flash) {
      flash.replaceChildren(p);
    } else if (!p.parentNode) {
      where.insertBefore(p, where.children[1] || null);
    }
  }

  function span(ms) {
    if (ms <= 0) {
      return "expired";
    }
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
    return (h > 0 ? h + " h " : "") + (h > 0 || m > 0 ? m + " min " : "") + (s % 60) + " s";
  }

  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      el.textContent = span(Number(el.getAttribute("data-countdown")) - Date.now());
    });
  }

  document.addEventListener("htmx:responseError", function (e) {
    show(e.detail.target, describe(e.detail.xhr));
  });
  document.addEventListener("htmx:sendError", function () {
    document.getElementById("unreachable").hidden = false;
  });
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.successful) {
      document.getElementById("unreachable").hidden = true;
    }
  });
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("click", function (e) {
    var cell = e.target.closest && e.target.closest("button.cell");
    if (!cell) {
      return;
    }
    var panel = document.getElementById("reasons");
    var list = document.createElement("ul");
    (cell.getAttribute("data-reasons") || "").split("; ").forEach(function (r) {
      if (r) {
        var li = document.createElement("li");
        li.textContent = r;
        list.appendChild(li);
      }
    });
    var title = document.createElement("p");
    title.id = "reasons-pair";
    title.textContent = cell.getAttribute("data-pair");
    panel.replaceChildren(panel.querySelector("h2"), title, list);
  });
  setInterval(tick, 1000);
})();
