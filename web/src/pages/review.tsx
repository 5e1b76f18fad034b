// /app/review: the review queue. A signed-in holder opts in ("Opt in to review"), then sees the next sampled
// document assigned to them (its text, or a link to the image) and answers "Accept", or "Reject" with a
// "Reason": the wallet signs the API's DocumentReview typed data and the page sends it (POST /reviews). When
// nothing waits, the queue's own sentence says why.
import { useRef, useState } from "preact/hooks";
import { ApiError, api, get, messageOf, post } from "../lib/api";
import { useLoad } from "../lib/hooks";
import { BASE } from "../lib/router";
import { announce, session } from "../lib/store";
import { PageTitle, Shown } from "../lib/ui";

interface TypedData {
  message: Record<string, unknown> & { deadline: string; sampleId: string };
}

interface ReviewTask {
  sample_id: number;
  contribution_id: number;
  cid: string;
  record: number;
  modality: string;
  language: string | null;
  license: string;
  text: string | null;
  typed_data: TypedData;
}

interface NextReview {
  review: ReviewTask | null;
  queue: { unassigned: number; pending: number; opted_in_reviewers: number; message: string };
  reasons: string[];
}

interface ReviewAnswer {
  outcome: string;
}

/** The next review; `next` null while this address has not opted in (the API answers 403 not_a_reviewer). */
async function nextReview(): Promise<{ next: NextReview | null }> {
  try {
    return { next: await get<NextReview>("/reviews/next") };
  } catch (error) {
    if (error instanceof ApiError && error.code === "not_a_reviewer") return { next: null };
    throw error;
  }
}

function OptIn({ onDone }: { onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const optIn = async () => {
    setBusy(true);
    try {
      await post("/reviews/reviewer");
      announce("You review from now on: documents are assigned to you while your delegated votes reach the minimum.");
      onDone();
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="opt-in">
      <h2 id="opt-in">Review sampled documents</h2>
      <p>
        About 2 % of every anchored batch, and at least one document of each contributor per epoch, is drawn for
        review by three token holders. Reviewers are paid a share of each epoch for reviews that agree with the
        majority. You are given documents while your delegated votes reach the reviewers' minimum (delegate yours
        on the <a href={`${BASE}/rewards`}>Rewards</a> page).
      </p>
      <button type="button" class="primary" onClick={optIn} disabled={busy} aria-busy={busy}>
        Opt in to review
      </button>
    </section>
  );
}

function Document({ task, reasons, onDone }: { task: ReviewTask; reasons: string[]; onDone: () => void }) {
  const { wallet } = session.use();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const select = useRef<HTMLSelectElement>(null);
  const send = async (accept: boolean) => {
    if (!accept && !reason) {
      select.current?.focus();
      return announce("Choose a reason to reject the document.", "error");
    }
    if (!wallet) return announce("Connect your wallet to sign the review.", "error");
    setBusy(true);
    try {
      const chosen = accept ? "" : reason;
      const typed = { ...task.typed_data, message: { ...task.typed_data.message, accept, reason: chosen } };
      const signature = await (await import("../lib/wallet")).signTypedData(wallet, typed);
      const answer = await post<ReviewAnswer>("/reviews", {
        sample_id: task.sample_id, accept, reason: chosen, deadline: Number(task.typed_data.message.deadline),
        signature,
      });
      const said = accept ? "accepted" : `rejected (${chosen})`;
      announce(
        answer.outcome === "pending"
          ? `You ${said} sample ${task.sample_id}: it waits for its other reviewers.`
          : `You ${said} sample ${task.sample_id}: a majority of its reviewers ${answer.outcome} it.`,
      );
      setReason("");
      onDone();
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="document-title">
      <h2 id="document-title">
        Sample {task.sample_id}: document {task.record} of contribution {task.contribution_id}
      </h2>
      <dl class="facts">
        <dt>Contribution</dt>
        <dd><a href={`${BASE}/contributions/${task.contribution_id}`}>contribution {task.contribution_id}</a></dd>
        <dt>Modality</dt>
        <dd>{task.modality}</dd>
        {task.language && (
          <>
            <dt>Language</dt>
            <dd>{task.language}</dd>
          </>
        )}
        <dt>License</dt>
        <dd>{task.license}</dd>
        <dt>CID</dt>
        <dd><code>{task.cid}</code></dd>
      </dl>
      {task.text === null ? (
        <p>
          <a href={`/ipfs/${task.cid}`}>Open the image</a> (it has no text to show here).
        </p>
      ) : (
        <blockquote class="document" data-testid="document">{task.text}</blockquote>
      )}
      <div class="field review-reason">
        <label for="reason">Reason</label>
        <select id="reason" ref={select} value={reason} aria-describedby="reason-hint"
          onChange={(event) => setReason((event.target as HTMLSelectElement).value)}>
          <option value="">Choose a reason to reject…</option>
          {reasons.map((each) => (
            <option key={each} value={each}>{each}</option>
          ))}
        </select>
        <span id="reason-hint" class="hint">Needed to reject; an acceptance carries none.</span>
      </div>
      <div class="actions">
        <button type="button" class="primary" onClick={() => send(true)} disabled={busy} aria-busy={busy}>
          Accept
        </button>
        <button type="button" onClick={() => send(false)} disabled={busy} aria-busy={busy}>
          Reject
        </button>
        <span class="hint">Your wallet signs the review; it costs no gas.</span>
      </div>
    </section>
  );
}

function OptOut({ onDone }: { onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const optOut = async () => {
    setBusy(true);
    try {
      await api("DELETE", "/reviews/reviewer");
      announce("You get no new documents; those assigned to you already stay yours to review.");
      onDone();
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <p class="actions">
      <button type="button" onClick={optOut} disabled={busy} aria-busy={busy}>
        Opt out
      </button>
      <span class="hint">Stop being given documents to review.</span>
    </p>
  );
}

function Queue({ address }: { address: string }) {
  const next = useLoad(nextReview, [address]);
  return (
    <Shown loaded={next}>
      {({ next: answer }) =>
        answer === null ? (
          <OptIn onDone={next.reload} />
        ) : (
          <>
            {answer.review ? (
              <Document key={answer.review.sample_id} task={answer.review} reasons={answer.reasons}
                onDone={next.reload} />
            ) : (
              <section aria-labelledby="queue-title">
                <h2 id="queue-title">Nothing to review now</h2>
                <p data-testid="queue">{answer.queue.message}.</p>
                <button type="button" onClick={next.reload}>Look again</button>
              </section>
            )}
            <OptOut onDone={next.reload} />
          </>
        )
      }
    </Shown>
  );
}

export default function Review() {
  const { address } = session.use();
  return (
    <>
      <PageTitle>Review</PageTitle>
      {address ? (
        <Queue address={address} />
      ) : (
        <p>
          Use <strong>Connect wallet</strong> at the top of the page to review sampled documents.
        </p>
      )}
    </>
  );
}
