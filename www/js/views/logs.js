import { h } from '../dom.js';
import { api } from '../api.js';
import { clearAlert } from '../messages.js';
import { showError } from '../forms.js';
import { badge, dataTable, pageHead } from '../widgets.js';
import { formatTime } from '../format.js';

const REFRESH_MS = 5000;
const TONES = { warn: 'warn', warning: 'warn', error: 'bad', info: 'neutral', debug: 'neutral' };

export const logsView = {
	title: 'Logs',
	right: 'read',
	render(root, ctx) {
		const list = h('div');
		root.append(pageHead('Logs'),
		    h('p', { class: 'muted' }, 'The last 200 messages of mewsd, newest first.'), list);
		let shown = null;
		ctx.poll(async () => {
			let lines;
			try {
				lines = await api.get('logs');
			} catch (e) {
				showError(e, null, 'logs');
				return;
			}
			clearAlert('logs');
			const key = JSON.stringify(lines[lines.length - 1] || null) + lines.length;
			if (key === shown || !ctx.alive)
				return;
			shown = key;
			list.replaceChildren(lines.length ? dataTable([
				{ label: 'Time', cell: (l) => formatTime(l.time) },
				{ label: 'Level', cell: (l) => badge(TONES[l.level] || 'neutral', l.level) },
				{ label: 'Message', cell: (l) => h('span', { class: 'log-message' }, l.message) },
			], [...lines].reverse()) : h('p', { class: 'panel empty' }, 'No messages yet.'));
		}, REFRESH_MS);
	},
};
