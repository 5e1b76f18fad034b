// /app/contributions/{id}: the timeline with transaction links, the score as a bar per dimension with its
// reason, the kept and dropped documents with the top reasons, the reward and its terms, the provenance
// proof with "Verify" (re-checked in the browser against the chain), the reviews of its sampled documents, and
// "Withdraw consent".
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import type { PageProps } from "../main";
import { get, messageOf, type Page, post } from "../lib/api";
import { loadConfig } from "../lib/config";
import type { Contribution } from "../lib/contributions";
import { formatBytes, formatTime, formatTokens, percent, shortAddress, words } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { Journey, useFollowed } from "../lib/journey";
import { announce, session } from "../lib/store";
import { Dimensions, PageTitle, Shown, StatusBadge } from "../lib/ui";
import type { CheckResult, Provenance } from "../lib/verify";

interface RecordFate {
  record: number;
  status: string;
  reason: string | null;
}

interface SampledDocument {
  sample_id: number;
  record: number;
  outcome: string;
  sampled_at: string;
  decided_at: string | null;
  reviews: { id: number; reviewer: string; accept: boolean; reason: string; created_at: string }[];
}

const TOP_REASONS = 5;
const REVIEWS_PER_DOCUMENT = 3;

function TxLink({ hash }: { hash: string }) {
  const config = useLoad(() => loadConfig().catch(() => null), []);
  const explorer = config.data?.explorerUrl;
  const short = `${hash.slice(0, 10)}…${hash.slice(-6)}`;
  if (!explorer) return <code title={hash}>{short}</code>;
  return (
    <a href={`${explorer.replace(/\/$/, "")}/tx/${hash}`} title={hash}>
      <span class="visually-hidden">transaction </span>
      {short}
    </a>
  );
}

