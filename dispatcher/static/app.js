// Countdowns to each page's deadline, and the console's board refreshed in place.
(function () {
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : '';
  }
  function tick() {
    document.querySelectorAll('.countdown[data-deadline]').forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
      if (left > 0) {
        el.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0') + ' left';
        el.classList.remove('late');
      } else {
        el.textContent = 'deadline passed';
        el.classList.add('late');
      }
    });
  }
  // A form on the board being filled in (a salesperson chosen, a reason typed) is not
  // wiped by the refresh: the board waits until it is sent or left alone for a minute.
  var boardTouchedAt = 0;
  var boardEl = document.getElementById('board');
  if (boardEl) {
    ['input', 'change', 'focusin'].forEach(function (name) {
      boardEl.addEventListener(name, function (e) {
        if (e.target.closest('form')) boardTouchedAt = Date.now();
      });
    });
  }
  function refreshBoard() {
    var board = document.getElementById('board');
    if (!board) return;
    var active = document.activeElement;
    if (active && active.closest && active.closest('#board form')) return;
    if (Date.now() - boardTouchedAt < 60000) return;
    fetch(board.dataset.refresh, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) { board.innerHTML = html; tick(); } })
      .catch(function () {});
  }
  // A choice that takes effect at once (a salesperson's status); the page's CSP allows
  // no inline handlers, so the behaviour lives here.
  document.querySelectorAll('select[data-submit-on-change]').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });
  var form = document.getElementById('lead-form');
  if (form) {
    form.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.submit(); }
    });
  }
  // As the number is typed, say whether the caller is a known client and whose (O1).
  var info = document.getElementById('caller-info');
  var phone = document.getElementById('caller_phone');
  if (info && phone) {
    var timer = null;
    phone.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        // POSTed, so callers' numbers stay out of URLs and the access logs.
        fetch(info.dataset.lookup, {
          method: 'POST',
          credentials: 'same-origin',
          headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrfToken()},
          body: JSON.stringify({phone: phone.value})
        })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (found) {
            if (!found || !found.complete) { info.textContent = ''; return; }
            if (found.known) {
              info.textContent = 'Known client of ' + found.owner + ', last contact ' +
                found.last_contact + (found.ownership_valid ? '' : ' (ownership lapsed)');
            } else {
              info.textContent = found.previous_leads ?
                'Called before (' + found.previous_leads + '), no owner yet' : 'New caller';
            }
          })
          .catch(function () {});
      }, 250);
    });
  }
  tick();
  setInterval(tick, 1000);
  setInterval(refreshBoard, 3000);
})();
