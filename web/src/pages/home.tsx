// /app/: who you are (or "Connect wallet"), your latest contributions and claimable rewards, open proposals,
// and a link to each page.
import { get, type Page } from "../lib/api";
import type { Contribution } from "../lib/contributions";
import { formatTokens } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { BASE } from "../lib/router";
import { session } from "../lib/store";
import { PageTitle, Shown, StatusBadge } from "../lib/ui";

interface Proposal {
  id: string;
  number: number;
  round: number;
  state: string;
}

const OPEN = ["pending", "active", "succeeded", "queued"];

function Mine({ address }: { address: string }) {
  const latest = useLoad(
    () => get<Page<Contribution>>(`/contributions?contributor=${address}&limit=5`),
    [address],
  );
  const reward = useLoad(() => get<{ claimable: string; pending: string }>(`/rewards/${address}`), [address]);
  return (
    <>
      <section aria-labelledby="latest">
        <h2 id="latest">Your latest contributions</h2>
        <Shown loaded={latest}>
          {(page) =>
            page.items.length === 0 ? (
              <p>
                None yet. <a href={`${BASE}/contribute`}>Contribute your first file</a>.
              </p>
            ) : (
              <ul class="plain">
                {page.items.map((item) => (
                  <li key={item.id}>
                    <a href={`${BASE}/contributions/${item.id}`}>{item.title}</a> <StatusBadge status={item.status} />
                  </li>
                ))}
              </ul>
            )
          }
        </Shown>
      </section>
      <section aria-labelledby="rewards">
        <h2 id="rewards">Your rewards</h2>
        <Shown loaded={reward}>
          {(answer) => (
            <p>
              Claimable now: <strong>{formatTokens(answer.claimable)}</strong>
              {answer.pending !== "0" && <> · pending: {formatTokens(answer.pending)}</>}
            </p>
          )}
        </Shown>
      </section>
    </>
  );
}

function OpenProposals() {
  const proposals = useLoad(() => get<Page<Proposal>>("/proposals?limit=20"), []);
  return (
    <section aria-labelledby="proposals">
      <h2 id="proposals">Open proposals</h2>
      <Shown loaded={proposals}>
        {(page) => {
          const open = page.items.filter((proposal) => OPEN.includes(proposal.state));
          if (open.length === 0) return <p>No proposal is open right now.</p>;
          return (
            <ul class="plain">
              {open.map((proposal) => (
                <li key={proposal.id}>
                  <a href={`${BASE}/proposals/${proposal.id}`}>
                    Proposal {proposal.number} (round {proposal.round})
                  </a>{" "}
                  <StatusBadge status={proposal.state} />
                </li>
              ))}
            </ul>
          );
        }}
      </Shown>
    </section>
  );
}

export default function Home() {
  const { address } = session.use();
  return (
    <>
      <PageTitle>Polyphony</PageTitle>
      <p class="lead">
        Give data to community-owned AI, see how it scores and why, and follow what it earns. Every step is signed by
        your wallet and anchored on-chain.
      </p>
      <section aria-labelledby="you">
        <h2 id="you">You</h2>
        {address ? (
          <p>
            Signed in as <code class="wrap">{address}</code>.
          </p>
        ) : (
          <p>
            Use <strong>Connect wallet</strong> at the top of the page to contribute and to see what is yours. Everything
            public is readable without a wallet.
          </p>
        )}
      </section>
      {address && <Mine address={address} />}
      <OpenProposals />
      <section aria-labelledby="pages">
        <h2 id="pages">Pages</h2>
        <ul class="cards">
          <li>
            <a href={`${BASE}/contribute`}>Contribute</a>: upload a file with its license and consent, and sign the
            claim.
          </li>
          <li>
            <a href={`${BASE}/contributions`}>My contributions</a>: each one's status, score, verdict and reward.
          </li>
          <li>
            <a href={`${BASE}/rewards`}>Rewards</a>: what you can claim, without gas, and what each epoch paid you.
          </li>
          <li>
            <a href={`${BASE}/proposals`}>Proposals</a>: the datasets up for a vote, and your ballot.
          </li>
          <li>
            <a href={`${BASE}/datasets/new`}>New dataset</a>: for curators, select contributions and propose them.
          </li>
          <li>
            <a href={`${BASE}/coverage`}>Coverage</a>: what the corpus holds and what the rewards favour now.
          </li>
        </ul>
      </section>
    </>
  );
}