function Timeline({ contribution }: { contribution: Contribution }) {
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Timeline</h2>
      <Journey status={contribution.status} />
      <ol class="timeline">
        {contribution.timeline.map((step, index) => (
          <li key={index}>
            <strong>{step.step}</strong> · <time dateTime={step.at}>{formatTime(step.at)}</time>
            {step.reason && <> · {step.reason}</>}
            {step.tx_hash && (
              <>
                {" "}
                · <TxLink hash={step.tx_hash} />
              </>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Score({ contribution }: { contribution: Contribution }) {
  if (contribution.score === null) {
    return (
      <section aria-labelledby="score-title">
        <h2 id="score-title">Score</h2>
        <p>{contribution.explanation ?? "Not scored yet: scoring starts once the claim is anchored on-chain."}</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="score-title">
      <h2 id="score-title">
        Score: {percent(contribution.score)} <StatusBadge status={contribution.verdict ?? "no-verdict"} />
      </h2>
      {contribution.explanation && <p>{contribution.explanation}</p>}
      <Dimensions dimensions={contribution.dimensions} />
    </section>
  );
}

function DroppedReasons({ contribution }: { contribution: Contribution }) {
  const dropped = useLoad(
    () => get<Page<RecordFate>>(`/contributions/${contribution.id}/records?status=dropped&limit=1000`),
    [contribution.id, contribution.score],
  );
  return (
    <Shown loaded={dropped}>
      {(page) => {
        const counts = new Map<string, number>();
        for (const fate of page.items) counts.set(fate.reason ?? "unknown", (counts.get(fate.reason ?? "unknown") ?? 0) + 1);
        const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_REASONS);
        if (top.length === 0) return <p>No document was dropped.</p>;
        return (
          <>
            <h3>Top reasons documents were dropped</h3>
            <ul>
              {top.map(([reason, count]) => (
                <li key={reason}>
                  {words(reason)}: {count}
                </li>
              ))}
            </ul>
          </>
        );
      }}
    </Shown>
  );
}

/** Kept and dropped documents: known once scored, for the policies that judge each document. */
function Documents({ contribution }: { contribution: Contribution }) {
  if (contribution.records === null || contribution.score === null) return null;
  const kept = contribution.kept_records ?? 0;
  return (
    <section aria-labelledby="documents-title">
      <h2 id="documents-title">Documents</h2>
      <p>
        {kept} of {contribution.records} documents kept, {contribution.records - kept} dropped.
      </p>
      {contribution.records > kept && <DroppedReasons contribution={contribution} />}
    </section>
  );
}

/** The sampled documents, each with its outcome and its reviews so far; shown only once a document was sampled. */
function Reviews({ contribution }: { contribution: Contribution }) {
  const sampled = useLoad(
    () => get<Page<SampledDocument>>(`/contributions/${contribution.id}/reviews?limit=200`),
    [contribution.id, contribution.status],
  );
  if (!sampled.data || sampled.data.items.length === 0) return null;
  return (
    <section aria-labelledby="reviews-title">
      <h2 id="reviews-title">Reviews</h2>
      <p>
        Sampled documents are reviewed by {REVIEWS_PER_DOCUMENT} token holders; a majority that rejects one drops
        it from datasets and rewards.
      </p>
      <ul class="plain" aria-label="Sampled documents">
        {sampled.data.items.map((sample) => (
          <li key={sample.sample_id} class="card">
            <h3>
              Document {sample.record} <StatusBadge status={sample.outcome} />
            </h3>
            {sample.reviews.length === 0 ? (
              <p class="muted">No review yet.</p>
            ) : (
              <ul class="reviews" aria-label={`Reviews of document ${sample.record}`}>
                {sample.reviews.map((review) => (
                  <li key={review.id}>
                    <code title={review.reviewer}>{shortAddress(review.reviewer)}</code>{" "}
                    {review.accept ? "accepted" : `rejected: ${review.reason}`} ·{" "}
                    <time dateTime={review.created_at}>{formatTime(review.created_at)}</time>
                  </li>
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Reward({ contribution }: { contribution: Contribution }) {
  const reward = contribution.reward;
  return (
    <section aria-labelledby="reward-title">
      <h2 id="reward-title">Reward</h2>
      {reward === null ? (
        <p>No reward yet: a contribution is paid when the reward epoch it was scored in closes.</p>
      ) : (
        <dl class="facts">
          <dt>Amount</dt>
          <dd>{formatTokens(String(reward.amount))}</dd>
          {Object.entries(reward)
            .filter(([name]) => name !== "amount")
            .map(([name, value]) => (
              <Fragment key={name}>
                <dt>{words(name)}</dt>
                <dd>{typeof value === "object" ? JSON.stringify(value) : String(value)}</dd>
              </Fragment>
            ))}
        </dl>
      )}
    </section>
  );
}

function ProvenanceShown({ contribution }: { contribution: Contribution }) {
  const anchored = ["anchored", "scored", "rewarded"].includes(contribution.status);
  const provenance = useLoad(
    () => (anchored ? get<Provenance>(`/contributions/${contribution.id}/provenance`) : Promise.resolve(null)),
    [contribution.id, anchored],
  );
  const { wallet } = session.use();
  const [checks, setChecks] = useState<CheckResult[] | null>(null);
  const [checking, setChecking] = useState(false);
  const verify = async (proof: Provenance) => {
    setChecking(true);
    setChecks(null);
    try {
      const config = await loadConfig();
      if (!wallet && !config.publicRpcUrl) {
        throw new Error("Connect a wallet to verify: this server names no public RPC to read the chain through.");
      }
      const source = wallet ? { provider: wallet.provider } : { rpcUrl: config.publicRpcUrl! };
      const results = await (await import("../lib/verify")).verifyProvenance(proof, source);
      setChecks(results);
      announce(results.every((check) => check.ok) ? "Verified: the proof holds on-chain." : "Verification failed.",
               results.every((check) => check.ok) ? "info" : "error");
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setChecking(false);
    }
  };
  return (
    <section aria-labelledby="provenance-title">
      <h2 id="provenance-title">Provenance</h2>
      {!anchored ? (
        <p>The claim is not anchored on-chain yet.</p>
      ) : (
        <Shown loaded={provenance}>
          {(proof) =>
            proof && (
              <>
                <dl class="facts">
                  <dt>Leaf</dt>
                  <dd><code>{proof.leaf}</code></dd>
                  <dt>Root</dt>
                  <dd><code>{proof.root}</code></dd>
                  <dt>Proof</dt>
                  <dd>{proof.proof.length} steps</dd>
                  <dt>Batch manifest</dt>
                  <dd><a href={`/ipfs/${proof.batch_cid}`}><code>{proof.batch_cid}</code></a></dd>
                  <dt>Anchored</dt>
                  <dd>block {proof.block_number} on chain {proof.chain_id}, <TxLink hash={proof.tx_hash} /></dd>
                  <dt>Registry</dt>
                  <dd><code>{proof.registry}</code></dd>
                </dl>
                <p class="actions">
                  <button type="button" onClick={() => verify(proof)} disabled={checking} aria-busy={checking}>
                    Verify
                  </button>
                  <span class="hint">Re-checks the proof in this browser against the chain itself.</span>
                </p>
                {checks && (
                  <ul aria-label="Verification" aria-live="polite">
                    {checks.map((check) => (
                      <li key={check.name} class={check.ok ? "ok" : "error"}>
                        {check.ok ? "✓" : "✗"} {check.name}: {check.detail}
                      </li>
                    ))}
                  </ul>
                )}
              </>
            )
          }
        </Shown>
      )}
    </section>
  );
}

function Withdraw({ contribution, onDone }: { contribution: Contribution; onDone: () => void }) {
  const { wallet, address } = session.use();
  const [busy, setBusy] = useState(false);
  if (!address || address.toLowerCase() !== contribution.contributor.toLowerCase()) return null;
  if (contribution.status === "withdrawn" || contribution.status === "stored") return null;
  const withdraw = async () => {
    if (!wallet) return announce("Connect the wallet that made this contribution to sign the withdrawal.", "error");
    setBusy(true);
    try {
      const typed = await get<{ message: { deadline: number } }>(`/contributions/${contribution.id}/revocation`);
      const signature = await (await import("../lib/wallet")).signTypedData(wallet, typed);
      await post(`/contributions/${contribution.id}/revocation`, { signature, deadline: typed.message.deadline });
      announce(`Contribution ${contribution.id} is withdrawn: it leaves every later dataset and pull.`);
      onDone();
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="withdraw-title">
      <h2 id="withdraw-title">Your consent</h2>
      <p>Withdrawing signs a revocation with your wallet: the contribution is left out of every later dataset.</p>
      <button type="button" onClick={withdraw} disabled={busy} aria-busy={busy}>
        Withdraw consent
      </button>
    </section>
  );
}

function Detail({ id, first }: { id: number; first: Contribution }) {
  const [round, setRound] = useState(0);
  const { shown } = useFollowed(id, first, round);
  const contribution = shown ?? first;
  return (
    <>
      <PageTitle>{contribution.title}</PageTitle>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={contribution.status} />
        </dd>
        <dt>Contributor</dt>
        <dd><code>{contribution.contributor}</code></dd>
        <dt>License</dt>
        <dd>{contribution.license}</dd>
        <dt>Modality</dt>
        <dd>
          {contribution.modality} ({contribution.format}, {formatBytes(contribution.size)})
        </dd>
        {contribution.language && (
          <>
            <dt>Language</dt>
            <dd>{contribution.language}</dd>
          </>
        )}
        <dt>CID</dt>
        <dd><code>{contribution.cid ?? "—"}</code></dd>
      </dl>
      {contribution.description && <p>{contribution.description}</p>}
      <Timeline contribution={contribution} />
      <Score contribution={contribution} />
      <Documents contribution={contribution} />
      <Reviews contribution={contribution} />
      <Reward contribution={contribution} />
      <ProvenanceShown contribution={contribution} />
      <Withdraw contribution={contribution} onDone={() => setRound((n) => n + 1)} />
    </>
  );
}

export default function ContributionPage({ params }: PageProps) {
  const id = Number(params[0]);
  const loaded = useLoad(() => get<Contribution>(`/contributions/${id}`), [id]);
  if (loaded.error) {
    return (
      <>
        <PageTitle>Contribution {id}</PageTitle>
        <p class="error" role="alert">{loaded.error}</p>
      </>
    );
  }
  if (!loaded.data) return <p aria-busy="true">Loading…</p>;
  return <Detail id={id} first={loaded.data} />;
}
