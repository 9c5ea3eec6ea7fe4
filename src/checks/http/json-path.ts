/** One step of a JSON path: an object key or an array index. */
export type JsonPathStep = string | number;

// data.items[0].status: keys separated by dots, [n] indexes after a key or at the start.
const JSON_PATH = /^(?:[^.[\]]+|\[\d+\])(?:\.[^.[\]]+|\[\d+\])*$/;
const JSON_PATH_STEP = /\[(\d+)\]|\.?([^.[\]]+)/g;

/** True for a path like `status`, `data.items[0].status` or `[2].id`. */
export function isJsonPath(path: string): boolean {
  return JSON_PATH.test(path);
}

/** The steps of a path that passed isJsonPath. */
export function parseJsonPath(path: string): JsonPathStep[] {
  return Array.from(path.matchAll(JSON_PATH_STEP), ([, index, key]) =>
    index === undefined ? (key as string) : Number(index),
  );
}

/** The value at `path` in a parsed JSON document, or undefined when the path is absent. */
export function readJsonPath(document: unknown, path: readonly JsonPathStep[]): unknown {
  let value = document;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(value) || step >= value.length) return undefined;
      value = value[step] as unknown;
    } else {
      if (!isPlainObject(value) || !Object.hasOwn(value, step)) return undefined;
      value = value[step];
    }
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
