// Consumption periods: the four graphs' periods and the ranges they cover,
// and how a period is named and annotated in tables and on axes.

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
