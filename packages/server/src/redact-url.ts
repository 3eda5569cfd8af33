/** A connection URL fit for logs: the password replaced by "***". */
export function redactUrl(url: string, fallback = "(unparseable URL)"): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return fallback;
  }
}
