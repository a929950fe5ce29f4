/** One Server-Sent Events message as a browser's EventSource would see it, plus comments. */
export interface SseMessage {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON under test
  data: any;
  comment?: string;
  receivedAt: number;
}

/**
 * A minimal EventSource over fetch: it parses the real byte stream (fields, blank-line
 * separators, comment lines) so the test sees exactly what a browser would.
 */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: abort.signal,
  });
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let ended = false;

  const parse = (block: string) => {
    let event = 'message';
    const data: string[] = [];
    let comment: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comment = line.slice(1).trim();
      else if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0)
      messages.push({ event, data: JSON.parse(data.join('\n')), receivedAt: Date.now() });
    else if (comment !== undefined)
      messages.push({ event: 'comment', data: undefined, comment, receivedAt: Date.now() });
    for (const wake of waiters) wake();
  };

  const reading = (async () => {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      for (const wake of waiters) wake();
    }
  })();

  /** Resolves with the first message (after `from`) that matches, or fails after the timeout. */
  const next = (
    match: (m: SseMessage) => boolean,
    timeoutMs = 5000,
    from = 0,
  ): Promise<SseMessage> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.slice(from).find(match);
        if (found) return done(() => resolve(found));
        if (ended) return done(() => reject(new Error('stream ended')));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`no matching event within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  return {
    response,
    messages,
    next,
    get ended() {
      return ended;
    },
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}
