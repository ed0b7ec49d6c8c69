// The rule for the ids of devices, buses, gateways, groups, tariffs and
// alarm rules, as the server checks them.

export const NAME_PATTERN = /^[a-z0-9_-]{1,32}$/;
export const NAME_RULE = 'Use 1 to 32 characters among a–z, 0–9, _ and -.';
