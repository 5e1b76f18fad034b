// What the proposal list and a proposal's page both show: its state and the countdown to its next step.
import { countdown, nextStep, type Proposal, useNow } from "./governance";
import { formatTime } from "./format";
import { StatusBadge } from "./ui";

export function NextStep({ proposal }: { proposal: Proposal }) {
  const now = useNow();
  const next = nextStep(proposal);
  if (!next) return null;
  if (next.at === null) return <span>{next.text}</span>;
  const due = next.at * 1000 <= now;
  return (
    <span>
      {next.text} {due ? "now (the next block shows it)" : <>in <span class="countdown">{countdown(next.at, now)}</span></>}{" "}
      <span class="muted">({formatTime(next.at)})</span>
    </span>
  );
}

export function StateLine({ proposal }: { proposal: Proposal }) {
  return (
    <p class="state-line">
      <StatusBadge status={proposal.state} /> <NextStep proposal={proposal} />
    </p>
  );
}
