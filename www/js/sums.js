// A group's live sums: a value and whether every member's reading is in it.

import { badge } from './widgets.js';
import { readingText } from './format.js';

// A live sum as text: the value, and "partial" when a member's is missing.
export function sumText(sum) {
	if (!sum)
		return '—';
	const text = readingText('power', sum);
	return sum.quality === 'partial' ? `${text} (partial: ${sum.missing.join(', ')} missing)` : text;
}

export function sumBadge(sum) {
	if (!sum || sum.quality === 'ok')
		return null;
	return badge(sum.quality === 'partial' ? 'warn' : 'neutral', sum.quality === 'partial' ? 'partial' : 'no data');
}
