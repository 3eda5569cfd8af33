/**
 * Splits what an SSE response has delivered so far into complete events' `data` (the lines of
 * each event joined) and the incomplete rest, to keep for the next chunk. Comments and events
 * without data (keep-alive pings) give nothing.
 *
 * @example
 * takeSseData('data: {"a":1}\n\n: ping\n\ndata: {"b"'); // { data: ['{"a":1}'], rest: 'data: {"b"' }
 */
export function takeSseData(buffer: string): { data: string[]; rest: string } {
  const data: string[] = [];
  let rest = buffer;
  let end: number;
  while ((end = rest.indexOf("\n\n")) >= 0) {
    const joined = rest
      .slice(0, end)
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trim())
      .join("");
    rest = rest.slice(end + 2);
    if (joined) data.push(joined);
  }
  return { data, rest };
}
