// Reports by e-mail or upload (administrator): the SMTP settings, each
// report's schedule and destination, its last delivery, and a 'send a test
// report now' button that shows the server's answer.  Passwords never come
// from the server: an empty password field keeps the saved one.

import { h } from '../dom.js';
import { api } from '../api.js';
import { notify } from '../messages.js';
import { field, input, numberInput, select, checkbox, checker, showError, withBusy } from '../forms.js';
import { definitions, pageHead, loading } from '../widgets.js';
import { formatTime } from '../format.js';

const SECURITY = [['starttls', 'STARTTLS (port 587)'], ['tls', 'TLS from the start (smtps, port 465)'],
    ['none', 'None (port 25, password in clear)']];
const EVERY = [['day', 'Every day (yesterday)'], ['week', 'Every week (Monday to Sunday)'],
    ['month', 'Every month']];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const list = (s) => s.split(/[\s,;]+/).filter((x) => x !== '');
let unsaved = 0;	// new reports have no name yet to make ids from

export const reportsView = {
	title: 'Reports',
	right: 'admin',
	render(root, ctx) {
		const slot = h('div', null, loading());
		root.append(pageHead('Reports'), slot);

		async function load() {
			let data;
			try {
				data = await api.get('reports');
			} catch (e) {
				showError(e);
				return;
			}
			if (ctx.alive)
				slot.replaceChildren(reportsForm(data, load));
		}
		load();
	},
};

function box(label, name, checked) {
	const wrap = checkbox(label, { name });
	wrap.querySelector('input').checked = Boolean(checked);
	return wrap;
}

function mailGroup(mail) {
	const c = {
		server: input({ name: 'mail.server', value: mail.server, spellcheck: 'false', placeholder: 'smtp.example.com' }),
		port: numberInput({ name: 'mail.port', value: mail.port, min: 1, max: 65535 }),
		security: select({ name: 'mail.security' }, SECURITY),
		user: input({ name: 'mail.user', value: mail.user, autocomplete: 'off' }),
		password: h('input', { type: 'password', name: 'mail.password', autocomplete: 'new-password',
		    placeholder: mail.password_set ? 'unchanged' : '' }),
		from: input({ name: 'mail.from', value: mail.from, placeholder: 'mews@example.com' }),
		// Files on the box are set in mews.conf only: shown, never sent.
		ca_file: input({ name: 'mail.ca_file', value: mail.ca_file, placeholder: 'the system\'s CAs', readonly: true }),
		retry_s: numberInput({ name: 'mail.retry_s', value: mail.retry_s, min: 1, max: 3600 }),
	};
	c.security.value = mail.security;
	const verify = box('Check the server\'s certificate (unchecked is unsafe)', 'mail.verify', mail.verify);
	c.verify = verify.querySelector('input');
	const el = h('fieldset', { class: 'group' }, h('legend', null, 'Mail server (SMTP)'),
	    h('div', { class: 'form-grid' },
		field('Server', c.server), field('Security', c.security), field('Port', c.port),
		field('User', c.user, 'Empty: no login'), field('Password', c.password, mail.password_set ?
		    'Set; leave empty to keep it' : 'Not set'),
		field('From address', c.from), field('CA file', c.ca_file, 'PEM file on the box, set in mews.conf only; empty: the system\'s'),
		field('First retry (s)', c.retry_s, 'Doubled after each failure, up to an hour'), verify));
	// What the form holds; the password only when typed.
	const value = (chk) => {
		const out = {
			server: c.server.value.trim(), port: chk.int(c.port, 1, 65535), security: c.security.value,
			user: c.user.value.trim(), from: c.from.value.trim(),
			verify: c.verify.checked, retry_s: chk.int(c.retry_s, 1, 3600),
		};
		if (c.password.value !== '')
			out.password = c.password.value;
		return out;
	};
	return { el, value, server: c.server };
}

