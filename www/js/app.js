// Start-up: ask whether a session is already open, then hand over to the router.

import { h } from './dom.js';
import { api, onSessionExpired } from './api.js';
import { defineRoute, go, rememberRoute, start } from './router.js';
import { session, setSession } from './session.js';
import { initShell } from './shell.js';
import { initMessages } from './messages.js';
import { loginView } from './views/login.js';
import { unlockView } from './views/unlock.js';
import { pinView } from './views/pin.js';
import { homeView } from './views/home.js';
import { dashboardView } from './views/dashboard.js';
import { deviceView } from './views/device.js';
import { busView } from './views/bus.js';
import { devicesView } from './views/devices.js';
import { busesView } from './views/buses.js';
import { gatewaysView } from './views/gateways.js';
import { profilesView } from './views/profiles.js';
import { systemView } from './views/system.js';
import { reportsView } from './views/reports.js';
import { logsView } from './views/logs.js';
import { compareView } from './views/compare.js';
import { historyView } from './views/history.js';
import { tariffsView } from './views/tariffs.js';
import { groupsView, groupSettingsView } from './views/groups.js';
import { groupView } from './views/group.js';
import { alarmsView } from './views/alarms.js';
import { alarmRulesView } from './views/alarm-rules.js';
import { eventsView } from './views/events.js';

defineRoute('/login', loginView);
defineRoute('/unlock', unlockView);
defineRoute('/pin', pinView);
defineRoute('/home', homeView);
defineRoute('/dashboard', dashboardView);
defineRoute('/device/:id', deviceView);
defineRoute('/bus/:name', busView);
defineRoute('/settings', { title: 'Settings', right: 'configure', redirect: () => '#/settings/devices' });
defineRoute('/settings/devices', devicesView);
defineRoute('/settings/buses', busesView);
defineRoute('/settings/gateways', gatewaysView);
defineRoute('/settings/profiles', profilesView);
defineRoute('/settings/system', systemView);
defineRoute('/settings/reports', reportsView);
defineRoute('/logs', logsView);
defineRoute('/compare', compareView);
defineRoute('/history', historyView);
defineRoute('/tariffs', tariffsView);
defineRoute('/groups', groupsView);
defineRoute('/group/:id', groupView);
defineRoute('/settings/groups', groupSettingsView);
defineRoute('/alarms', alarmsView);
defineRoute('/settings/alarms', alarmRulesView);
defineRoute('/events', eventsView);

onSessionExpired(() => {
	if (!session())
		return;	// several refreshes can fail at once: one redirect is enough
	rememberRoute();
	setSession(null);
	go('#/login', { flash: { alert: 'Your session has ended: log in again.' } });
});

async function connect() {
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
initShell();
connect();
