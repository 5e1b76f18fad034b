// /app/proposals: every proposal the governor knows, newest first, with its state and next step.
import { get, type Page } from "../lib/api";
import type { Proposal } from "../lib/governance";
import { isDatasetApproval, titleOf } from "../lib/governance";
import { useLoad } from "../lib/hooks";
import { StateLine } from "../lib/proposal-view";
import { BASE } from "../lib/router";
import { PageTitle, Shown } from "../lib/ui";

export default function Proposals() {
  const proposals = useLoad(() => get<Page<Proposal>>("/proposals?limit=100"), []);
  return (
    <>
      <PageTitle>Proposals</PageTitle>
      <p>
        Token holders approve each dataset for a training round by vote. Anyone may read them; signing a ballot needs
        your wallet and delegated votes.
      </p>
      <Shown loaded={proposals}>
        {(page) =>
          page.items.length === 0 ? (
            <p>No proposal yet.</p>
          ) : (
            <ul class="plain proposals">
              {page.items.map((proposal) => (
                <li key={proposal.id} class="card">
                  <a href={`${BASE}/proposals/${proposal.id}`}>
                    Proposal {proposal.number}:{" "}
                    {isDatasetApproval(proposal)
                      ? `dataset ${proposal.dataset_id} for round ${proposal.round}`
                      : titleOf(proposal)}
                  </a>
                  <StateLine proposal={proposal} />
                </li>
              ))}
            </ul>
          )
        }
      </Shown>
    </>
  );
}
