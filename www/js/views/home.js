import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { showError } from '../forms.js';
import { pageHead } from '../widgets.js';
import { mountDashboard } from '../cards.js';

// The user reads meters: their home is the dashboard. The installer and the
// administrator get their tools above the same cards.
export const homeView = {
	title: 'Home',
	right: 'read',
	redirect: () => (can('configure') ? null : '#/dashboard'),
	render(root, ctx) {
		const tools = h('ul', { class: 'tiles' });
		const tile = (href, title, text) => h('li', null,
		    h('a', { class: 'tile', href }, h('span', { class: 'tile-title' }, title), h('span', { class: 'tile-text' }, text)));
		const fixed = [
			tile('#/settings/devices', 'Devices', 'Add, edit and remove meters and modules'),
			tile('#/settings/buses', 'Buses', 'Serial ports and their settings'),
			tile('#/settings/gateways', 'Gateways', 'Devices read through other Modbus TCP gateways'),
			tile('#/logs', 'Logs', 'What mewsd reported lately'),
		];
		if (can('admin'))
			fixed.push(tile('#/settings/profiles', 'Profiles', 'PINs and locked profiles'),
			    tile('#/settings/system', 'System', 'Ports, certificate, log level, status'));
		tools.append(...fixed);
		root.append(pageHead('Home'),
		    h('section', { 'aria-labelledby': 'tools-title' }, h('h2', { id: 'tools-title' }, 'Tools'), tools),
		    h('h2', null, 'Devices'));
		mountDashboard(root, ctx);
		api.get('buses').then((buses) => {
			if (ctx.alive)
				tools.prepend(...buses.map((b) => tile('#/bus/' + enc(b.name), `Bus ${b.name}`,
				    'Live counters, scan for devices, test transactions')));
		}, (e) => showError(e));
	},
};
