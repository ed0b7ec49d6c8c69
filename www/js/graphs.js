// A reading's recorded history as the server draws it (graphs, in the
// page's colour scheme) and gives it to download (CSV).

import { enc } from './dom.js';

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
