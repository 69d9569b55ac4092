// The JSON values the backend passes through untouched (drafts, conflicting field values).
export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;
