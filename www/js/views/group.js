// One group's dashboard (#/group/ID): its live sums, its members with
// their power, and its consumption per day, week or month with a CSV
// download, all added up over the group and the groups under it.

import { h, enc, setText } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { clearAlert } from '../messages.js';
import { field, select, showError } from '../forms.js';
import { dataTable, definitions, linkButton, loading, onlineBadge, pageHead, section } from '../widgets.js';
import { deviceVia, metricLabel, readingText } from '../format.js';
import { TOTALS, consumptionTable } from '../consumption.js';
import { sumBadge, sumText } from '../sums.js';

const REFRESH_MS = 2000;
const PERIODS = [
	{ per: 'day', label: 'Days (last 31)', words: 'last 31 days' },
	{ per: 'week', label: 'Weeks (last 12)', words: 'last 12 weeks' },
	{ per: 'month', label: 'Months (last 12)', words: 'last 12 months' },
];

export const groupView = {
	title: 'Group',
	right: 'read',
	render(root, ctx) {
		const id = ctx.params.id;
		const title = h('h1', { tabindex: '-1' }, id);
		const head = pageHead('', can('configure') ?
		    linkButton(`#/settings/groups?edit=${enc(id)}`, 'Edit') : null);
		head.replaceChild(title, head.firstChild);
		const meta = h('p', { class: 'muted' });
		const sums = h('div');
		const members = h('div');
		const usage = h('div', null, loading());
		root.append(head, meta, section('Now', sums), section('Devices', members),
		    section('Consumption', usage));

		let shape = null;
		ctx.poll(async () => {
			let g;
			try {
				g = await api.get('groups/' + enc(id));
			} catch (e) {
				showError(e, null, 'group');
				return;
			}
			if (!ctx.alive)
				return;
			clearAlert('group');
			setText(title, g.name);
			ctx.setTitle(g.name);
			setText(meta, [g.parent ? `under ${g.parent}` : 'a tree of its own',
			    g.children.length ? `groups under it: ${g.children.join(', ')}` : null,
			    `${g.members.length} ${g.members.length === 1 ? 'device' : 'devices'}, each counted once`]
			    .filter(Boolean).join(' · '));
			sums.replaceChildren(Object.keys(g.sums).length ? definitions(
			    Object.entries(g.sums).map(([m, s]) => [metricLabel(m),
				h('span', null, m === 'power' ? sumText(s) : readingText(m, s), ' ', sumBadge(s) || '')])) :
			    h('p', { class: 'muted' }, 'Nothing to add up yet.'));
			members.replaceChildren(dataTable([
				{ label: 'Device', cell: (d) => h('a', { href: '#/device/' + enc(d.id) }, d.name || d.id) },
				{ label: 'From', cell: (d) => deviceVia(d) },
				{ label: 'Power', num: true, cell: (d) => readingText('power', d.values.power) },
				{ label: 'State', cell: (d) => onlineBadge(d.online) },
			], g.member_devices));
			const totals = TOTALS.filter((m) => m in g.sums);
			const next = totals.join();
			if (next !== shape) {
				shape = next;
				mountUsage(usage, ctx, id, totals);
			}
		}, REFRESH_MS);
	},
};

// The consumption table of one total, per period kind, and its CSV.
function mountUsage(root, ctx, id, totals) {
	if (!totals.length) {
		root.replaceChildren(h('p', { class: 'muted' }, 'No device of this group measures a total.'));
		return;
	}
	const metric = select({ name: 'metric', id: 'group-metric' }, totals.map((m) => [m, metricLabel(m)]));
	const period = select({ name: 'period', id: 'group-period' }, PERIODS.map((p) => [p.per, p.label]));
	const download = h('a', { class: 'button secondary', download: '' }, 'Download CSV');
	const note = h('p', { class: 'muted' });
	const table = h('div');
	root.replaceChildren(h('div', { class: 'form-grid' },
	    field('Total', metric), field('Per', period)), h('div', { class: 'actions' }, download), note, table);

	async function show() {
		const p = PERIODS.find((x) => x.per === period.value);
		const query = `metric=${enc(metric.value)}&period=${p.per}`;
		download.href = `/api/groups/${enc(id)}/consumption?${query}&format=csv`;
		table.replaceChildren(loading());
		let answer;
		try {
			answer = await api.get(`groups/${enc(id)}/consumption?${query}`);
		} catch (e) {
			table.replaceChildren();
			showError(e, null, 'group');
			return;
		}
		if (!ctx.alive)
			return;
		setText(note, answer.without_data.length ?
		    `Without history yet: ${answer.without_data.join(', ')}; periods are partial.` :
		    `Added up over ${answer.members.join(', ')}.`);
		table.replaceChildren(consumptionTable(answer, p));
	}
	metric.addEventListener('change', show);
	period.addEventListener('change', show);
	show();
}