function reportState(st) {
	if (!st)
		return h('p', { class: 'hint' }, 'Not sent yet: save it first.');
	return definitions([
		['Last period delivered', st.done_period ? formatTime(st.done_period) : '—'],
		['Next due', st.next_due ? formatTime(st.next_due) : '—'],
		['Last answer', st.last_answer ? `${st.last_ok ? '' : 'failed: '}${st.last_answer}` : '—'],
		['Failures in a row', String(st.failures || 0)],
		['Next retry', st.retry_at ? formatTime(st.retry_at) : '—'],
	]);
}

function reportGroup(r, mail, remove) {
	const push = r.push || null;
	const c = {
		name: input({ name: 'name', value: r.name || '', readonly: Boolean(r.name), spellcheck: 'false' }),
		every: select({ name: 'every' }, EVERY),
		at: h('input', { type: 'time', name: 'at', value: r.at || '06:00' }),
		weekday: select({ name: 'weekday' }, WEEKDAYS),
		day: numberInput({ name: 'day', value: r.day || 1, min: 1, max: 28 }),
		devices: input({ name: 'devices', value: (r.devices || []).join(', '), placeholder: 'every device' }),
		mode: select({ name: 'mode' }, [['mail', 'E-mail'], ['push', 'Upload (FTP, FTPS, SFTP, HTTPS)']]),
		to: input({ name: 'to', value: (r.to || []).join(', '), placeholder: 'fm@example.com' }),
		url: input({ name: 'push.url', value: push ? push.url : '', placeholder: 'sftp://host/folder/' }),
		puser: input({ name: 'push.user', value: push ? push.user : '' }),
		ppass: h('input', { type: 'password', name: 'push.password', autocomplete: 'new-password',
		    placeholder: push && push.password_set ? 'unchanged' : '' }),
		// Files on the box are set in mews.conf only: shown, never sent.
		pca: input({ name: 'push.ca_file', value: push ? push.ca_file : '', readonly: true }),
		hostkey: input({ name: 'push.host_key', value: push ? push.host_key : '', spellcheck: 'false' }),
		keyfile: input({ name: 'push.key_file', value: push ? push.key_file : '', readonly: true }),
	};
	c.every.value = r.every || 'day';
	c.weekday.value = r.weekday || 'monday';
	c.mode.value = push ? 'push' : 'mail';
	const pverify = box('Check the server\'s certificate or key (unchecked is unsafe)', 'push.verify',
	    push ? push.verify : true);
	const weekField = field('Weekday', c.weekday, 'Sent that day after the week');
	const dayField = field('Day of the month', c.day, '1 to 28, of the month after');
	const toField = field('Recipients', c.to, 'E-mail addresses, separated by commas');
	const pushFields = h('div', { class: 'form-grid' },
	    field('Folder URL', c.url, 'ftp://, ftps://, sftp:// or https://, ending with /'),
	    field('User', c.puser), field('Password', c.ppass, push && push.password_set ? 'Set; leave empty to keep it' : ''),
	    field('CA file', c.pca, 'FTPS, HTTPS: PEM file, set in mews.conf only; empty: the system\'s'),
	    field('SSH host key', c.hostkey, 'SFTP: the base64 after SHA256: in ssh-keygen -lf'),
	    field('SSH key file', c.keyfile, 'SFTP: a private key on the box, set in mews.conf only'), pverify);
	const sync = () => {
		weekField.hidden = c.every.value !== 'week';
		dayField.hidden = c.every.value !== 'month';
		toField.hidden = c.mode.value !== 'mail';
		pushFields.hidden = c.mode.value !== 'push';
	};
	c.every.addEventListener('change', sync);
	c.mode.addEventListener('change', sync);
	sync();

	const answer = h('output', { class: 'test-answer', 'aria-live': 'polite' });
	const why = h('span', { class: 'hint', id: `test-why-${r.name || 'new-' + ++unsaved}` });
	const test = h('button', { type: 'button', class: 'button secondary', 'aria-describedby': why.id },
	    'Send a test report now');
	// A greyed button says why: a report the server does not have yet, or
	// a mail without a server to send it through.
	const testable = () => {
		const reason = !r.name ? 'Save this report first: the test sends the saved one.' :
		    c.mode.value === 'mail' && !mail.server.value.trim() ? 'Set the mail server first.' : '';
		test.disabled = reason !== '';
		why.textContent = reason;
	};
	c.mode.addEventListener('change', testable);
	mail.server.addEventListener('input', testable);
	testable();
	test.addEventListener('click', () => withBusy(test, async () => {
		answer.textContent = 'Sending…';
		const chk = checker(test.form);
		const body = { report: r.name, mail: mail.value(chk) };
		if (!chk.ok()) {
			answer.textContent = '';
			return;
		}
		try {
			const res = await api.post('reports/test', body);
			answer.textContent = `Sent. The server answered: ${res.answer}`;
		} catch (e) {
			const a = e.body && e.body.answer;
			answer.textContent = a ? `Not delivered: ${a}` : '';
			if (!a)
				showError(e, test.form);
		}
	}));
	const drop = h('button', { type: 'button', class: 'button secondary' }, 'Remove this report');
	const el = h('fieldset', { class: 'group' }, h('legend', null, r.name ? `Report ${r.name}` : 'New report'),
	    h('div', { class: 'form-grid' },
		field('Name', c.name, r.name ? 'A report keeps its name' : 'a-z, 0-9, - and _'),
		field('Period', c.every), field('At (local time)', c.at), weekField, dayField,
		field('Devices', c.devices, 'Device ids separated by commas; empty: every device'),
		field('Send by', c.mode), toField),
	    pushFields, r.name ? reportState(r.state) : null,
	    h('div', { class: 'actions' }, test, drop, why), answer);
	drop.addEventListener('click', () => remove(el));

	const value = (chk) => {
		const out = { name: chk.text(c.name, { pattern: /^[a-z0-9_-]{1,32}$/,
		    message: 'Use 1 to 32 of a-z, 0-9, - and _.' }), every: c.every.value, at: c.at.value,
		    devices: list(c.devices.value) };
		if (out.every === 'week')
			out.weekday = c.weekday.value;
		if (out.every === 'month')
			out.day = chk.int(c.day, 1, 28);
		if (c.mode.value === 'mail') {
			out.to = list(c.to.value);
			if (out.to.length === 0)
				chk.fail(c.to, 'At least one address.');
			return out;
		}
		out.push = { url: chk.text(c.url), user: c.puser.value.trim(),
		    verify: pverify.querySelector('input').checked, host_key: c.hostkey.value.trim() };
		if (c.ppass.value !== '')
			out.push.password = c.ppass.value;
		return out;
	};
	return { el, value };
}

