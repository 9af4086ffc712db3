// Reads a text file line by line as a stream, so a file of any size passes through little memory.

/** Each line of the file with its number (from 1), without its "\n"; a last line without one too. */
export async function* linesOf(path: string): AsyncGenerator<{ line: string; number: number }> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let rest = "";
  let number = 0;
  for await (const chunk of Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>) {
    const parts = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = parts.pop()!;
    for (const line of parts) yield { line, number: ++number };
  }
  rest += decoder.decode();
  if (rest !== "") yield { line: rest, number: ++number };
}
