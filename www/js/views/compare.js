// Several devices' consumption side by side: a bar chart drawn here as SVG
// (classes give the colours: no style attributes under the CSP), the same
// figures as a table, and each device's readings as CSV.

import { h, enc } from '../dom.js';
import { api } from '../api.js';
import { clearAlert } from '../messages.js';
import { showError } from '../forms.js';
import { pageHead, loading, linkButton, tableWrap } from '../widgets.js';
import { formatNumber, unitLabel, metricLabel } from '../format.js';
import { PERIODS, periodOf, periodRange, periodLabel, periodTick, periodNote, isPartial } from '../periods.js';
import { csvUrl } from '../graphs.js';
import { totalsOf, consumptionPath, formatAmount } from '../consumption.js';

const SVG = 'http://www.w3.org/2000/svg';
const MAX_DEVICES = 8;	// the palette's colours (style.css .series-N)
const W = 800, H = 320;
const M = { top: 16, right: 12, bottom: 36, left: 64 };

function s(tag, attrs, ...children) {
	const el = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs || {}))
		if (v !== undefined && v !== null)
			el.setAttribute(k, String(v));
	for (const c of children.flat())
		if (c !== undefined && c !== null)
			el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	return el;
}

// A round scale: 0 to a multiple of 1, 2 or 5 × 10^n, in about 5 steps.
function scale(max) {
	if (!(max > 0))
		return { top: 1, step: 0.2 };
	const rough = max / 5;
	const mag = 10 ** Math.floor(Math.log10(rough));
	const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((k) => k >= rough);
	return { top: Math.ceil(max / step) * step, step };
}

export const compareView = {
	title: 'Compare',
	right: 'read',
	render(root, ctx) {
		const form = h('div', { class: 'panel compare-form' }, loading());
		const result = h('div', { class: 'compare-result' });
		root.append(pageHead('Compare consumption', linkButton('#/history', 'About history')),
		    h('p', { class: 'muted' }, 'Several devices side by side: pick them, a total and a period.'),
		    form, result);
		api.get('devices?values=1').then((devices) => {
			if (!ctx.alive)
				return;
			clearAlert('compare');
			setup(devices);
		}, (e) => {
			form.replaceChildren();
			showError(e, null, 'compare');
		});

		function setup(devices) {
			const metrics = totalsOf(devices);
			if (!metrics.length) {
				form.replaceChildren(h('p', null, 'No device reports a total (energy, water, gas) to compare.'));
				return;
			}
			const q = ctx.query;
			const state = {
				metric: metrics.includes(q.get('metric')) ? q.get('metric') :
				    metrics.includes('energy_import') ? 'energy_import' : metrics[0],
				period: periodOf(q.get('period') || 'week').key,
				chosen: new Set((q.get('devices') || '').split(',').filter(Boolean)),
				seq: 0,
			};
			const has = (d) => d.values && Object.hasOwn(d.values, state.metric);
			if (!state.chosen.size)
				devices.filter(has).slice(0, 4).forEach((d) => state.chosen.add(d.id));
			const boxes = h('div', { class: 'device-picks' });
			const metricSelect = h('select', { id: 'compare-metric', onchange: () => {
				state.metric = metricSelect.value;
				renderBoxes();
				load();
			} }, metrics.map((m) => h('option', { value: m }, metricLabel(m))));
			metricSelect.value = state.metric;
			const buttons = new Map(PERIODS.map((p) => [p.key, h('button', {
				type: 'button', class: 'segment', 'aria-pressed': String(p.key === state.period),
				onclick: () => {
					state.period = p.key;
					for (const [k, b] of buttons)
						b.setAttribute('aria-pressed', String(k === p.key));
					load();
				},
			}, p.label)]));
			const limit = h('p', { class: 'hint', role: 'status' });

			function renderBoxes() {
				boxes.replaceChildren(...devices.map((d) => {
					const id = `compare-${d.id}`;
					const box = h('input', { type: 'checkbox', id, value: d.id,
					    checked: state.chosen.has(d.id) && has(d), disabled: !has(d),
					    onchange: () => {
						if (box.checked && state.chosen.size >= MAX_DEVICES) {
							box.checked = false;
							limit.textContent = `At most ${MAX_DEVICES} devices at once.`;
							return;
						}
						limit.textContent = '';
						if (box.checked)
							state.chosen.add(d.id);
						else
							state.chosen.delete(d.id);
						load();
					} });
					return h('div', { class: 'field check' }, box,
					    h('label', { for: id }, d.name || d.id,
						has(d) ? null : h('span', { class: 'hint' }, ` (no ${metricLabel(state.metric).toLowerCase()})`)));
				}));
			}
			renderBoxes();
			form.replaceChildren(
			    h('fieldset', { class: 'group' }, h('legend', null, 'Devices'), boxes, limit),
			    h('div', { class: 'history-controls' },
				h('div', { class: 'field inline-field' }, h('label', { for: metricSelect.id }, 'Total'), metricSelect),
				h('div', { class: 'segments', role: 'group', 'aria-label': 'Period' }, [...buttons.values()])));

			async function load() {
				const seq = ++state.seq;
				const p = periodOf(state.period);
				const range = periodRange(p.key, true);
				const chosen = devices.filter((d) => state.chosen.has(d.id) && has(d));
				const query = new URLSearchParams({ devices: chosen.map((d) => d.id).join(','),
				    metric: state.metric, period: p.key });
				history.replaceState(history.state, '', `#/compare?${query}`);
				if (!chosen.length) {
					result.replaceChildren(h('p', { class: 'panel empty' }, 'Pick at least one device.'));
					return;
				}
				result.setAttribute('aria-busy', 'true');
				const answers = await Promise.all(chosen.map((d) =>
				    api.get(consumptionPath(d.id, state.metric, p.key, range)).then(
					(a) => ({ device: d, answer: a }),
					(e) => ({ device: d, error: e }))));
				if (seq !== state.seq || !ctx.alive)
					return;
				result.removeAttribute('aria-busy');
				result.replaceChildren(...view(answers, p, range, state.metric));
			}
			load();
		}
	},
};

