// An alarm in words: its rule's condition, its state as a badge.

import { badge } from './widgets.js';
import { formatNumber } from './format.js';

const STATUS = {
	active: ['bad', 'Active'],
	acknowledged: ['warn', 'Acknowledged'],
	cleared: ['neutral', 'Cleared, not acknowledged'],
	normal: ['ok', 'Normal'],
};

export function statusBadge(status) {
	const [tone, text] = STATUS[status] || ['neutral', status];
	return badge(tone, text);
}

// "voltage_l1 above 253 V (hysteresis 2)": the rule in words.
export function condition(a) {
	const unit = a.unit ? ` ${a.unit}` : '';
	switch (a.kind) {
	case 'offline':
		return 'device offline';
	case 'tripped':
		return 'breaker tripped';
	case 'budget':
		return `${a.metric} over ${formatNumber(a.threshold)}${unit} a ${a.period}`;
	default:
		return `${a.metric} ${a.kind} ${formatNumber(a.threshold)}${unit}` +
		    (a.hysteresis ? ` (hysteresis ${formatNumber(a.hysteresis)})` : '');
	}
}
