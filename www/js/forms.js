// Labelled fields, their error slots, and one place that decides where an
// error goes: next to its field when the server or the check names one,
// otherwise in the page alert.

import { h } from './dom.js';
import { ApiError } from './api.js';
import { showAlert } from './messages.js';

let seq = 0;
const nextId = (prefix = 'f') => `${prefix}-${++seq}`;

// control: an input or select; label: its visible name; hint: a help line.
export function field(label, control, hint) {
	if (!control.id)
		control.id = nextId();
	const hintId = control.id + '-hint';
	const errId = control.id + '-error';
	control.setAttribute('aria-describedby', hint ? `${hintId} ${errId}` : errId);
	return h('div', { class: 'field' },
	    h('label', { for: control.id }, label),
	    control,
	    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
	    h('p', { class: 'field-error', id: errId, hidden: true }));
}

export function input(props) {
	return h('input', { type: 'text', ...props });
}

export function numberInput(props) {
	return h('input', { type: 'number', inputmode: 'numeric', step: 1, ...props });
}

export function pinInput(props) {
	return h('input', { type: 'password', inputmode: 'numeric', pattern: '[0-9]{5}',
	    maxlength: 5, required: true, spellcheck: 'false', ...props });
}

// options: [value, label] pairs or plain values.
export function select(props, options) {
	return h('select', props, options.map((o) => {
		const [value, label] = Array.isArray(o) ? o : [o, o];
		return h('option', { value }, label);
	}));
}

export function checkbox(label, props) {
	const id = props.id || nextId();
	const box = h('input', { type: 'checkbox', ...props, id, 'aria-describedby': id + '-error' });
	return h('div', { class: 'field check' }, box, h('label', { for: id }, label),
	    h('p', { class: 'field-error', id: id + '-error', hidden: true }));
}

// A radio group; options: [{value, label, hint}]; ids are idPrefix + value.
export function radios(legend, name, options, value, idPrefix = nextId() + '-') {
	const errId = idPrefix + 'error';
	return h('fieldset', { class: 'field radios' },
	    h('legend', null, legend),
	    options.map((o) => {
		const id = idPrefix + o.value;
		return h('div', { class: 'radio' },
		    h('input', { type: 'radio', name, id, value: o.value, checked: o.value === value,
			'aria-describedby': o.hint ? `${id}-hint ${errId}` : errId }),
		    h('label', { for: id }, o.label,
			o.hint ? h('span', { class: 'hint', id: id + '-hint' }, o.hint) : null));
	    }),
	    h('p', { class: 'field-error', id: errId, hidden: true }));
}

export function setFieldError(control, message) {
	const wrap = control.closest('.field');
	const slot = wrap && wrap.querySelector(':scope > .field-error');
	control.setAttribute('aria-invalid', 'true');
	const details = control.closest('details');
	if (details)
		details.open = true;
	if (slot) {
		slot.textContent = message;
		slot.hidden = false;
	} else {
		showAlert(message);
	}
}

export function clearErrors(form) {
	for (const slot of form.querySelectorAll('.field-error')) {
		slot.hidden = true;
		slot.textContent = '';
	}
	for (const el of form.querySelectorAll('[aria-invalid]'))
		el.removeAttribute('aria-invalid');
}

// A field the server names: data-field wins (API names like
// "modbus_tcp.port" that are not the input's name), then the name.
function findField(form, name) {
	const byData = form.querySelector(`[data-field="${CSS.escape(name)}"]`);
	if (byData)
		return byData;
	const el = form.elements.namedItem(name);
	return el instanceof RadioNodeList ? el[0] : el;
}

export function showError(err, form = null, source = null) {
	if (err instanceof ApiError) {
		if (err.handled)
			return;
		const control = err.field && form ? findField(form, err.field) : null;
		if (control) {
			setFieldError(control, err.message);
			control.focus();
			return;
		}
		showAlert(err.field ? `${err.field}: ${err.message}` : err.message, source);
		return;
	}
	console.error(err);
	showAlert(`Unexpected error in the page: ${err && err.message ? err.message : err}`, source);
}

// Client-side checks, each putting its message next to its field; ok()
// focuses the first bad one.
export function checker(form) {
	clearErrors(form);
	let first = null;
	const c = {
		fail(control, message) {
			setFieldError(control, message);
			first = first || control;
		},
		text(control, { optional = false, pattern, message } = {}) {
			const v = control.value.trim();
			if (v === '' && optional)
				return v;
			if (v === '')
				c.fail(control, 'This field is required.');
			else if (pattern && !pattern.test(v))
				c.fail(control, message);
			return v;
		},
		int(control, min, max, { optional = false } = {}) {
			const s = control.value.trim();
			if (s === '' && optional)
				return undefined;
			const v = Number(s);
			if (s === '' || !Number.isInteger(v) || v < min || v > max) {
				c.fail(control, `Enter a whole number from ${min} to ${max}.`);
				return undefined;
			}
			return v;
		},
		number(control, { optional = false, positive = false } = {}) {
			const s = control.value.trim();
			if (s === '' && optional)
				return undefined;
			const v = Number(s);
			if (s === '' || !Number.isFinite(v) || (positive && !(v > 0))) {
				c.fail(control, positive ? 'Enter a number greater than 0.' : 'Enter a number.');
				return undefined;
			}
			return v;
		},
		pin(control) {
			const v = control.value.trim();
			if (!/^[0-9]{5}$/.test(v))
				c.fail(control, 'A PIN is exactly 5 digits.');
			return v;
		},
		ok() {
			if (first)
				first.focus();
			return first === null;
		},
	};
	return c;
}

// One submit at a time; the button says it is working.
export async function withBusy(button, fn) {
	button.disabled = true;
	button.setAttribute('aria-busy', 'true');
	try {
		return await fn();
	} finally {
		button.disabled = false;
		button.removeAttribute('aria-busy');
	}
}
