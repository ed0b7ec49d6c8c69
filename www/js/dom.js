// DOM building without innerHTML: device names and log lines come from users.

export function h(tag, props, ...children) {
	const el = document.createElement(tag);
	let value;
	for (const [key, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (key === 'class')
			el.className = v;
		else if (key === 'dataset')
			Object.assign(el.dataset, v);
		else if (key === 'value')
			value = v;	// after the children: a select needs its options first
		else if (key.startsWith('on') && typeof v === 'function')
			el.addEventListener(key.slice(2), v);
		else
			el.setAttribute(key, v === true ? '' : String(v));
	}
	append(el, children);
	if (value !== undefined)
		el.value = String(value);
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === undefined || c === null || c === false)
			continue;
		el.append(c instanceof Node ? c : String(c));
	}
	return el;
}

// Text only changes when it differs, so screen readers and text selection are
// not disturbed by refreshes that bring the same value.
export function setText(el, text) {
	const s = String(text);
	if (el.textContent !== s)
		el.textContent = s;
}

export const enc = encodeURIComponent;