function reportsForm(data, reload) {
	const mail = mailGroup(data.mail || {});
	const groups = [];
	const holder = h('div');
	const remove = (el) => {
		const i = groups.findIndex((g) => g.el === el);
		if (i >= 0)
			groups.splice(i, 1);
		el.remove();
	};
	const add = (r) => {
		const g = reportGroup(r, mail, remove);
		groups.push(g);
		holder.append(g.el);
	};
	(data.reports || []).forEach(add);
	const more = h('button', { type: 'button', class: 'button secondary' }, 'Add a report');
	more.addEventListener('click', () => add({}));
	const save = h('button', { type: 'submit', class: 'button primary' }, 'Save');
	const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'reports-title' },
	    h('h2', { id: 'reports-title' }, 'Mail and reports'),
	    h('p', { class: 'hint' }, 'Each report sends a summary of the last period (consumption, peak power, ' +
		'time offline) with its CSV files, or uploads the files. The test button sends the saved report\'s ' +
		'last period now, with the mail settings as they are in this form.'),
	    mail.el, holder, h('div', { class: 'actions' }, more, save));
	form.addEventListener('submit', async (ev) => {
		ev.preventDefault();
		const chk = checker(form);
		const body = { mail: mail.value(chk), reports: groups.map((g) => g.value(chk)) };
		if (!chk.ok())
			return;
		await withBusy(save, async () => {
			try {
				await api.put('reports', body);
			} catch (e) {
				showError(e, form);
				return;
			}
			notify('Saved');
			await reload();
		});
	});
	return form;
}