// The periods of all answers, by their start, oldest first.
function periodsOf(answers) {
	const byFrom = new Map();
	for (const { answer } of answers)
		for (const r of (answer && answer.periods) || [])
			if (!byFrom.has(r.from))
				byFrom.set(r.from, { from: r.from, to: r.to });
	return [...byFrom.values()].sort((a, b) => a.from - b.from);
}

function view(answers, p, range, metric) {
	const ok = answers.filter((a) => a.answer);
	const unit = ok.length ? ok[0].answer.unit : '';
	const periods = periodsOf(ok);
	const series = answers.map((a, i) => ({
		...a, index: i,
		name: a.device.name || a.device.id,
		byFrom: new Map(((a.answer && a.answer.periods) || []).map((r) => [r.from, r])),
	}));
	const failed = series.filter((x) => x.error);
	const title = `${metricLabel(metric)} per ${p.per}, ${p.words}`;
	const parts = [];
	if (failed.length)
		parts.push(h('div', { class: 'panel' }, failed.map((x) => h('p', { class: 'error-text' },
		    `${x.name}: ${x.error.status === 404 ? 'nothing recorded yet' : x.error.message}`))));
	if (!periods.length) {
		parts.push(h('p', { class: 'panel empty' }, 'Nothing recorded in this period yet.'));
		return parts;
	}
	const chart = drawChart(series, periods, p, unit, title);
	const legend = h('ul', { class: 'legend' }, series.filter((x) => x.answer).map((x) =>
	    h('li', null, h('span', { class: `swatch series-${x.index}`, 'aria-hidden': 'true' }), x.name)));
	parts.push(h('figure', { class: 'panel compare-chart' }, chart,
	    h('figcaption', null, legend,
		h('p', { class: 'hint' }, 'Faded bars: partial (a gap in the records, or the period is not over yet).'))));
	parts.push(table(series.filter((x) => x.answer), periods, p, unit, title));
	parts.push(h('div', { class: 'actions compare-downloads' },
	    h('a', { class: 'button secondary', download: `compare-${metric}-${p.key}.svg`, href: '#',
		onclick: (ev) => { ev.currentTarget.href = svgDataUrl(chart, legend); } }, 'Download chart (SVG)'),
	    series.filter((x) => x.answer).map((x) => h('a', {
		class: 'button secondary', download: '',
		href: csvUrl(x.device.id, metric, range),
	    }, `CSV: ${x.name}`))));
	return parts;
}

