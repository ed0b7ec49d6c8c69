// Start-up: ask whether a session is already open, then hand over to the router.

import { h } from './dom.js';
import { api, onSessionExpired } from './api.js';
import { defineRoute, go, rememberRoute, start } from './router.js';
import { session, setSession } from './session.js';
import { initShell } from './shell.js';
import { initMessages } from './messages.js';
import { ROUTES } from './routes.js';

for (const r of ROUTES)
	defineRoute(r.path, r.view);

onSessionExpired(() => {
	if (!session())
		return;	// several refreshes can fail at once: one redirect is enough
	rememberRoute();
	setSession(null);
	go('#/login', { flash: { alert: 'Your session has ended: log in again.' } });
});

// The server sets mews_in beside the session's own cookie (which the page
// cannot read): without it there is no session to ask for.
function mayHaveSession() {
	return document.cookie.split('; ').includes('mews_in=1');
}

async function connect() {
	if (!mayHaveSession()) {
		start();
		return;
	}
	try {
		setSession(await api.get('session', { expired: false }));
	} catch (e) {
		if (e.status !== 401) {
			unreachable(e.message);
			return;
		}
	}
	start();
}

function unreachable(message) {
	const retry = h('button', { type: 'button', class: 'button primary' }, 'Try again');
	retry.addEventListener('click', () => {
		retry.disabled = true;
		connect();
	});
	const main = document.getElementById('main');
	main.replaceChildren(h('section', { class: 'panel auth' },
	    h('h1', { tabindex: '-1' }, 'mews is not answering'),
	    h('p', null, message), h('div', { class: 'actions' }, retry)));
	main.querySelector('h1').focus();
}

initMessages();
initShell(ROUTES);
connect();
