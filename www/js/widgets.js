// Small pieces every page uses: badges, tables, definition lists, sections.

import { h, setText } from './dom.js';

// Text and a shape besides the colour, for readers who cannot tell red from green.
export function badge(tone, text) {
	return h('span', { class: `badge ${tone}` },
	    h('span', { class: 'badge-dot', 'aria-hidden': 'true' }), text);
}

export function onlineBadge(online) {
	return online ? badge('ok', 'Online') : badge('bad', 'Offline');
}

export function upBadge(up) {
	return up ? badge('ok', 'Up') : badge('bad', 'Down');
}

// A table wider than its place (a phone) scrolls sideways in its frame,
// which then says so; the column of the row's buttons stays at its right
// edge. Tables leaving the page are let go, or they would be kept.
const overflow = new ResizeObserver((entries) => {
	for (const { target } of entries) {
		if (!target.isConnected) {
			overflow.unobserve(target);
			continue;
		}
		const wrap = target.closest('.table-wrap');
		wrap.classList.toggle('overflows', wrap.scrollWidth > wrap.clientWidth + 1);
	}
});

export function tableWrap(table) {
	const wrap = h('div', { class: 'table-wrap' },
	    h('p', { class: 'table-hint' }, 'Scroll sideways for more columns.'), table);
	overflow.observe(wrap);
	overflow.observe(table);
	return wrap;
}

// columns: [{label, cell(row) -> string|Node, num?: true, actions?: true
// (the row's buttons)}]
export function dataTable(columns, rows, { caption } = {}) {
	const cls = (c) => [c.num ? 'num' : '', c.actions ? 'row-actions' : ''].join(' ').trim() || null;
	const head = h('tr', null, columns.map((c) =>
	    h('th', { scope: 'col', class: cls(c) }, c.label)));
	const body = rows.map((row) => h('tr', null,
	    columns.map((c) => h('td', { class: cls(c) }, c.cell(row)))));
	return tableWrap(h('table', null, caption ? h('caption', null, caption) : null,
	    h('thead', null, head), h('tbody', null, body)));
}

// pairs: [[term, description]]; descriptions may be nodes.
export function definitions(pairs, cls = 'facts') {
	return h('dl', { class: cls }, pairs.map(([t, d]) =>
	    h('div', null, h('dt', null, t), h('dd', null, d))));
}

export function section(title, ...children) {
	return h('section', { class: 'panel' }, h('h2', null, title), children);
}

export function pageHead(title, ...actions) {
	return h('div', { class: 'page-head' },
	    h('h1', { tabindex: '-1' }, title),
	    actions.length ? h('div', { class: 'actions' }, actions) : null);
}

export function linkButton(href, text, cls = 'secondary') {
	return h('a', { class: `button ${cls}`, href }, text);
}

export function loading(text = 'Loading…') {
	return h('p', { class: 'muted' }, text);
}

// A table refreshed in place: rows are rebuilt only when the set of keys
// changes, otherwise only the text of the cells that differ is replaced.
// columns: [{label, num?, cell(key, data) -> string, cls?(key, data) -> string,
// metric?: true (the cell carries data-metric=key)}]; the first column heads the row.
export function liveTable(columns, caption) {
	const tbody = h('tbody');
	const el = tableWrap(h('table', null,
	    caption ? h('caption', null, caption) : null,
	    h('thead', null, h('tr', null, columns.map((c) =>
		h('th', { scope: 'col', class: c.num ? 'num' : null }, c.label)))),
	    tbody));
	const rows = new Map();
	let shape = null;
	function update(keys, data) {
		const next = keys.join('\n');
		if (next !== shape) {
			shape = next;
			rows.clear();
			tbody.replaceChildren(...keys.map((key) => {
				const cells = columns.map((c, i) => h(i === 0 ? 'th' : 'td', {
					scope: i === 0 ? 'row' : null,
					dataset: c.metric ? { metric: key } : null,
				}));
				rows.set(key, cells);
				return h('tr', null, cells);
			}));
		}
		for (const key of keys) {
			rows.get(key).forEach((cell, i) => {
				const c = columns[i];
				setText(cell, c.cell(key, data));
				const cls = [c.num ? 'num' : '', c.cls ? c.cls(key, data) : ''].join(' ').trim();
				if (cell.className !== cls)
					cell.className = cls;
			});
		}
	}
	return { el, update };
}
