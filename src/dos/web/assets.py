"""The dashboard's one script (a plain ES module) and its stylesheet, served from ``/static/``.

No build step. The script follows ``/api/stream`` (server-sent events: the log's seq) and,
on each change, swaps in the server-rendered fragment of the page it is on; it counts lease
expiries down each second from the server's clock; with operations enabled it posts them
with the page's CSRF token. It never builds markup from data itself.
"""

from __future__ import annotations

APP_JS = r"""
const main = document.getElementById('main');
const live = document.getElementById('live');
const csrf = (document.querySelector('meta[name=dos-csrf]') || {}).content || '';
let skew = 0;

function setSkew() {
  const f = document.getElementById('frag');
  if (f && f.dataset.nowMs) skew = Number(f.dataset.nowMs) - Date.now();
}

function fmt(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 120) return s + 's';
  if (s < 7200) return Math.floor(s / 60) + 'm ' + String(s % 60).padStart(2, '0') + 's';
  return Math.floor(s / 3600) + 'h ' + String(Math.floor(s / 60) % 60).padStart(2, '0') + 'm';
}

function tick() {
  const now = Date.now() + skew;
  for (const el of document.querySelectorAll('.countdown')) {
    const left = Number(el.dataset.expiresMs) - now;
    el.textContent = left <= 0 ? 'expired' : fmt(left);
    el.classList.toggle('expired', left <= 0);
  }
  for (const el of document.querySelectorAll('.age')) el.textContent = fmt(Math.max(0, now - Number(el.dataset.atMs)));
  for (const el of document.querySelectorAll('time.clock')) el.textContent = new Date(now).toISOString().slice(0, 19) + 'Z';
}

// Swap in a fragment: when its shape (the lanes it lists) is unchanged, only the rows, cards and
// sections whose signature changed are replaced, so a fleet of a thousand lanes redraws what moved.
function patch(html) {
  const tpl = document.createElement('template');
  tpl.innerHTML = html;
  const next = tpl.content.getElementById('frag');
  const cur = document.getElementById('frag');
  if (!next || !cur || !next.dataset.shape || next.dataset.shape !== cur.dataset.shape) {
    main.replaceChildren(tpl.content);
    return;
  }
  const old = new Map();
  for (const el of cur.querySelectorAll('[data-k]')) old.set(el.dataset.k, el);
  for (const el of next.querySelectorAll('[data-k]')) {
    const o = old.get(el.dataset.k);
    if (!o) { main.replaceChildren(tpl.content); return; }
    if (o.dataset.sig !== el.dataset.sig) o.replaceWith(el.cloneNode(true));
  }
  cur.dataset.nowMs = next.dataset.nowMs;
  cur.dataset.seq = next.dataset.seq;
}

const MIN_GAP_MS = 200;   // a busy fleet moves the log many times a second: at most 5 redraws a second
let busy = false, again = false, last = 0;
async function reload() {
  if (busy) { again = true; return; }
  const wait = last + MIN_GAP_MS - Date.now();
  if (wait > 0) { busy = true; setTimeout(() => { busy = false; reload(); }, wait); return; }
  busy = true;
  last = Date.now();
  try {
    const r = await fetch(location.pathname + location.search,
                          {headers: {'X-DOS-Fragment': '1'}, credentials: 'same-origin', cache: 'no-store'});
    if (r.ok) {
      patch(await r.text());   // a fragment this server rendered and escaped
      setSkew();
      tick();
      document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    }
  } catch (err) {
    live.textContent = 'update failed; retrying';
  } finally {
    busy = false;
    if (again) { again = false; reload(); }
  }
}

const stream = new EventSource('/api/stream');
stream.addEventListener('seq', (ev) => {
  const pos = JSON.parse(ev.data);
  live.textContent = 'live · seq ' + pos.seq;
  live.className = 'live on';
  document.body.dataset.seq = String(pos.seq);
  reload();
});
stream.onerror = () => { live.textContent = 'reconnecting…'; live.className = 'live off'; };

main.addEventListener('click', async (ev) => {
  const b = ev.target.closest('button.op');
  if (!b) return;
  const what = b.dataset.op === 'halt' ? 'record a HALT for the run holding this lease' : 'release this expired lease';
  if (!window.confirm('dos: ' + what + '?')) return;
  b.disabled = true;
  const r = await fetch('/api/ops/' + encodeURIComponent(b.dataset.op), {
    method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-DOS-CSRF': csrf},
    body: JSON.stringify({lease_id: b.dataset.lease}),
  });
  const body = await r.json().catch(() => ({}));
  document.getElementById('opstatus').textContent = r.ok ? ('done: ' + b.dataset.op)
                                                         : ('refused: ' + (body.error || r.status));
  reload();
});

setSkew();
tick();
setInterval(tick, 1000);
"""

STYLE_CSS = r"""
:root { --fg: #1d232a; --muted: #6b7480; --bg: #fbfbfc; --line: #e3e6ea; --green: #1f8b4c; --yellow: #b7791f;
        --red: #c53030; --blue: #2b6cb0; font-family: system-ui, sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
header { display: flex; gap: 1rem; align-items: center; padding: .5rem 1rem; border-bottom: 1px solid var(--line);
         background: #fff; position: sticky; top: 0; }
header nav a { margin-right: .75rem; color: var(--blue); text-decoration: none; }
header nav a.current { font-weight: 600; text-decoration: underline; }
.live { margin-left: auto; font-size: .85rem; color: var(--muted); }
.live.on::before { content: "● "; color: var(--green); }
.live.off::before { content: "● "; color: var(--red); }
main { padding: 1rem; }
h1 small, h2 small { color: var(--muted); font-weight: normal; font-size: .8rem; }
h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; background: #fff; }
th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top;
         overflow-wrap: anywhere; }
th { color: var(--muted); font-weight: 600; }
.empty { color: var(--muted); font-style: italic; }
.chip { font-size: .75rem; padding: .05rem .4rem; border-radius: .6rem; border: 1px solid currentColor; white-space: nowrap; }
.chip.advancing { color: var(--green); } .chip.spinning { color: var(--yellow); } .chip.stalled { color: var(--red); }
.chip.spawning { color: var(--blue); } .chip.free { color: var(--muted); }
.expired { color: var(--red); }
.countdown { font-variant-numeric: tabular-nums; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 1rem; }
.map .node { border: 1px solid var(--line); border-radius: .4rem; padding: .3rem .5rem; margin: .3rem 0; background: #fff; }
.map .node .node { margin-left: 1rem; }
.map .path { font-family: ui-monospace, monospace; color: var(--muted); font-size: .8rem; }
.map .cards { display: flex; flex-wrap: wrap; gap: .4rem; margin: .2rem 0; }
.card { border: 1px solid var(--line); border-left: 4px solid var(--muted); border-radius: .3rem; padding: .2rem .4rem; font-size: .85rem; }
.card.advancing { border-left-color: var(--green); } .card.spinning { border-left-color: var(--yellow); }
.card.stalled { border-left-color: var(--red); }
.lane { font-weight: 600; }
.leaf { display: inline-flex; align-items: center; gap: .2rem; }
section.big { content-visibility: auto; contain-intrinsic-size: auto 1200px; }
code.cmd { font-size: .8rem; background: #f1f3f5; padding: .05rem .3rem; border-radius: .2rem; }
.filters label { margin-right: .5rem; font-size: .85rem; }
.filters input { width: 8rem; }
footer { color: var(--muted); font-size: .8rem; padding: 1rem; }
button.op { font-size: .75rem; }
"""
