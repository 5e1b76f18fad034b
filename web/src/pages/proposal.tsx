// /app/proposals/{id}: the state and the countdown to its next step, the tallies as bars and the quorum as a
// progress bar, the dataset it would approve, and "For" / "Against" / "Abstain" as relayed ballots.
import { useState } from "preact/hooks";
import type { PageProps } from "../main";
import { get, messageOf, type Page, post } from "../lib/api";
import { formatTokens } from "../lib/format";
import { isDatasetApproval, type Proposal, share, type Support, SUPPORTS, titleOf } from "../lib/governance";
import { useInterval, useLoad } from "../lib/hooks";
import { StateLine } from "../lib/proposal-view";
import { untilSettled } from "../lib/relay";
import { BASE } from "../lib/router";
import { announce, session } from "../lib/store";
import { Bar, PageTitle, Shown } from "../lib/ui";

const REFRESH_MS = 3000;
const LABEL: Record<Support, string> = { for: "For", against: "Against", abstain: "Abstain" };

interface Summary {
  documents: number;
  contributions: number;
  bytes_display: string;
  contributors: number;
  languages: Record<string, number>;
  licenses: Record<string, number>;
}

interface RelayedBallot {
  id: number;
  support: string;
  status: string;
  tx_hash: string | null;
  error: string | null;
}

function counts(found: Record<string, number>): string {
  const entries = Object.entries(found).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "—" : entries.map(([name, count]) => `${name} (${count})`).join(", ");
}

function Tallies({ proposal }: { proposal: Proposal }) {
  const total = SUPPORTS.reduce((sum, support) => sum + BigInt(proposal.votes[support] ?? "0"), 0n);
  const counted = BigInt(proposal.votes.for ?? "0") + BigInt(proposal.votes.abstain ?? "0");
  const quorum = proposal.quorum === null ? null : BigInt(proposal.quorum);
  const reached = quorum === null ? 0 : quorum === 0n ? 1 : Math.min(1, share(counted, quorum));
  return (
    <section aria-labelledby="tallies">
      <h2 id="tallies">Votes</h2>
      {SUPPORTS.map((support) => (
        <Bar key={support} label={LABEL[support]} share={share(proposal.votes[support] ?? "0", total)}
          text={formatTokens(proposal.votes[support] ?? "0")} />
      ))}
      <div class="field quorum">
        <label for="quorum">Quorum</label>
        {quorum === null ? (
          <p class="hint">Known once voting opens.</p>
        ) : (
          <>
            <progress id="quorum" max={1} value={reached} aria-valuetext={`${Math.round(reached * 100)}% of quorum`} />
            <span class="hint">
              {formatTokens(counted)} of {formatTokens(quorum)} needed (for and abstain count)
            </span>
          </>
        )}
      </div>
    </section>
  );
}

function DatasetSummary({ proposal }: { proposal: Proposal }) {
  const summary = useLoad(() => get<Summary>(`/datasets/${proposal.dataset_id}/summary`), [proposal.dataset_id]);
  return (
    <section aria-labelledby="dataset">
      <h2 id="dataset">The dataset it approves</h2>
      <Shown loaded={summary}>
        {(found) => (
          <dl class="facts">
            <dt>Dataset</dt>
            <dd>{proposal.dataset_id}, for training round <a href={`${BASE}/rounds/${proposal.round}`}>{proposal.round}</a></dd>
            <dt>Size</dt>
            <dd>{found.documents.toLocaleString("en-US")} documents in {found.contributions} contributions, {found.bytes_display}</dd>
            <dt>Languages</dt>
            <dd>{counts(found.languages)}</dd>
            <dt>Licenses</dt>
            <dd>{counts(found.licenses)}</dd>
            <dt>Contributors</dt>
            <dd>{found.contributors}</dd>
            <dt>Manifest CID</dt>
            <dd><code>{proposal.manifest_cid}</code></dd>
            <dt>Merkle root</dt>
            <dd><code>{proposal.manifest_root}</code></dd>
          </dl>
        )}
      </Shown>
    </section>
  );
}

