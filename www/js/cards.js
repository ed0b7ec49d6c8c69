// The card of every device with its live readings: the dashboard, and the
// lower half of the installer's and administrator's home.

import { h, enc, setText } from './dom.js';
import { api } from './api.js';
import { can } from './session.js';
import { clearAlert } from './messages.js';
import { showError } from './forms.js';
import { onlineBadge } from './widgets.js';
import { deviceVia, formatReading, formatTime, metricLabel, unitLabel } from './format.js';

const REFRESH_MS = 2000;
const PHASES = ['l1', 'l2', 'l3'];
const TOTALS = ['energy_import', 'energy_export', 'water_volume', 'gas_volume', 'trips'];

export function mountDashboard(root, ctx) {
	const summary = h('span', { 'aria-live': 'polite' });
	const updated = h('span', { class: 'muted' });
	const empty = h('div');
	const grid = h('div', { class: 'cards', id: 'dashboard' });
	root.append(h('p', { class: 'status-line' }, summary, ' ', updated), empty, grid);
	const cards = new Map();

	async function refresh() {
		let devices;
		try {
			devices = await api.get('devices?values=1');
		} catch (e) {
			showError(e, null, 'dashboard');
			return;
		}
		if (!ctx.alive)
			return;
		clearAlert('dashboard');
		for (const [id, card] of cards) {
			if (!devices.some((d) => d.id === id)) {
				card.el.remove();
				cards.delete(id);
			}
		}
		devices.forEach((dev, i) => {
			let card = cards.get(dev.id);
			if (!card) {
				card = makeCard(dev);
				cards.set(dev.id, card);
			}
			updateCard(card, dev);
			// Moved only when out of place: a moved node loses keyboard focus.
			if (grid.children[i] !== card.el)
				grid.insertBefore(card.el, grid.children[i] || null);
		});
		const online = devices.filter((d) => d.online).length;
		setText(summary, devices.length ?
		    `${online} of ${devices.length} ${devices.length === 1 ? 'device' : 'devices'} online.` : '');
		setText(updated, `Updated ${formatTime(Date.now() / 1000)}.`);
		renderEmpty(empty, devices.length === 0);
	}
	ctx.poll(refresh, REFRESH_MS);
}

function renderEmpty(slot, isEmpty) {
	if (!isEmpty) {
		slot.replaceChildren();
		return;
	}
	if (slot.firstChild)
		return;
	slot.append(h('div', { class: 'panel empty' },
	    h('p', null, 'No devices are configured yet.'),
	    can('configure') ? h('p', null, h('a', { href: '#/settings/buses' }, 'Scan a bus'),
		' to find the meters wired to it, or ', h('a', { href: '#/settings/devices?add=1' }, 'add a device'), '.') :
		h('p', null, 'An installer adds them.')));
}

function connectionText(dev) {
	return deviceVia(dev);
}

function makeCard(dev) {
	const link = h('a', { class: 'card-link', href: '#/device/' + enc(dev.id) });
	const badgeSlot = h('span', { class: 'card-badge' });
	const meta = h('p', { class: 'card-meta' });
	const body = h('div', { class: 'card-body' });
	const foot = h('p', { class: 'card-foot' });
	const el = h('article', { class: 'card device-card', dataset: { device: dev.id } },
	    h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, link), badgeSlot),
	    meta, body, foot);
	return { el, link, badgeSlot, meta, body, foot, online: null, layout: null, spans: new Map() };
}

// Which readings a card shows: the state or the power in large, the phases
// in a small table, then the totals; a profile we do not know shows its
// first readings.
function layoutFor(values) {
	const has = (m) => Object.hasOwn(values, m);
	const phases = PHASES.filter((p) => has('voltage_' + p) || has('current_' + p));
	const plan = {
		headline: has('state') ? 'state' : has('power') ? 'power' : null,
		phases: phases.length > 1 ? phases : [],
		list: phases.length === 1 ? ['voltage_' + phases[0], 'current_' + phases[0]].filter(has) : [],
	};
	plan.list.push(...TOTALS.filter(has));
	if (!plan.headline && !plan.phases.length && !plan.list.length)
		plan.list = Object.keys(values).slice(0, 4);
	return plan;
}

function buildBody(card, plan, values) {
	card.spans.clear();
	const value = (metric, withUnit = true) => {
		const span = h('span', { class: 'value', dataset: { metric } });
		const text = unitLabel(values[metric].unit);
		const unit = withUnit && text && metric !== 'state' ? h('span', { class: 'unit' }, ' ' + text) : null;
		card.spans.set(metric, { span, unit });
		return [span, unit];
	};
	const parts = [];
	if (plan.headline)
		parts.push(h('p', { class: 'headline' },
		    h('span', { class: 'headline-label' }, metricLabel(plan.headline)), value(plan.headline)));
	if (plan.phases.length) {
		const rows = [['voltage', 'Voltage', 'V'], ['current', 'Current', 'A']]
		    .filter(([q]) => plan.phases.some((p) => values[`${q}_${p}`]));
		parts.push(h('table', { class: 'phases' },
		    h('thead', null, h('tr', null, h('td'), plan.phases.map((p) =>
			h('th', { scope: 'col', class: 'num' }, p.toUpperCase())))),
		    h('tbody', null, rows.map(([q, label, unit]) => h('tr', null,
			h('th', { scope: 'row' }, `${label} (${unit})`),
			plan.phases.map((p) => h('td', { class: 'num' },
			    values[`${q}_${p}`] ? value(`${q}_${p}`, false) : '—')))))));
	}
	if (plan.list.length)
		parts.push(h('dl', { class: 'readings' }, plan.list.map((m) =>
		    h('div', null, h('dt', null, metricLabel(m).replace(/ L1$/, '')), h('dd', null, value(m))))));
	card.body.replaceChildren(...parts);
}

function updateCard(card, dev) {
	setText(card.link, dev.name || dev.id);
	setText(card.meta, connectionText(dev));
	if (card.online !== dev.online) {
		card.online = dev.online;
		card.badgeSlot.replaceChildren(onlineBadge(dev.online));
		card.el.classList.toggle('offline', !dev.online);
	}
	// A state that reads bad (a tripped breaker) stands out as offline does.
	const state = dev.values && dev.values.state;
	const now = state && state.quality === 'ok' && (dev.states || [])[state.value];
	card.el.classList.toggle('alert', Boolean(now && now.tone === 'bad'));
	if (dev.error) {
		card.layout = null;
		card.spans.clear();
		card.body.replaceChildren(h('p', { class: 'error-text' }, dev.error.message));
	} else {
		const values = dev.values || {};
		const states = dev.states || [];
		const plan = layoutFor(values);
		const layout = JSON.stringify([states, plan]);
		if (layout !== card.layout) {
			buildBody(card, plan, values);
			card.layout = layout;
		}
		for (const [metric, { span, unit }] of card.spans) {
			const reading = values[metric];
			setText(span, formatReading(metric, reading, states));
			span.classList.toggle('stale', reading.quality === 'stale');
			if (unit)
				unit.hidden = !['ok', 'stale'].includes(reading.quality) || reading.value === null;
		}
	}
	const stale = [...card.spans.keys()].some((m) => dev.values && dev.values[m] && dev.values[m].quality === 'stale');
	setText(card.foot, dev.last_ok ?
	    `Last reading ${formatTime(dev.last_ok)}${stale ? ' · some values are stale' : ''}` :
	    'No answer yet');
}
