// Reads GET /metrics as Prometheus would: through a text-format parser, into values by name and labels.
// @ts-expect-error: the parser ships no types; its output is described below.
import parsePrometheus from "parse-prometheus-text-format";

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string>; count?: string; sum?: string; buckets?: Record<string, string> }[];
}

export interface Scrape {
  families: Map<string, Family>;
  /** A counter's or gauge's value (the child with these labels), or a histogram's count; undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

export function parseScrape(text: string): Scrape {
  const families = new Map((parsePrometheus(text) as Family[]).map((family) => [family.name, family]));
  return {
    families,
    value(name, labels = {}) {
      const family = families.get(name);
      const metric = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
      if (!metric) return undefined;
      return Number(family!.type === "HISTOGRAM" ? metric.count : metric.value);
    },
  };
}
