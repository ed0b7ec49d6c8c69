// Tariffs: prices of energy, water and gas by local weekday and time, a
// standing charge a day, and the devices each applies to.  Everyone reads
// them; the administrator adds, edits and removes them (they are money).

import { h } from '../dom.js';
import { api } from '../api.js';
import { can } from '../session.js';
import { field, input, select, showError } from '../forms.js';
import { metricLabel, unitLabel } from '../format.js';
import { dataTable, loading, pageHead } from '../widgets.js';
import { mountCrud } from '../crud.js';
import { TOTALS } from '../consumption.js';
import { formatCost } from '../costs.js';
import { NAME_PATTERN, NAME_RULE } from '../names.js';

const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$/;
const INTRO = 'A tariff prices a total per unit (kWh, m³) by band: the first band that matches the ' +
    'local weekday and time wins; a band with no days and no times is the default and comes last. ' +
    'The standing charge is per local day. Costs show in the consumption tables, the CSV files ' +
    '(a cost column) and the reports.';

function bandText(b) {
	return b.default ? `other times: ${b.price}` : `${b.days} ${b.from}–${b.to}: ${b.price}`;
}

const COLUMNS = [
	{ label: 'Tariff', cell: (t) => `${t.name} (${t.id})` },
	{ label: 'Of', cell: (t) => metricLabel(t.metric) },
	{ label: 'Prices', cell: (t) => h('ul', null, t.bands.map((b) =>
	    h('li', null, `${bandText(b)} ${t.currency}/${unitLabel(t.unit)}`))) },
	{ label: 'Standing', num: true, cell: (t) => `${formatCost(t.standing_per_day, t.currency)}/day` },
	{ label: 'Devices', cell: (t) => t.devices.join(', ') || '—' },
];

export const tariffsView = {
	title: 'Tariffs',
	right: 'read',
	render(root, ctx) {
		if (can('admin')) {
			mountCrud(root, ctx, {
				title: 'Tariffs',
				noun: 'tariff',
				path: 'tariffs',
				key: (t) => t.id,
				intro: INTRO,
				empty: 'No tariffs: consumption is shown without costs.',
				load: () => api.get('tariffs'),
				columns: COLUMNS,
				deleteText: (t) => `Its devices (${t.devices.join(', ') || 'none'}) lose their costs.`,
				form: tariffForm,
			}).load();
			return;
		}
		const slot = h('div', null, loading());
		root.append(pageHead('Tariffs'), h('p', { class: 'muted' }, INTRO), slot);
		api.get('tariffs').then((list) => {
			if (ctx.alive)
				slot.replaceChildren(list.length ? dataTable(COLUMNS, list) :
				    h('div', { class: 'panel empty' }, 'No tariffs: consumption is shown without costs.'));
		}, showError);
	},
};

// One band's row of the form: days, from, to, price, and its removal.
function bandRow(b, remove) {
	const c = {
		days: input({ name: 'days', value: b.default ? '' : b.days || '', placeholder: 'every day',
		    spellcheck: 'false', 'aria-label': 'Days' }),
		from: input({ name: 'from', value: b.default ? '' : b.from || '', placeholder: '00:00',
		    inputmode: 'numeric', 'aria-label': 'From' }),
		to: input({ name: 'to', value: b.default ? '' : b.to || '', placeholder: '24:00',
		    inputmode: 'numeric', 'aria-label': 'To' }),
		price: input({ name: 'price', value: b.price ?? '', inputmode: 'decimal', 'aria-label': 'Price' }),
	};
	const drop = h('button', { type: 'button', class: 'button secondary' }, 'Remove');
	const el = h('div', { class: 'form-grid band' },
	    field('Days', c.days, 'mon-fri, sat-sun, all, or mon,wed; empty: every day'),
	    field('From', c.from, 'HH:MM, local'), field('To', c.to, 'HH:MM, up to 24:00'),
	    field('Price', c.price, 'per unit'), drop);
	drop.addEventListener('click', () => remove(el));
	const read = (chk) => {
		const out = { price: chk.number(c.price) };
		const days = c.days.value.trim();
		const from = c.from.value.trim();
		const to = c.to.value.trim();
		if (days !== '')
			out.days = days;
		for (const [k, v, ctl] of [['from', from, c.from], ['to', to, c.to]]) {
			if (v === '')
				continue;
			if (!TIME.test(v))
				chk.fail(ctl, 'A local time HH:MM, 00:00 to 24:00.');
			out[k] = v;
		}
		return out;
	};
	return { el, read };
}

async function tariffForm(row) {
	const t = row || { currency: 'EUR', standing_per_day: 0, metric: 'energy_import',
	    bands: [{ days: 'mon-fri', from: '07:00', to: '23:00', price: '' }, { default: true, price: '' }],
	    devices: [] };
	const devices = await api.get('devices');
	const c = {
		id: input({ name: 'id', maxlength: 32, spellcheck: 'false', value: t.id ?? '', readonly: Boolean(row) }),
		name: input({ name: 'name', value: t.name ?? '' }),
		metric: select({ name: 'metric' }, TOTALS.filter((m) => m !== 'trips').map((m) => [m, metricLabel(m)])),
		currency: input({ name: 'currency', maxlength: 3, value: t.currency, spellcheck: 'false' }),
		standing: input({ name: 'standing_per_day', value: t.standing_per_day, inputmode: 'decimal' }),
		devices: input({ name: 'devices', value: t.devices.join(', '), spellcheck: 'false',
		    placeholder: devices.map((d) => d.id).slice(0, 3).join(', ') }),
	};
	c.metric.value = t.metric;
	const bands = [];
	const holder = h('div');
	const remove = (el) => {
		const i = bands.findIndex((b) => b.el === el);
		if (i >= 0)
			bands.splice(i, 1);
		el.remove();
	};
	const add = (b) => {
		const r = bandRow(b, remove);
		bands.push(r);
		holder.append(r.el);
	};
	t.bands.forEach(add);
	const more = h('button', { type: 'button', class: 'button secondary' }, 'Add a band');
	more.addEventListener('click', () => add({ price: '' }));
	return {
		nodes: [h('div', { class: 'form-grid' },
		    field('Id', c.id, row ? 'The id cannot change' : NAME_RULE),
		    field('Name', c.name), field('Total priced', c.metric),
		    field('Currency', c.currency, 'A 3-letter code: EUR, CHF, GBP'),
		    field('Standing charge a day', c.standing, 'In the currency; 0 for none'),
		    field('Devices', c.devices, 'Device ids separated by commas')),
		    h('fieldset', { class: 'group' }, h('legend', null, 'Bands, the first that matches wins'), holder,
			h('div', { class: 'actions' }, more))],
		read(chk) {
			const body = {
				id: chk.text(c.id, { pattern: NAME_PATTERN, message: NAME_RULE }),
				metric: c.metric.value,
				currency: chk.text(c.currency, { pattern: /^[A-Z]{3}$/, message: 'Three capital letters, e.g. EUR.' }),
				standing_per_day: chk.number(c.standing),
				bands: bands.map((b) => b.read(chk)),
				devices: c.devices.value.split(/[\s,;]+/).filter((x) => x !== ''),
			};
			const name = c.name.value.trim();
			if (name !== '')
				body.name = name;
			if (body.bands.length === 0)
				chk.fail(more, 'At least one band.');
			return body;
		},
	};
}
