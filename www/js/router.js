// Hash routes (#/device/main?x=1): the box serves one page, and a reload or a
// bookmark lands on the same view.
//
// A view: { title, right, guest, redirect(ctx), render(root, ctx) }.
// right: the session right needed ("read", "configure", "admin"); guest:
// only without a session (login, unlock). ctx carries the route's params and
// query and stops the view's timers when the user leaves it.

import { h } from './dom.js';
import { poll } from './poll.js';
import { session, can } from './session.js';
import { clearAlert, showAlert, notify } from './messages.js';

const routes = [];
let leaveCurrent = null;
let afterLogin = null;
let flash = null;

export function defineRoute(pattern, view) {
	const keys = [];
	const source = pattern.replace(/:(\w+)/g, (_, key) => {
		keys.push(key);
		return '([^/?]+)';
	});
	routes.push({ re: new RegExp(`^${source}$`), keys, view });
}

// flash: {alert} or {notice} to show once the next view is on screen, since
// changing view clears the alert.
export function go(hash, { replace = false, flash: message = null } = {}) {
	flash = message;
	if (location.hash === hash)
		render();
	else if (replace)
		location.replace(hash);
	else
		location.hash = hash;
}

export function rememberRoute() {
	const hash = location.hash;
	if (hash.startsWith('#/') && !/^#\/(login|unlock)\b/.test(hash))
		afterLogin = hash;
}

export function routeAfterLogin() {
	const hash = afterLogin || '#/home';
	afterLogin = null;
	return hash;
}

export function start() {
	window.addEventListener('hashchange', render);
	render();
}

function parse() {
	const raw = location.hash.slice(1);
	const q = raw.indexOf('?');
	return {
		path: q < 0 ? raw : raw.slice(0, q),
		query: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
	};
}

function find(path) {
	for (const r of routes) {
		const m = r.re.exec(path);
		if (!m)
			continue;
		try {
			const params = {};
			r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
			return { view: r.view, params };
		} catch {
			return null;	// a malformed %-escape: no such page
		}
	}
	return null;
}

function makeContext(params, query) {
	let alive = true;
	const cleanups = [];
	const ctx = {
		params, query, focus: null,
		get alive() { return alive; },
		onLeave(fn) { cleanups.push(fn); },
		poll(fn, ms) {
			const stop = poll(fn, ms);
			cleanups.push(stop);
			return stop;
		},
		setTitle(title) { document.title = `${title} · mews`; },
	};
	const leave = () => {
		alive = false;
		for (const fn of cleanups)
			fn();
	};
	return { ctx, leave };
}

function render() {
	// In-page anchors such as the skip link are not routes.
	if (location.hash && !location.hash.startsWith('#/'))
		return;
	const { path, query } = parse();
	if (path === '' || path === '/')
		return go(session() ? '#/home' : '#/login', { replace: true, flash });
	const match = find(path);
	if (match && !match.view.guest && !session()) {
		afterLogin = location.hash;
		return go('#/login', { replace: true, flash });
	}
	if (match && match.view.guest && session())
		return go('#/home', { replace: true, flash });

	const { ctx, leave } = makeContext(match ? match.params : {}, query);
	const target = match && match.view.redirect ? match.view.redirect(ctx) : null;
	if (target)
		return go(target, { replace: true, flash });

	if (leaveCurrent)
		leaveCurrent();
	leaveCurrent = leave;
	clearAlert();
	const root = document.getElementById('main');
	root.replaceChildren();
	window.scrollTo(0, 0);
	if (!match) {
		ctx.setTitle('Not found');
		root.append(h('h1', { tabindex: '-1' }, 'Page not found'),
		    h('p', null, 'No page has this address. ', h('a', { href: '#/home' }, 'Go to the home page'), '.'));
	} else if (match.view.right && !can(match.view.right)) {
		ctx.setTitle('Not allowed');
		root.append(h('h1', { tabindex: '-1' }, 'Not allowed'),
		    h('p', null, 'Your profile cannot open this page. ', h('a', { href: '#/home' }, 'Go to the home page'), '.'));
	} else {
		ctx.setTitle(match.view.title);
		match.view.render(root, ctx);
	}
	const focus = ctx.focus || root.querySelector('h1');
	if (focus)
		focus.focus();
	if (flash && flash.alert)
		showAlert(flash.alert);
	if (flash && flash.notice)
		notify(flash.notice);
	flash = null;
}
