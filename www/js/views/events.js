// The event log, for the administrator: who did what and when (logins,
// lockouts, configuration changes, commands, alarms), newest first, with
// filters, older pages, and the whole log as a CSV file.

import { h } from '../dom.js';
import { api } from '../api.js';
import { field, select, showError } from '../forms.js';
import { dataTable, linkButton, loading, pageHead } from '../widgets.js';
import { formatTime } from '../format.js';

const KINDS = ['alarm_raised', 'alarm_cleared', 'alarm_ack', 'login', 'login_failed', 'locked',
    'unlocked', 'puk_alarm', 'logout', 'config_changed', 'command', 'gateway_write', 'reload', 'start',
    'stop', 'total_glitch', 'total_reset'];

// What the pages changed, as the API logs it ("PUT /api/devices/main: ...
// saved"): the request in words; anything else as it came.
const LISTS = { devices: 'device', buses: 'bus', gateways: 'gateway', groups: 'group',
	alarms: 'alarm rule', tariffs: 'tariff' };
const VERBS = { POST: 'added', PUT: 'changed', DELETE: 'removed' };

function detailText(detail) {
	const m = /^(POST|PUT|DELETE) \/api\/([a-z]+)(?:\/([^/:\s]+))?(\/command)?: (.*)$/.exec(detail || '');
	if (!m)
		return detail;
	const [, method, list, name, command, rest] = m;
	if (command)
		return `command to ${name}: ${rest}`;
	if (list === 'profiles')
		return rest;
	if (list === 'system' || list === 'reports')
		return `changed the ${list === 'system' ? 'system settings' : 'reports'}`;
	if (!LISTS[list])
		return detail;
	return name ? `${VERBS[method]} ${LISTS[list]} ${name}` :
	    `added a ${LISTS[list]}`;
}

// A date input's day as UNIX time at local midnight, or undefined.
function dayStart(input, plusDays = 0) {
	if (!input.value)
		return undefined;
	const [y, m, d] = input.value.split('-').map(Number);
	return Math.floor(new Date(y, m - 1, d + plusDays).getTime() / 1000);
}

export const eventsView = {
	title: 'Event log',
	right: 'admin',
	render(root, ctx) {
		const kind = select({ name: 'kind' }, [['', 'Every kind'], ...KINDS]);
		const from = h('input', { type: 'date', name: 'from' });
		const to = h('input', { type: 'date', name: 'to' });
		const list = h('div', null, loading());
		const older = h('button', { type: 'button', class: 'button secondary', hidden: true }, 'Older events');
		const filters = h('form', { class: 'panel', role: 'search' },
		    h('div', { class: 'form-grid' }, field('Kind', kind), field('From (day)', from),
			field('To (day, included)', to)),
		    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button primary' }, 'Show')));
		root.append(pageHead('Event log', linkButton('/api/events.csv', 'Download the whole log (CSV)')),
		    h('p', { class: 'muted' }, 'Kept in state_dir/events, rotated by size. Times are this computer’s.'),
		    filters, list, h('div', { class: 'actions' }, older));
		let rows = [];
		let next = null;

		async function load(append) {
			const q = new URLSearchParams();
			if (kind.value)
				q.set('kind', kind.value);
			const f = dayStart(from), t = dayStart(to, 1);
			if (f !== undefined)
				q.set('from', f);
			if (append && next !== null)
				q.set('to', next);
			else if (t !== undefined)
				q.set('to', t);
			let data;
			try {
				data = await api.get('events?' + q.toString());
			} catch (e) {
				showError(e, filters);
				return;
			}
			if (!ctx.alive)
				return;
			rows = append ? rows.concat(data.events) : data.events;
			next = data.next_to;
			older.hidden = !data.more;
			list.replaceChildren(rows.length ? dataTable([
				{ label: 'Time', cell: (e) => h('time', { datetime: e.time }, formatTime(e.unix)) },
				{ label: 'Kind', cell: (e) => e.kind },
				{ label: 'Profile', cell: (e) => e.profile || '–' },
				{ label: 'Address', cell: (e) => e.address || '–' },
				{ label: 'Device', cell: (e) => e.device || '–' },
				{ label: 'Detail', cell: (e) => {
					const text = detailText(e.detail);
					return text === e.detail ? h('span', { class: 'log-message' }, e.detail) :
					    h('span', { title: e.detail }, text);
				} },
			], rows) : h('p', { class: 'panel empty' }, 'No events match.'));
		}
		filters.addEventListener('submit', (ev) => {
			ev.preventDefault();
			load(false);
		});
		older.addEventListener('click', () => load(true));
		load(false);
	},
};
