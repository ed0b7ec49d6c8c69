// The frame around every view: navigation cut to the profile's rights, the
// default-PIN banner, logout, and the footer with the certificate fingerprint.

import { h } from './dom.js';
import { api } from './api.js';
import { go } from './router.js';
import { session, can, onSessionChange, setSession, PROFILE_LABELS } from './session.js';
import { showError } from './forms.js';
import { formatDuration } from './format.js';
import { poll } from './poll.js';

const ALARM_BADGE_MS = 10000;

// The route table, from app.js: its views import this module, which
// therefore cannot import it.
let routes = [];

const $ = (id) => document.getElementById(id);

export function initShell(table) {
	routes = table;
	const button = $('menu-button');
	button.addEventListener('click', () => setMenu(button.getAttribute('aria-expanded') !== 'true'));
	document.addEventListener('keydown', (ev) => {
		if (ev.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
			setMenu(false);
			button.focus();
		}
	});
	$('logout').addEventListener('click', logout);
	$('skip-link').addEventListener('click', (ev) => {
		ev.preventDefault();	// the hash is the router's
		$('main').focus();
	});
	window.addEventListener('hashchange', () => {
		setMenu(false);
		markCurrent();
	});
	onSessionChange(renderSession);
	renderSession(session());
}

function setMenu(open) {
	$('menu-button').setAttribute('aria-expanded', String(open));
	$('site-nav').classList.toggle('open', open);
}

// The page's own menu entry, or the one it is under. A path with a
// parameter covers every address that starts with its fixed part: #/bus/…
// lights Buses.
function menuHref(hash) {
	const path = hash.slice(1);
	const route = routes.find((r) => (r.menu || r.under) && (r.path.includes(':') ?
	    path.startsWith(r.path.slice(0, r.path.indexOf(':'))) : path === r.path));
	return route ? `#${route.under || route.path}` : null;
}

function markCurrent() {
	const current = menuHref(location.hash.split('?')[0]);
	for (const a of $('nav-list').querySelectorAll('a')) {
		if (a.getAttribute('href') === current)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
}

function renderSession(s) {
	document.body.classList.toggle('has-session', s !== null);
	$('nav-list').replaceChildren(...routes.filter((r) => r.menu && can(r.view.right)).map((r) =>
	    h('li', null, h('a', { class: 'nav-link', href: `#${r.path}` }, r.menu))));
	markCurrent();
	$('account-profile').textContent = s ? PROFILE_LABELS[s.profile] || s.profile : '';
	renderBanner(s !== null && s.must_change_pin);
	// The status needs a session: before one, a request would be a 401.
	if (s !== null)
		loadStatus();
	else
		$('footer').replaceChildren();
	watchAlarms(s !== null);
}

// The header's count of alarms nobody has acknowledged yet, on every page.
let stopAlarms = null;

function watchAlarms(on) {
	if (stopAlarms)
		stopAlarms();
	stopAlarms = on ? poll(refreshAlarmBadge, ALARM_BADGE_MS) : null;
	if (!on)
		showAlarmBadge(0);
}

function showAlarmBadge(n) {
	let el = $('alarm-badge');
	if (!el) {
		el = h('a', { class: 'alarm-badge', id: 'alarm-badge', href: '#/alarms', hidden: true });
		document.querySelector('.topbar .brand').after(el);
	}
	el.hidden = n === 0;
	el.textContent = n === 1 ? '1 alarm' : `${n} alarms`;
	el.setAttribute('aria-label', `${el.textContent} not acknowledged`);
}

export async function refreshAlarmBadge() {
	try {
		const data = await api.get('alarms');
		showAlarmBadge(data.unacknowledged || 0);
	} catch {
		// The alarms page says why; the badge just keeps what it showed.
	}
}

// Removed, not hidden, once the PIN is changed: nothing of it stays behind.
function renderBanner(show) {
	const existing = $('pin-banner');
	if (!show) {
		if (existing)
			existing.remove();
		return;
	}
	if (existing)
		return;
	$('banner-slot').append(h('div', { class: 'pin-banner', id: 'pin-banner' },
	    h('p', null, 'You are using the default PIN: ',
		h('a', { href: '#/pin' }, 'change it now'))));
}

async function logout() {
	const button = $('logout');
	button.disabled = true;
	try {
		await api.post('logout', {}, { expired: false });
	} catch (e) {
		if (e.status !== 401) {	// 401: the session had already ended
			showError(e);
			return;
		}
	} finally {
		button.disabled = false;
	}
	setSession(null);
	go('#/login', { flash: { notice: 'You are logged out.' } });
}

// The footer is for checking the self-signed certificate the browser warned
// about, once logged in; if the server refuses it, it simply stays empty.
async function loadStatus() {
	let st;
	try {
		st = await api.get('status', { expired: false });
	} catch {
		return;
	}
	$('brand-host').textContent = st.hostname || '';
	const cert = st.certificate || {};
	// replaceChildren, unlike h(), writes a null out as the text "null".
	$('footer').replaceChildren(...[
	    h('p', null, `mews ${st.version || ''}`,
		st.hostname ? ` on ${st.hostname}` : '',
		typeof st.uptime_s === 'number' ? ` · running for ${formatDuration(st.uptime_s)}` : ''),
	    st.fingerprint ? h('p', { class: 'fingerprint' },
		h('span', null, cert.self_signed ? 'Self-signed certificate fingerprint: ' : 'Certificate fingerprint: '),
		h('code', null, st.fingerprint)) : null].filter(Boolean));
}
