import { takeSseData } from "@strata/server/testing";

/** Reads a GraphQL subscription over SSE from a real server, calling `onData` per result. */
export async function subscribeSse(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: any) => boolean | void,
  /** Called once the server has answered, i.e. the subscription is listening. */
  onOpen?: () => void,
): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  onOpen?.();
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      const { data, rest } = takeSseData(buffer + value);
      buffer = rest;
      for (const frame of data) {
        const result = JSON.parse(frame) as { data?: unknown; errors?: Array<{ message: string }> };
        if (result.errors?.length) throw new Error(`subscription error: ${result.errors[0]!.message}`);
        if (onData(result.data) === true) return;
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
