// Alarms: what is raised or cleared and not yet acknowledged, with a button
// to acknowledge it (any profile: the event log records who), and every
// rule with its state.  Installers edit the rules on #/settings/alarms.

import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { clearAlert, notify } from '../messages.js';
import { showError } from '../forms.js';
import { badge, dataTable, linkButton, pageHead } from '../widgets.js';
import { formatNumber, formatTime } from '../format.js';
import { refreshAlarmBadge } from '../shell.js';
import { condition, statusBadge } from '../alarm-text.js';

const REFRESH_MS = 3000;
const SEVERITY = { critical: 'bad', warning: 'warn', info: 'neutral' };

// states: by device, the names of its `state` values (the API's
// dev.states), as its page shows them.
function valueText(a, states) {
	if (a.value === null)
		return '–';
	if (a.kind === 'offline')
		return a.value ? 'offline' : 'online';
	if (a.kind === 'tripped' || a.metric === 'state') {
		const known = (states[a.device] || [])[a.value];
		return known ? known.name : formatNumber(a.value, 0);
	}
	return `${formatNumber(a.value)}${a.unit ? ' ' + a.unit : ''}`;
}

export const alarmsView = {
	title: 'Alarms',
	right: 'read',
	render(root, ctx) {
		const current = h('div');
		const rules = h('div');
		root.append(pageHead('Alarms', can('configure') ?
		    linkButton('#/settings/alarms', 'Edit the rules') : null),
		    h('section', { class: 'panel' }, h('h2', null, 'Raised, or cleared and not acknowledged'), current),
		    h('section', { class: 'panel' }, h('h2', null, 'Rules'), rules));
		let shown = null;
		// Without them the values stay numbers: the page still works.
		const states = api.get('devices?values=1').then((devs) =>
		    Object.fromEntries(devs.map((d) => [d.id, d.states || []])), () => ({}));

		async function ack(a, button) {
			button.disabled = true;
			try {
				await api.post(`alarms/${enc(a.id)}/ack`, {});
			} catch (e) {
				button.disabled = false;
				showError(e);
				return;
			}
			notify(`${a.name} acknowledged`);
			shown = null;
			await refresh();
			refreshAlarmBadge();
		}

		async function refresh() {
			let data;
			try {
				data = await api.get('alarms');
			} catch (e) {
				showError(e, null, 'alarms');
				return;
			}
			clearAlert('alarms');
			const key = JSON.stringify(data);
			if (key === shown || !ctx.alive)
				return;
			shown = key;
			const names = await states;
			if (!ctx.alive)
				return;
			const open = data.alarms.filter((a) => a.status !== 'normal');
			current.replaceChildren(open.length ? dataTable([
				{ label: 'State', cell: (a) => statusBadge(a.status) },
				{ label: 'Alarm', cell: (a) => a.name },
				{ label: 'Severity', cell: (a) => badge(SEVERITY[a.severity] || 'neutral', a.severity) },
				{ label: 'Device', cell: (a) => h('a', { href: `#/device/${enc(a.device)}` }, a.device) },
				{ label: 'Condition', cell: condition },
				{ label: 'Raised', cell: (a) => a.raised_at ? formatTime(a.raised_at) : '–' },
				{ label: 'Cleared', cell: (a) => a.status === 'cleared' ? formatTime(a.cleared_at) : '–' },
				{ label: 'Acknowledged', cell: (a) => a.acked_by ? `${a.acked_by}, ${formatTime(a.acked_at)}` : '–' },
				{ label: 'Actions', actions: true, cell: (a) => a.status === 'active' || a.status === 'cleared' ?
				    h('button', { type: 'button', class: 'button primary', 'aria-label': `Acknowledge ${a.name}`,
					onclick: (ev) => ack(a, ev.currentTarget) }, 'Acknowledge') : '' },
			], open) : h('p', { class: 'empty' }, 'Nothing to see: every alarm is normal.'));
			rules.replaceChildren(data.alarms.length ? dataTable([
				{ label: 'Alarm', cell: (a) => a.name },
				{ label: 'Device', cell: (a) => a.device },
				{ label: 'Condition', cell: condition },
				{ label: 'Delay', num: true, cell: (a) => `${a.delay_s} s` },
				{ label: 'Now', num: true, cell: (a) => valueText(a, names) },
				{ label: 'E-mail', cell: (a) => a.notify ? 'yes' : 'no' },
				{ label: 'State', cell: (a) => statusBadge(a.status) },
			], data.alarms) : h('p', { class: 'empty' }, 'No alarm rules are configured.'));
		}
		ctx.poll(refresh, REFRESH_MS);
	},
};
