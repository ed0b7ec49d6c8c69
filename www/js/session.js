// Who is logged in and what the profile may do, as the server last said.

export const PROFILES = ['administrator', 'installer', 'user'];
export const PROFILE_LABELS = {
	administrator: 'Administrator', installer: 'Installer', user: 'User',
};

let current = null;
const listeners = [];

export const session = () => current;

export function can(right) {
	return current !== null && current.rights.includes(right);
}

export function onSessionChange(fn) {
	listeners.push(fn);
}

export function setSession(s) {
	current = s ? {
		profile: s.profile,
		must_change_pin: Boolean(s.must_change_pin),
		default_puk: Boolean(s.default_puk),
		rights: Array.isArray(s.rights) ? s.rights : [],
	} : null;
	for (const fn of listeners)
		fn(current);
}

// /api/pin answers only part of the session ("...").
export function updateSession(part) {
	setSession({ ...current, ...part });
}
