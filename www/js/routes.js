// Every page: the router's table and, in its order, the menu's. menu: the
// entry's label; under: the menu entry a page without one of its own lights
// up. The right a page needs is its view's.

import { loginView } from './views/login.js';
import { unlockView } from './views/unlock.js';
import { pinView } from './views/pin.js';
import { homeView } from './views/home.js';
import { dashboardView } from './views/dashboard.js';
import { deviceView } from './views/device.js';
import { historyView } from './views/history.js';
import { compareView } from './views/compare.js';
import { tariffsView } from './views/tariffs.js';
import { groupsView, groupSettingsView } from './views/groups.js';
import { groupView } from './views/group.js';
import { alarmsView } from './views/alarms.js';
import { alarmRulesView } from './views/alarm-rules.js';
import { devicesView } from './views/devices.js';
import { busesView } from './views/buses.js';
import { busView } from './views/bus.js';
import { gatewaysView } from './views/gateways.js';
import { profilesView } from './views/profiles.js';
import { systemView } from './views/system.js';
import { reportsView } from './views/reports.js';
import { logsView } from './views/logs.js';
import { eventsView } from './views/events.js';

export const ROUTES = [
	{ path: '/login', view: loginView },
	{ path: '/unlock', view: unlockView },
	{ path: '/pin', view: pinView },
	{ path: '/home', view: homeView },
	{ path: '/dashboard', view: dashboardView, menu: 'Dashboard' },
	{ path: '/device/:id', view: deviceView },
	{ path: '/history', view: historyView },
	{ path: '/compare', view: compareView, menu: 'Compare' },
	{ path: '/tariffs', view: tariffsView, menu: 'Tariffs' },
	{ path: '/groups', view: groupsView, menu: 'Groups' },
	{ path: '/group/:id', view: groupView, under: '/groups' },
	{ path: '/settings/groups', view: groupSettingsView, under: '/groups' },
	{ path: '/alarms', view: alarmsView, menu: 'Alarms' },
	{ path: '/settings/alarms', view: alarmRulesView, menu: 'Alarm rules' },
	{ path: '/settings', view: { title: 'Settings', right: 'configure', redirect: () => '#/settings/devices' } },
	{ path: '/settings/devices', view: devicesView, menu: 'Devices' },
	{ path: '/settings/buses', view: busesView, menu: 'Buses' },
	{ path: '/bus/:name', view: busView, under: '/settings/buses' },
	{ path: '/settings/gateways', view: gatewaysView, menu: 'Gateways' },
	{ path: '/settings/profiles', view: profilesView, menu: 'Profiles' },
	{ path: '/settings/system', view: systemView, menu: 'System' },
	{ path: '/settings/reports', view: reportsView, menu: 'Reports' },
	{ path: '/logs', view: logsView, menu: 'Logs' },
	{ path: '/events', view: eventsView, menu: 'Event log' },
];
