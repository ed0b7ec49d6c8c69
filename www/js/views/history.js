// History: the page that says how long each kind of reading is kept
// (GET /api/history).

import { h } from '../dom.js';
import { api } from '../api.js';
import { clearAlert } from '../messages.js';
import { showError } from '../forms.js';
import { definitions, pageHead, section, loading, linkButton } from '../widgets.js';
import { formatInt } from '../format.js';
import { CLASSES, keptText } from '../retention.js';

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
