// Consumption: which readings are totals, where their consumption per
// period is asked for, and the table that shows it with its costs.

import { h, enc } from './dom.js';
import { formatNumber, unitLabel } from './format.js';
import { periodOf, periodLabel, periodNote } from './periods.js';
import { costColumns, formatCost, sumCosts } from './costs.js';
import { tableWrap } from './widgets.js';

// Totals (the server's metric class "energy"): drawn as consumption bars.
export const TOTALS = ['energy_import', 'energy_export', 'energy_reactive_import',
	'energy_reactive_export', 'water_volume', 'gas_volume', 'trips'];

export const isTotal = (metric) => TOTALS.includes(metric);

// Every total a list of devices has, in TOTALS' order.
export function totalsOf(devices) {
	return TOTALS.filter((m) => devices.some((d) => d.values && Object.hasOwn(d.values, m)));
}

export function consumptionPath(id, metric, key, { from, to }, ext = 'json') {
	return `consumption/${enc(id)}/${enc(metric)}.${ext}?period=${periodOf(key).per}&from=${from}&to=${to}`;
}

const DECIMALS = { kWh: 3, kvarh: 3, m3: 3, '': 0 };

export function formatAmount(amount, unit) {
	if (typeof amount !== 'number')
		return '—';
	const u = unitLabel(unit);
	const decimals = DECIMALS[unit] === 0 ? 0 : Math.abs(amount) >= 1000 ? 1 : DECIMALS[unit] ?? 2;
	return formatNumber(amount, decimals) + (u ? ' ' + u : '');
}

// A consumption answer, a device's or a group's, as a table: newest period
// first, a cost column per currency.
export function consumptionTable(answer, p) {
	const periods = (answer.periods || []).slice().reverse();
	const known = periods.filter((r) => typeof r.amount === 'number');
	const total = known.reduce((sum, r) => sum + r.amount, 0);
	const partial = periods.some((r) => periodNote(r) !== '');
	const costs = costColumns(answer);
	const rows = periods.map((r) => h('tr', null,
	    h('th', { scope: 'row' }, periodLabel(p.per, r.from, r.to)),
	    h('td', { class: 'num' }, formatAmount(r.amount, answer.unit)),
	    costs.map((c) => h('td', { class: 'num', title: c.title(r) }, formatCost(c.value(r), c.currency))),
	    h('td', { class: 'muted' }, periodNote(r))));
	return tableWrap(h('table', null,
	    h('caption', null, `Consumption per ${p.per}, ${p.words}, newest first`),
	    h('thead', null, h('tr', null,
		h('th', { scope: 'col' }, { hour: 'Hour', day: 'Day', week: 'Week' }[p.per] || 'Month'),
		h('th', { scope: 'col', class: 'num' }, `Amount (${unitLabel(answer.unit) || 'count'})`),
		costs.map((c) => h('th', { scope: 'col', class: 'num' }, `Cost (${c.currency})`)),
		h('th', { scope: 'col' }, partial ? 'Note' : ''))),
	    h('tbody', null, rows),
	    h('tfoot', null, h('tr', null,
		h('th', { scope: 'row' }, 'Total'),
		h('td', { class: 'num' }, known.length ? formatAmount(total, answer.unit) : '—'),
		costs.map((c) => h('td', { class: 'num' }, formatCost(sumCosts(periods, c.value), c.currency))),
		h('td', { class: 'muted' }, known.length < periods.length ? 'periods without data are left out' : '')))));
}
