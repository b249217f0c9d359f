// Slipway dashboard: confirmation dialogs, a live build log and live deployment rows.
// Everything works without it.
(function () {
  "use strict";

  // Actions ask first; without JavaScript the server shows a confirmation page instead.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (!question) {
      return;
    }
    if (!window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.appendChild(confirmed);
  });

  // A secret shown once: a click in it selects it whole, and a Copy button copies it.
  function copyButton(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.addEventListener("focus", function () { field.select(); });
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      var copied = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, function () {
          if (document.execCommand("copy")) { copied(); }
        });
      } else if (document.execCommand("copy")) {
        copied();
      }
    });
  }
  var copies = document.querySelectorAll("[data-copy]");
  for (var c = 0; c < copies.length; c++) { copyButton(copies[c]); }

  function nearBottom(element) {
    return element.scrollHeight - element.scrollTop - element.clientHeight < 40;
  }

  // On a phone the log box is most of the page and its end starts below the fold: the page
  // follows too, keeping the box's bottom in view, until the reader scrolls the page away
  // from it (scrolling back to it follows again). A desktop's page never moves by itself.
  var NARROW = "(max-width: 40rem)";  // the stylesheet's single-column layout

  function PageFollow(log) {
    this.log = log;
    this.on = true;
    this.at = window.scrollY;  // where the page was when this last looked or scrolled it
    var self = this;
    window.addEventListener("scroll", function () { self.look(); }, { passive: true });
  }

  // A position the page was not left at is the reader's doing: follow on only while the
  // log's end is still in view.
  PageFollow.prototype.look = function () {
    if (Math.abs(window.scrollY - this.at) < 2) { return; }
    this.at = window.scrollY;
    this.on = this.bottomInView();
  };

  PageFollow.prototype.bottomInView = function () {
    return this.log.getBoundingClientRect().bottom <= window.innerHeight + 40;
  };

  PageFollow.prototype.keep = function () {
    // The reader may have scrolled since, with the scroll event not yet delivered: a line
    // arriving in between must not pull the page back down.
    this.look();
    if (!this.on || !window.matchMedia(NARROW).matches) { return; }
    var below = this.log.getBoundingClientRect().bottom - window.innerHeight;
    if (below > 0) {
      window.scrollBy(0, below + 8);
      this.at = window.scrollY;
    }
  };

  // The counterpart of services/core/timefmt.human_span: "45s", "3m05s", "2h10m", "3d".
  function humanSpan(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    if (seconds < 60) { return seconds + "s"; }
    var minutes = Math.floor(seconds / 60);
    seconds = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    if (minutes < 60) { return seconds ? minutes + "m" + two(seconds) + "s" : minutes + "m"; }
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 48) { return minutes ? hours + "h" + two(minutes) + "m" : hours + "h"; }
    return Math.floor(hours / 24) + "d";
  }

  function secondsSince(iso) {
    return (Date.now() - Date.parse(iso)) / 1000;
  }

  // Ages ("3m ago") and a running build's duration stay true while the page is open.
  function tick() {
    var ages = document.querySelectorAll("time[data-age]");
    for (var i = 0; i < ages.length; i++) {
      ages[i].textContent = humanSpan(secondsSince(ages[i].getAttribute("datetime"))) + " ago";
    }
    var running = document.querySelectorAll("[data-since]");
    for (var r = 0; r < running.length; r++) {
      running[r].textContent = humanSpan(secondsSince(running[r].getAttribute("data-since")));
    }
  }
  window.setInterval(tick, 1000);

  // Shows a deployment's status answer (/dashboard/deployments/<id>/status) in the elements
  // of `scope` marked data-show: the words are the server's, as its templates render them.
  function showState(state, scope) {
    function shown(field) { return scope.querySelector("[data-show=" + field + "]"); }
    var badge = shown("label");
    if (badge) {
      badge.textContent = state.label;
      badge.className = "badge status-" + state.status;
    }
    var commit = shown("commit");
    if (commit && state.commit) { commit.textContent = state.commit; }
    var short = shown("short");
    if (short && state.commit) {
      short.textContent = state.short;
      short.title = state.commit;
    }
    var subject = shown("subject");
    if (subject) { subject.textContent = state.subject; }
    var duration = shown("duration");
    if (duration && state.final) {
      duration.removeAttribute("data-since");  // it stops counting, at the build's own length
      duration.textContent = state.duration;
    } else if (duration && state.started_at) {
      duration.setAttribute("data-since", state.started_at);
    }
    var visit = shown("visit");
    var link = visit && visit.querySelector("template");
    if (link && state.status === "ready") {  // a failed or canceled build serves nothing
      visit.textContent = "";
      visit.appendChild(link.content.cloneNode(true));
    }
  }

  // Asks every `every` ms until the deployment has ended. A branch's commit subject is
  // recorded just after its build ends: without one, a last answer is asked for.
  function watchStatus(url, scope, every) {
    var ended = false;
    var timer = window.setInterval(function () {
      window.fetch(url, { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          showState(state, scope);
          if (state.final && (state.subject || ended)) {
            window.clearInterval(timer);
          }
          ended = state.final;
        })
        .catch(function () { /* the next tick tries again */ });
    }, every);
    return timer;
  }

  // A project's deployments table: each queued or building row follows its deployment.
  var rows = document.querySelectorAll("#deployments tr[data-status]");
  for (var w = 0; w < rows.length; w++) {
    watchStatus(rows[w].getAttribute("data-status"), rows[w], 2000);
  }

  // The live counterpart of services/api/dashboard/log_html.py: SGR colour codes become
  // spans with the same classes, other escape sequences are dropped, and the text is only
  // ever set as a text node, never parsed as markup.
  var ESCAPES = /\x1b\[([0-9;]*)m|\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]|\x1b/g;
  var INCOMPLETE = /\x1b(\[[0-?]*[ -\/]*|\][^\x07\x1b]*)?$/;
  var STYLES = { 1: "bold", 2: "dim", 3: "italic", 4: "underline" };
  var STYLE_RESETS = { 22: ["bold", "dim"], 23: ["italic"], 24: ["underline"] };

  function AnsiWriter(target) {
    this.target = target;
    this.pending = "";  // an escape sequence cut by the end of a chunk
    this.fg = null;
    this.bg = null;
    this.styles = {};
  }

  AnsiWriter.prototype.classes = function () {
    var names = Object.keys(this.styles).sort().map(function (s) { return "ansi-" + s; });
    if (this.fg !== null) { names.push("ansi-fg-" + this.fg); }
    if (this.bg !== null) { names.push("ansi-bg-" + this.bg); }
    return names.join(" ");
  };

  AnsiWriter.prototype.text = function (text) {
    if (!text) { return; }
    var classes = this.classes();
    var node = document.createTextNode(text);
    if (classes) {
      var span = document.createElement("span");
      span.className = classes;
      span.appendChild(node);
      node = span;
    }
    this.target.appendChild(node);
  };

  AnsiWriter.prototype.apply = function (params) {
    var codes = params ? params.split(";").map(function (p) { return parseInt(p, 10) || 0; }) : [0];
    for (var i = 0; i < codes.length; i++) {
      var code = codes[i];
      if (code === 0) {
        this.fg = null; this.bg = null; this.styles = {};
      } else if (STYLES[code]) {
        this.styles[STYLES[code]] = true;
      } else if (STYLE_RESETS[code]) {
        for (var r = 0; r < STYLE_RESETS[code].length; r++) { delete this.styles[STYLE_RESETS[code][r]]; }
      } else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) {
        this.fg = code < 90 ? code - 30 : code - 90 + 8;
      } else if ((code >= 40 && code <= 47) || (code >= 100 && code <= 107)) {
        this.bg = code < 100 ? code - 40 : code - 100 + 8;
      } else if (code === 39) {
        this.fg = null;
      } else if (code === 49) {
        this.bg = null;
      } else if (code === 38 || code === 48) {  // 256-colour or true colour: default colour
        i += codes[i + 1] === 5 ? 2 : 4;
      }
    }
  };

  AnsiWriter.prototype.write = function (chunk) {
    var text = this.pending + chunk;
    var cut = INCOMPLETE.exec(text);
    if (cut && text.length - cut.index > 256) { cut = null; }  // a stray ESC, not a cut one
    this.pending = cut ? cut[0] : "";
    if (cut) { text = text.slice(0, cut.index); }
    var position = 0;
    var match;
    ESCAPES.lastIndex = 0;
    while ((match = ESCAPES.exec(text)) !== null) {
      this.text(text.slice(position, match.index));
      position = ESCAPES.lastIndex;
      if (match[1] !== undefined) { this.apply(match[1]); }
    }
    this.text(text.slice(position));
  };

  function followLog(log) {
    var timer = watchStatus(log.getAttribute("data-status"), document, 1500);
    var decoder = new TextDecoder();
    var started = false;
    var writer = null;
    var page = new PageFollow(log);

    function finished() {
      window.clearInterval(timer);
      // The final page shows the outcome and the actions that now apply.
      window.location.replace(window.location.pathname);
    }

    window.fetch(log.getAttribute("data-follow"), { credentials: "same-origin" })
      .then(function (response) {
        // A redirect here means the session ended: reloading shows the sign-in page.
        if (!response.ok || response.redirected || !response.body) {
          throw new Error("log stream unavailable");
        }
        var reader = response.body.getReader();
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              finished();
              return undefined;
            }
            var stick = nearBottom(log);
            if (!started) {
              log.textContent = "";  // the stream starts again from the first line
              writer = new AnsiWriter(log);
              started = true;
            }
            writer.write(decoder.decode(chunk.value, { stream: true }));
            if (stick) {
              log.scrollTop = log.scrollHeight;
              page.keep();
            }
            return pump();
          });
        }
        return pump();
      })
      .catch(function () {
        window.setTimeout(finished, 3000);
      });
  }

  var log = document.getElementById("log");
  if (log && log.getAttribute("data-follow")) {
    followLog(log);
  } else if (log && log.hasAttribute("data-end")) {
    log.scrollTop = log.scrollHeight;  // a finished log opens at its end, where the cause is
  }
})();
