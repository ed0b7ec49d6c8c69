// History: what the graphs, tables and downloads of the device and
// comparison pages share, and the page that says how long each kind of
// reading is kept (GET /api/history).

import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { clearAlert } from '../messages.js';
import { showError } from '../forms.js';
import { definitions, pageHead, section, loading, linkButton } from '../widgets.js';
import { formatNumber, formatInt, unitLabel, metricLabel } from '../format.js';

// Totals (the server's metric class "energy"): drawn as consumption bars.
export const TOTALS = ['energy_import', 'energy_export', 'energy_reactive_import',
	'energy_reactive_export', 'water_volume', 'gas_volume', 'trips'];

export const isTotal = (metric) => TOTALS.includes(metric);

// The four graphs. per: the consumption period of a bar; back: how many
// before the current one; span: the seconds a line graph covers.
export const PERIODS = [
	{ key: 'day', label: 'Day', per: 'hour', back: 23, span: 86400, words: 'last 24 hours' },
	{ key: 'week', label: 'Week', per: 'day', back: 6, span: 7 * 86400, words: 'last 7 days' },
	{ key: 'month', label: 'Month', per: 'day', back: 30, span: 31 * 86400, words: 'last 31 days' },
	{ key: 'year', label: 'Year', per: 'month', back: 11, span: 365 * 86400, words: 'last 12 months' },
];

export const periodOf = (key) => PERIODS.find((p) => p.key === key) || PERIODS[0];

function startOf(per, d) {
	const t = new Date(d);
	if (per === 'month')
		t.setDate(1);
	if (per !== 'hour')
		t.setHours(0);
	t.setMinutes(0, 0, 0);
	return t;
}

function shift(per, d, n) {
	const t = new Date(d);
	if (per === 'hour')
		t.setHours(t.getHours() + n);
	else if (per === 'day')
		t.setDate(t.getDate() + n);
	else
		t.setMonth(t.getMonth() + n);
	return t;
}

// The range a graph shows, in UNIX seconds: whole local periods for
// totals (as the server draws them), the last span for the others.
export function periodRange(key, total, now = new Date()) {
	const p = periodOf(key);
	if (!total) {
		const to = Math.floor(now.getTime() / 1000);
		return { from: to - p.span, to };
	}
	const current = startOf(p.per, now);
	return {
		from: Math.floor(shift(p.per, current, -p.back).getTime() / 1000),
		to: Math.floor(shift(p.per, current, 1).getTime() / 1000),
	};
}

