// A contribution's way from upload to score, shown live: stored, claimed, anchored, scored.
import { useEffect, useState } from "preact/hooks";
import { get, messageOf } from "./api";
import { type Contribution, JOURNEY } from "./contributions";

const POLL_MS = 2000;
const SETTLED = ["scored", "rewarded", "withdrawn"];

/** The contribution, asked for again every two seconds until it is scored (or withdrawn); a new `round`
 * starts asking again (after a change made here). */
export function useFollowed(id: number, first: Contribution | null, round = 0) {
  const [shown, setShown] = useState<Contribution | null>(first);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const answer = await get<Contribution>(`/contributions/${id}`);
        if (stopped) return;
        setShown(answer);
        setError(null);
        if (SETTLED.includes(answer.status)) return;
      } catch (failure) {
        if (!stopped) setError(messageOf(failure));
      }
      if (!stopped) timer = setTimeout(tick, POLL_MS);
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id, round]);
  return { shown, error };
}

export function Journey({ status }: { status: string }) {
  const reached = JOURNEY.indexOf(status === "rewarded" ? "scored" : status);
  return (
    <ol class="journey" aria-label="Progress">
      {JOURNEY.map((step, index) => (
        <li
          key={step}
          class={index <= reached ? "done" : undefined}
          aria-current={index === reached ? "step" : undefined}
        >
          {index <= reached ? "✓ " : ""}
          {step}
        </li>
      ))}
    </ol>
  );
}
