// Ids are UUIDs (PostgreSQL uuid). Checking the shape before a lookup turns a
// malformed id into a client error instead of a database one.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: string) => UUID.test(value);