function RawAction({ proposal, open }: { proposal: Proposal; open: boolean }) {
  return (
    <details open={open}>
      <summary>{proposal.actions.length === 1 ? "The action it executes" : `The ${proposal.actions.length} actions it executes`}</summary>
      {proposal.actions.map((call, index) => (
        <dl class="facts" key={index}>
          {call.says && (
            <>
              <dt>What it does</dt>
              <dd>{call.says}</dd>
            </>
          )}
          <dt>Target</dt>
          <dd><code class="wrap">{call.target}</code>{call.contract && ` (${call.contract})`}</dd>
          {call.function && (
            <>
              <dt>Call</dt>
              <dd><code class="wrap">{call.function}</code></dd>
            </>
          )}
          <dt>Value</dt>
          <dd>{call.value} wei</dd>
          <dt>Calldata</dt>
          <dd><code class="wrap">{call.calldata}</code></dd>
        </dl>
      ))}
      <p class="wrap">{proposal.description}</p>
    </details>
  );
}

async function ballotOf(proposalId: string, ballotId: number): Promise<RelayedBallot> {
  const page = await get<Page<RelayedBallot>>(`/proposals/${proposalId}/votes?limit=500`);
  const found = page.items.find((ballot) => ballot.id === ballotId);
  if (!found) throw new Error(`Ballot ${ballotId} is not among this proposal's relayed ballots.`);
  return found;
}

function Ballot({ proposal, onVoted }: { proposal: Proposal; onVoted: () => void }) {
  const { wallet, address } = session.use();
  const [busy, setBusy] = useState<Support | null>(null);
  const [mine, setMine] = useState<RelayedBallot | null>(null);
  const active = proposal.state === "active";
  const vote = async (support: Support) => {
    if (!wallet || !address) return announce("Connect your wallet to vote.", "error");
    setBusy(support);
    try {
      const query = new URLSearchParams({ voter: address, support });
      const typed = await get<{ message: { nonce: string } }>(`/proposals/${proposal.id}/ballot?${query}`);
      const signature = await (await import("../lib/wallet")).signTypedData(wallet, typed);
      const accepted = await post<RelayedBallot>(`/proposals/${proposal.id}/votes`, {
        voter: address, support, signature, nonce: Number(typed.message.nonce),
      });
      setMine(accepted);
      announce(`Your ballot (${LABEL[support]}) is signed and handed to the relayer.`);
      const done = await untilSettled(() => ballotOf(proposal.id, accepted.id), ["accepted"]);
      setMine(done);
      if (done.status === "failed") announce(`The ballot failed: ${done.error ?? "no reason given"}`, "error");
      else if (done.status === "mined") announce(`Your vote ${LABEL[support]} is counted.`);
      onVoted();
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(null);
    }
  };
  return (
    <section aria-labelledby="ballot">
      <h2 id="ballot">Your vote</h2>
      {!address && <p>Use <strong>Connect wallet</strong> to vote with your delegated tokens.</p>}
      {address && !active && <p>Voting is not open now: ballots are taken only while the proposal is active.</p>}
      <div class="actions" role="group" aria-label="Vote">
        {SUPPORTS.map((support) => (
          <button key={support} type="button" class={support === "for" ? "primary" : undefined}
            onClick={() => vote(support)} disabled={!address || !active || busy !== null} aria-busy={busy === support}>
            {LABEL[support]}
          </button>
        ))}
      </div>
      {mine && (
        <p data-testid="ballot-status">
          Your ballot: {mine.support}, {mine.status}
          {mine.tx_hash && <> (transaction <code class="wrap">{mine.tx_hash}</code>)</>}
        </p>
      )}
    </section>
  );
}

export default function ProposalPage({ params }: PageProps) {
  const id = params[0]; // a uint256 in decimal: kept as a string
  const loaded = useLoad(() => get<Proposal>(`/proposals/${id}`), [id]);
  const settled = loaded.data && ["defeated", "executed", "canceled", "expired"].includes(loaded.data.state);
  useInterval(loaded.reload, REFRESH_MS, !settled && !loaded.error);
  return (
    <Shown loaded={loaded}>
      {(proposal) => {
        const approval = isDatasetApproval(proposal);
        return (
          <>
            <PageTitle>Proposal {proposal.number}</PageTitle>
            <p class="lead">
              {approval
                ? `Approve dataset ${proposal.dataset_id} for training round ${proposal.round}.`
                : titleOf(proposal)}
            </p>
            <StateLine proposal={proposal} />
            <p class="hint">
              Governor id <code class="wrap">{proposal.id}</code>
            </p>
            <Tallies proposal={proposal} />
            <Ballot proposal={proposal} onVoted={loaded.reload} />
            {approval && proposal.dataset_id !== null && <DatasetSummary proposal={proposal} />}
            <RawAction proposal={proposal} open={!approval} />
          </>
        );
      }}
    </Shown>
  );
}
