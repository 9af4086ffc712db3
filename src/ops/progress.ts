// A counter on long work, on stderr and only when it is a terminal (quiet in scripts and CI logs).
export interface Progress {
  add(unit: string, count: number): void;
  done(): void;
}

const redrawEveryMs = 100;

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const counts = new Map<string, number>();
  const live = Boolean(stream.isTTY);
  let drawnAt = 0;
  const line = () =>
    `${label}: ${[...counts].map(([unit, n]) => (unit === "bytes" ? megabytes(n) : `${n.toLocaleString("en")} ${unit}`)).join(", ")}`;
  const draw = () => {
    drawnAt = Date.now();
    stream.write(`\r\x1b[2K${line()}`);
  };
  return {
    add(unit, count) {
      counts.set(unit, (counts.get(unit) ?? 0) + count);
      if (live && Date.now() - drawnAt > redrawEveryMs) draw();
    },
    done() {
      if (!live) return;
      draw();
      stream.write("\n");
    },
  };
}

export const megabytes = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** For tests and library use: counts nothing. */
export const silent: Progress = { add() {}, done() {} };
