/** What a response shows in place of a value it must not reveal (env values, headers, session ids). */
export const REDACTED = '[redacted]';