function drawChart(series, periods, p, unit, title) {
	const shown = series.filter((x) => x.answer);
	let max = 0;
	for (const x of shown)
		for (const r of x.byFrom.values())
			if (typeof r.amount === 'number' && r.amount > max)
				max = r.amount;
	const { top, step } = scale(max);
	const pw = W - M.left - M.right, ph = H - M.top - M.bottom;
	const y = (v) => M.top + ph - (v / top) * ph;
	const group = pw / periods.length;
	const bar = (group * 0.8) / Math.max(1, shown.length);
	const id = `chart-title-${Date.now()}`;
	const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': id,
	    xmlns: SVG, width: W, height: H },
	s('title', { id }, `${title}, in ${unitLabel(unit) || 'count'}`));
	const decimals = step < 1 ? Math.min(3, Math.ceil(-Math.log10(step))) : 0;
	for (let v = 0; v <= top + step / 2; v += step) {
		svg.append(s('line', { class: 'gridline', x1: M.left, x2: W - M.right, y1: y(v), y2: y(v) }),
		    s('text', { class: 'tick', x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end' },
			formatNumber(v, decimals)));
	}
	svg.append(s('text', { class: 'axis-label', x: 12, y: M.top + ph / 2, 'text-anchor': 'middle',
	    transform: `rotate(-90 12 ${M.top + ph / 2})` }, `${unitLabel(unit) || 'count'} per ${p.per}`));
	const every = Math.ceil(periods.length / 16);
	periods.forEach((r, i) => {
		const x0 = M.left + i * group + group * 0.1;
		shown.forEach((x, k) => {
			const v = x.byFrom.get(r.from);
			if (!v || typeof v.amount !== 'number')
				return;
			const h0 = Math.max(0, y(0) - y(v.amount));
			const note = periodNote(v);
			svg.append(s('rect', {
				class: `bar series-${x.index}${isPartial(v) ? ' partial' : ''}`,
				x: (x0 + k * bar).toFixed(1), y: y(v.amount).toFixed(1),
				width: Math.max(1, bar - 1).toFixed(1), height: h0.toFixed(1),
			}, s('title', null, `${x.name}, ${periodLabel(p.per, r.from, r.to)}: ${formatAmount(v.amount, unit)}${note ? ` (${note})` : ''}`)));
		});
		if (i % every === 0)
			svg.append(s('text', { class: 'tick', x: (M.left + i * group + group / 2).toFixed(1), y: H - M.bottom + 16,
			    'text-anchor': 'middle' }, periodTick(p.per, r.from, periods.length <= 8)));
	});
	svg.append(s('line', { class: 'axis', x1: M.left, x2: W - M.right, y1: y(0), y2: y(0) }),
	    s('line', { class: 'axis', x1: M.left, x2: M.left, y1: M.top, y2: y(0) }));
	return svg;
}

// The chart on its own, for a download: the colours and fonts its classes
// give it now, written as presentation attributes, on the page's background.
const KEPT = ['fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'opacity',
	'font-family', 'font-size', 'font-weight'];

function svgDataUrl(svg, legend) {
	const copy = svg.cloneNode(true);
	const from = [svg, ...svg.querySelectorAll('*')];
	const to = [copy, ...copy.querySelectorAll('*')];
	from.forEach((el, i) => {
		const cs = getComputedStyle(el);
		for (const k of KEPT) {
			const v = cs.getPropertyValue(k);
			if (v)
				to[i].setAttribute(k, v);
		}
		to[i].removeAttribute('class');
	});
	let back = getComputedStyle(svg.closest('figure') || svg).backgroundColor;
	if (!back || back === 'rgba(0, 0, 0, 0)')
		back = '#ffffff';
	// The legend, which the page writes in HTML, under the chart.
	const text = getComputedStyle(svg.querySelector('.tick') || svg);
	let x = M.left;
	for (const li of legend.querySelectorAll('li')) {
		const swatch = li.querySelector('.swatch');
		copy.append(s('rect', { x, y: H + 8, width: 12, height: 12,
		    fill: swatch ? getComputedStyle(swatch).backgroundColor : text.fill }),
		    s('text', { x: x + 18, y: H + 18, fill: text.fill, 'font-size': '12px',
			'font-family': text.fontFamily }, li.textContent));
		x += 36 + li.textContent.length * 7;
	}
	copy.setAttribute('viewBox', `0 0 ${W} ${H + 28}`);
	copy.setAttribute('height', String(H + 28));
	copy.insertBefore(s('rect', { x: 0, y: 0, width: W, height: H + 28, fill: back }), copy.firstChild.nextSibling);
	return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent('<?xml version="1.0" encoding="UTF-8"?>\n' +
	    new XMLSerializer().serializeToString(copy));
}

function table(series, periods, p, unit, title) {
	const totals = series.map((x) => {
		const known = [...x.byFrom.values()].filter((r) => typeof r.amount === 'number');
		return known.length ? known.reduce((sum, r) => sum + r.amount, 0) : null;
	});
	let marked = false;
	const cell = (x, r) => {
		const v = x.byFrom.get(r.from);
		if (!v || typeof v.amount !== 'number')
			return '—';
		if (!isPartial(v))
			return formatAmount(v.amount, unit);
		marked = true;
		return `${formatAmount(v.amount, unit)} *`;
	};
	const rows = periods.slice().reverse().map((r) => h('tr', null,
	    h('th', { scope: 'row' }, periodLabel(p.per, r.from, r.to)),
	    series.map((x) => h('td', { class: 'num' }, cell(x, r)))));
	return h('div', null, tableWrap(h('table', null,
	    h('caption', null, `${title}, newest first`),
	    h('thead', null, h('tr', null, h('th', { scope: 'col' }, p.per === 'hour' ? 'Hour' : p.per === 'day' ? 'Day' : 'Month'),
		series.map((x) => h('th', { scope: 'col', class: 'num' }, x.name)))),
	    h('tbody', null, rows),
	    h('tfoot', null, h('tr', null, h('th', { scope: 'row' }, 'Total'),
		totals.map((t) => h('td', { class: 'num' }, formatAmount(t, unit))))))),
	    marked ? h('p', { class: 'hint' }, '* partial: a gap in the records, or the period is not over yet.') : null);
}
