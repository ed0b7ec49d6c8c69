// The one way the pages talk to mewsd: JSON, same-origin cookie, the CSRF
// header on every write, and errors turned into ApiError.

const TIMEOUT_MS = 20000;	// above the longest bus timeout a test may ask (10 s)
const NOT_ANSWERING = 'mews is not answering. Check the network ' +
    'connection and that mewsd is running, then try again.';

let expiredHandler = () => {};

export function onSessionExpired(fn) {
	expiredHandler = fn;
}

export class ApiError extends Error {
	constructor(status, body, message) {
		super(message);
		this.status = status;
		this.body = body || {};
		this.field = typeof this.body.field === 'string' ? this.body.field : null;
		this.handled = false;
	}
}

// expired: false for the calls where 401 is an answer (wrong PIN, wrong
// PUK), not a session that ended.
async function request(method, path, body, { expired = true } = {}) {
	const headers = { Accept: 'application/json' };
	if (method !== 'GET')
		headers['X-Requested-With'] = 'mews';
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	const ctl = new AbortController();
	const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
	let res, text;
	try {
		res = await fetch('/api/' + path, {
			method, headers, credentials: 'same-origin', cache: 'no-store',
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: ctl.signal,
		});
		text = await res.text();
	} catch {
		throw new ApiError(0, null, NOT_ANSWERING);
	} finally {
		clearTimeout(timer);
	}
	let data = null;
	try {
		data = text ? JSON.parse(text) : null;
	} catch {
		// A proxy's HTML error page: the status line says enough.
	}
	if (res.ok)
		return data === null ? {} : data;
	const message = data && typeof data.error === 'string' ? data.error :
	    `mews answered HTTP ${res.status}.`;
	const err = new ApiError(res.status, data, message);
	if (res.status === 401 && expired) {
		err.handled = true;
		expiredHandler();
	}
	throw err;
}

export const api = {
	get: (path, opts) => request('GET', path, undefined, opts),
	post: (path, body, opts) => request('POST', path, body ?? {}, opts),
	put: (path, body, opts) => request('PUT', path, body, opts),
	del: (path, opts) => request('DELETE', path, undefined, opts),
};