export function theme() {
	return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

// Call fn when the colour scheme changes, until the view is left.
export function onThemeChange(ctx, fn) {
	if (!window.matchMedia)
		return;
	const mq = window.matchMedia('(prefers-color-scheme: dark)');
	mq.addEventListener('change', fn);
	ctx.onLeave(() => mq.removeEventListener('change', fn));
}

export function graphUrl(id, metric, { period, theme: th, format = 'svg', width, height }) {
	const q = new URLSearchParams({ period, theme: th });
	if (width)
		q.set('width', String(width));
	if (height)
		q.set('height', String(height));
	return `/api/graph/${enc(id)}/${enc(metric)}.${format}?${q}`;
}

export function csvUrl(id, metric, { from, to }) {
	return `/api/history/${enc(id)}/${enc(metric)}.csv?from=${from}&to=${to}`;
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

const LABEL_FORMATS = {
	hour: { weekday: 'short', hour: '2-digit', minute: '2-digit' },
	day: { weekday: 'short', day: 'numeric', month: 'short' },
	week: { day: 'numeric', month: 'short', year: 'numeric' },
	month: { month: 'long', year: 'numeric' },
};
const labelFormats = new Map();

// The name of a consumption period as a table row says it.
export function periodLabel(per, from, to) {
	if (!labelFormats.has(per))
		labelFormats.set(per, new Intl.DateTimeFormat(undefined, LABEL_FORMATS[per]));
	const f = labelFormats.get(per);
	if (per !== 'hour')
		return f.format(new Date(from * 1000));
	const end = new Date(to * 1000).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
	return `${f.format(new Date(from * 1000))}–${end}`;
}

// A short axis label: "14", "23" ("Mon 23" when there is room), "Nov".
export function periodTick(per, from, roomy = false) {
	const d = new Date(from * 1000);
	if (per === 'hour')
		return String(d.getHours()).padStart(2, '0');
	if (per === 'day')
		return d.toLocaleDateString(undefined, roomy ? { weekday: 'short', day: 'numeric' } : { day: 'numeric' });
	return d.toLocaleDateString(undefined, { month: 'short' });
}

// What a period's figures went through, in words; '' when nothing.
export function periodNote(p, now = Date.now() / 1000) {
	const notes = [];
	if (p.amount === null)
		notes.push('no data');
	else if (p.coverage < 1) {
		const pct = Math.round(p.coverage * 100);
		notes.push(p.to > now && p.from <= now ? `so far (${pct} % of the period recorded)` :
		    `partial: ${pct} % of the period recorded`);
	}
	const flags = p.flags || [];
	if (flags.includes('spans_gap'))
		notes.push('includes use during an earlier gap');
	if (flags.includes('reset'))
		notes.push('the meter was reset');
	if (flags.includes('replaced'))
		notes.push('the meter was replaced');
	return notes.join('; ');
}

export const isPartial = (p) => p.amount !== null && (p.coverage < 1 || (p.flags || []).includes('spans_gap'));

function duration(days) {
	if (typeof days !== 'number')
		return '—';
	if (days >= 730)
		return `${formatInt(Math.round(days / 365.25))} years`;
	return `${formatInt(days)} ${days === 1 ? 'day' : 'days'}`;
}

const RESOLUTIONS = [['minute', 'every minute'], ['hour', 'hourly'], ['day', 'daily'], ['month', 'monthly']];

export function keptText(kept) {
	return RESOLUTIONS.filter(([k]) => typeof (kept || {})[k] === 'number')
	    .map(([k, words]) => `${words} for ${duration(kept[k])}`).join(', ');
}

export const CLASSES = [
	{ key: 'energy', label: 'Energy, water and gas totals, breaker trips', note: 'kept whatever the storage budget' },
	{ key: 'power', label: 'Power, voltage, current, frequency, power factor', note: 'within the storage budget' },
	{ key: 'quality', label: 'Power quality (THD, harmonics)', note: 'within the storage budget' },
];

// The short note under a device's history.
export function retentionNote(info) {
	const k = info.kept_days || {};
	return h('div', { class: 'retention' },
	    h('p', null, h('strong', null, 'How long readings are kept. '),
		CLASSES.map((c) => `${c.label}: ${keptText(k[c.key])}.`).join(' ')),
	    h('p', { class: 'muted' }, `History storage: ${formatInt(info.used_mb)} of ${formatInt(info.budget_mb)} MB used. `,
		h('a', { href: '#/history' }, 'About history')));
}

export const historyView = {
	title: 'History',
	right: 'read',
	render(root, ctx) {
		const body = h('div', null, loading());
		root.append(pageHead('History', linkButton('#/compare', 'Compare devices')), body);
		api.get('history').then((info) => {
			if (!ctx.alive)
				return;
			clearAlert('history');
			const k = info.kept_days || {};
			body.replaceChildren(
			    h('p', null, 'Every reading of every device is recorded each minute in archives ',
				'that keep fine detail for recent times and coarser detail for the past. ',
				'Each device page shows its graphs and lets you download them and the readings as CSV.'),
			    section('How long readings are kept',
				definitions(CLASSES.map((c) => [c.label, `${keptText(k[c.key])} (${c.note})`]), 'facts retention-facts'),
				h('p', { class: 'hint' }, 'Consumption per hour comes from the hourly values, per day and ',
				    'per month from the hourly ones while they are kept, then from the daily ones.')),
			    section('Storage',
				definitions([
				    ['Recording', info.enabled ? 'On' : 'Off'],
				    ['Budget', `${formatInt(info.budget_mb)} MB`],
				    ['Used', `${formatInt(info.used_mb)} MB`],
				    ['Written', info.writer === 'rrdcached' ? 'through rrdcached' : 'directly to the disk'],
				    ['Failed writes', formatInt((info.stats || {}).failures)],
				])));
		}, (e) => {
			body.replaceChildren();
			showError(e, null, 'history');
		});
	},
};

// Every total a list of devices has, in TOTALS' order.
export function totalsOf(devices) {
	return TOTALS.filter((m) => devices.some((d) => d.values && Object.hasOwn(d.values, m)));
}

export function totalLabel(metric) {
	return metricLabel(metric);
}
