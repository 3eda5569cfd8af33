/**
 * The local time of day of an ISO timestamp, to the millisecond ("22:53:46.484"): run events
 * happen within seconds of each other, so the date would be noise.
 *
 * @example
 * ```ts
 * clockTime(event.timestamp); // "22:53:46.484"
 * ```
 */
export function clockTime(iso: string): string {
  const d = new Date(iso);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}
