// The one logger: JSON lines on stdout/stderr. Never log message bodies or secrets.
type Fields = Record<string, unknown>;

// drizzle's query errors end with "params: <values>", which can hold message bodies and password
// hashes: everything from there on is cut before an error is written.
const withoutParams = (text: string | undefined) => text?.replace(/\nparams:[\s\S]*/, "\nparams: (not logged)");

function describe(error: Error): Fields {
  const cause =
    error.cause instanceof Error ? { name: error.cause.name, message: withoutParams(error.cause.message) } : undefined;
  return { name: error.name, message: withoutParams(error.message), stack: withoutParams(error.stack), cause };
}

function write(level: "info" | "warn" | "error", event: string, fields: Fields = {}): void {
  const entry: Fields = { time: new Date().toISOString(), level, event };
  for (const [key, value] of Object.entries(fields)) {
    entry[key] = value instanceof Error ? describe(value) : value;
  }
  (level === "info" ? process.stdout : process.stderr).write(`${JSON.stringify(entry)}\n`);
}

export const log = {
  info: (event: string, fields?: Fields) => write("info", event, fields),
  warn: (event: string, fields?: Fields) => write("warn", event, fields),
  error: (event: string, fields?: Fields) => write("error", event, fields),
};
