// Costs in the consumption tables: money as shown, and the cost columns of
// a device's or a group's consumption.

import { formatNumber } from './format.js';

// Money with two decimals and its currency code; '—' when unknown.
export function formatCost(v, currency) {
	return typeof v === 'number' ? `${formatNumber(v, 2)} ${currency}` : '—';
}

// The sum of the periods' known costs, or null when none is known.
export function sumCosts(periods, value) {
	const known = periods.map(value).filter((v) => typeof v === 'number');
	return known.length ? known.reduce((s, v) => s + v, 0) : null;
}

// A cost cell's tooltip: what it is made of.
function costTitle(cost, currency) {
	if (!cost)
		return null;
	const energy = typeof cost.energy === 'number' ? formatCost(cost.energy, currency) : 'unknown';
	return `Consumption ${energy}, standing charge ${formatCost(cost.standing, currency)} ` +
	    `(${formatNumber(cost.days, 2)} day${cost.days === 1 ? '' : 's'})`;
}

// The cost columns of a consumption answer: a device's, under its tariff;
// a group's, one per currency of its priced members.
export function costColumns(answer) {
	if (answer.tariff) {
		const currency = answer.tariff.currency;
		return [{ currency, value: (r) => (r.cost ? r.cost.total : null),
		    title: (r) => costTitle(r.cost, currency) }];
	}
	const currencies = new Set();
	for (const r of answer.periods || [])
		Object.keys(r.cost || {}).forEach((c) => currencies.add(c));
	return [...currencies].sort().map((currency) => ({ currency,
	    value: (r) => (r.cost ? r.cost[currency] ?? null : null),
	    title: () => `The costs of ${(answer.priced || []).join(', ')}, each under its tariff` }));
}
