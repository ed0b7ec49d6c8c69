// How long each class of reading is kept, in words (GET /api/history).

import { h } from './dom.js';
import { formatInt } from './format.js';

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
