// The API's proposals, as /proposals answers them, and what a person reads of their state and deadlines.
// A proposal's id is the governor's uint256 in decimal: it stays a string (a JS number would round it).
import { useEffect, useState } from "preact/hooks";

/** One call a proposal executes, as `propose` took it; decoded when it targets one of the deployment's contracts. */
export interface ProposalCall {
  target: string;
  value: string; // wei, decimal
  calldata: string;
  contract: string | null;
  function: string | null;
  args: Record<string, unknown> | null;
  says: string | null; // a demand-registry call in words
}

export interface Proposal {
  id: string;
  number: number;
  kind: string; // dataset_approval, demand (sets the demand registry), or other (e.g. made on Tally)
  origin: string; // polyphony (asked for here) or direct
  dataset_id: number | null;
  round: number | null;
  manifest_root: string | null;
  manifest_cid: string | null;
  curator: string | null;
  relayed: boolean;
  state: string;
  votes: Record<string, string>; // for / against / abstain, base units
  quorum: string | null;
  snapshot: number | null;
  deadline: number | null;
  eta: number | null;
  proposer: string | null;
  transactions: Record<string, string>;
  governor: string;
  description: string;
  description_hash: string;
  actions: ProposalCall[];
  created_at: string;
}

export const OPEN_STATES = ["unsubmitted", "pending", "active", "succeeded", "queued"];
export const SUPPORTS = ["for", "against", "abstain"] as const;
export type Support = (typeof SUPPORTS)[number];

export function isDatasetApproval(proposal: Proposal): boolean {
  return proposal.kind === "dataset_approval";
}

/** A proposal's title: the first line of its description, as governor clients show it. */
export function titleOf(proposal: Proposal): string {
  const first = proposal.description.split("\n").find((line) => line.trim() !== "") ?? "";
  return first.replace(/^#+\s*/, "").trim() || `Proposal ${proposal.number}`;
}

/** The next step of a proposal in its state, and the Unix time it comes at (null: it waits on someone, not time). */
export function nextStep(proposal: Proposal): { text: string; at: number | null } | null {
  switch (proposal.state) {
    case "unsubmitted":
      return { text: "Waiting for the governor to record the proposal", at: null };
    case "pending":
      return { text: "Voting opens", at: proposal.snapshot };
    case "active":
      return { text: "Voting closes", at: proposal.deadline };
    case "succeeded":
      return { text: "Passed: waiting to be queued in the timelock", at: null };
    case "queued":
      return { text: "May be executed", at: proposal.eta };
    default:
      return null;
  }
}

/** The seconds from now until `at` (Unix seconds), as `2 h 5 min`, `45 s`, or `now`. */
export function countdown(at: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round(at - nowMs / 1000));
  if (seconds === 0) return "now";
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days) return `${days} d ${hours} h`;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

/** The time now, in milliseconds, updated every `everyMs`. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** `part` / `whole` of two base-unit amounts as a share from 0 to 1, exact enough for a bar (BigInt, no rounding
 * of the amounts themselves). */
export function share(part: string | bigint, whole: string | bigint): number {
  const total = BigInt(whole);
  if (total === 0n) return 0;
  return Number((BigInt(part) * 10000n) / total) / 10000;
}
