// Following what the backend's relayer does with something signed here: ask again until it is settled.
import { get } from "./api";

const POLL_MS = 1500;
const GIVE_UP_MS = 120_000;

/** Ask `source` (an API path, or a function that reads it) until its `status` is no longer one of `waiting`;
 * the settled answer. */
export async function untilSettled<T extends { status: string }>(
  source: string | (() => Promise<T>),
  waiting: string[],
): Promise<T> {
  const started = Date.now();
  const read = typeof source === "string" ? () => get<T>(source) : source;
  for (;;) {
    const answer = await read();
    if (!waiting.includes(answer.status)) return answer;
    if (Date.now() - started > GIVE_UP_MS) {
      throw new Error(`The relayer has not sent it yet (still ${answer.status}); look again in a minute.`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
