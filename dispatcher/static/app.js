// Countdowns to each page's deadline; the console's board and today's leads, and the
// salesperson's page, refreshed in place.
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
  function boardInUse() {
    var active = document.activeElement;
    if (active && active.closest && active.closest('#board form')) return true;
    return Date.now() - boardTouchedAt < 60000;
  }
  // A part of the page fetched again from its data-refresh address and put in place;
  // ``busy`` says when not to (someone is using it), ``after`` runs once it is in.
  function refresh(id, busy, after) {
    var part = document.getElementById(id);
    if (!part || (busy && busy(part))) return;
    fetch(part.dataset.refresh, {credentials: 'same-origin'})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null || (busy && busy(part))) return;
        part.innerHTML = html;
        tick();
        if (after) after();
      })
      .catch(function () {});
  }
  function refreshBoard() {
    refresh('board', boardInUse);
    refresh('today', null, filterToday);
  }
  // Today's leads, filtered here as the coordinator types: by the caller's phone (any
  // run of its digits), name, or the ref ("12", "Ref 12", "#12"). Nothing typed here
  // is sent anywhere: callers' numbers stay out of URLs and logs.
  var search = document.getElementById('today-search');
  function filterToday() {
    if (!search) return;
    var raw = search.value.trim().toLowerCase();
    // "Ref 5" or "#5" asks for that ref alone, not every number with a 5 in it.
    var refOnly = /^(ref\s*|#)\d/.test(raw);
    var typed = raw.replace(/^(ref\s*|#)/, '');
    var digits = typed.replace(/\D/g, '');
    var byName = /[^\d\s()+.\-]/.test(typed);
    var shown = 0;
    var rows = document.querySelectorAll('#today tr[data-today]');
    rows.forEach(function (row) {
      var match = !typed ||
        (byName ? row.dataset.name.indexOf(typed) !== -1 :
          digits !== '' && (row.dataset.today === digits ||
            (!refOnly && row.dataset.phone.indexOf(digits) !== -1)));
      row.hidden = !match;
      if (match) shown += 1;
    });
    var none = document.getElementById('today-none');
    if (none) none.hidden = !(typed && rows.length && shown === 0);
  }
  if (search) search.addEventListener('input', filterToday);
  // The salesperson's page: not while they are choosing an outcome or pressing a
  // button in it, so a refresh never undoes what they are doing.
  function mine(part) {
    return part.contains(document.activeElement) ||
      Array.prototype.some.call(part.querySelectorAll('select'), function (s) { return s.value !== ''; });
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
  // As the number is typed, say whether the caller is a known client and whose (O1),
  // and fill in the name they gave last time when the Name field is empty (or still
  // holds the name filled in for a number typed before).
  var info = document.getElementById('caller-info');
  var phone = document.getElementById('caller_phone');
  var name = document.getElementById('caller_name');
  var filled = '';
  function fillName(found) {
    if (!name) return;
    var theirs = (found && found.name) || '';
    if (name.value === '' || (filled !== '' && name.value === filled)) {
      name.value = theirs;
      filled = theirs;
    }
  }
  // X2: a returning client whose salesperson is still theirs is asked whether that
  // salesperson suits them; "No, someone else" asks for the reason, which is required.
  var ownerCheck = document.getElementById('owner-check');
  var ownerName = document.getElementById('owner-name');
  var someoneElse = document.getElementById('someone-else');
  var keepsOwner = document.getElementById('keeps-owner');
  var reasonLabel = document.getElementById('declines-reason');
  var reason = document.getElementById('declines_owner_reason');
  function showReason() {
    if (!someoneElse || !reason) return;
    var declining = someoneElse.checked && !ownerCheck.hidden;
    reasonLabel.hidden = !declining;
    reason.disabled = !declining;
    reason.required = declining;
  }
  function askAboutOwner(found) {
    if (!ownerCheck) return;
    var ask = !!(found && found.known && found.ownership_valid);
    ownerCheck.hidden = !ask;
    if (ask) ownerName.textContent = found.owner;
    else if (keepsOwner) keepsOwner.checked = true;
    showReason();
  }
  [someoneElse, keepsOwner].forEach(function (radio) {
    if (radio) radio.addEventListener('change', showReason);
  });
  if (info && phone) {
    var timer = null;
    function lookUp() {
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
            if (!found || !found.complete) {
              info.textContent = ''; fillName(null); askAboutOwner(null); return;
            }
            fillName(found);
            askAboutOwner(found);
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
    }
    phone.addEventListener('input', lookUp);
    // A number already there (a call stub being completed, a form sent back to fix):
    // looked up at once, so the question about the salesperson is asked again.
    if (phone.value.trim() !== '') lookUp();
  }
  tick();
  setInterval(tick, 1000);
  if (document.getElementById('board')) setInterval(refreshBoard, 3000);
  if (document.getElementById('my-live')) {
    setInterval(function () { refresh('my-live', mine); }, 5000);
  }
})();
