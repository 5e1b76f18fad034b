// The API's contribution, as /contributions answers it.
export interface Dimension {
  value: number;
  score?: number; // absent on an advisory dimension
  weight?: number;
  reason: string;
  explanation: string;
  advisory?: boolean;
  gate?: boolean;
}

export interface TimelineStep {
  step: string;
  at: string;
  reason: string | null;
  tx_hash: string | null;
  details: Record<string, unknown>;
}

export interface Contribution {
  id: number;
  contributor: string;
  cid: string | null;
  sha256: string;
  size: number;
  status: string;
  title: string;
  description: string;
  license: string;
  modality: string;
  format: string;
  language: string | null;
  created_at: string;
  timeline: TimelineStep[];
  score: number | null;
  verdict: string | null;
  dimensions: Record<string, Dimension>;
  explanation: string | null;
  records: number | null;
  kept_records: number | null;
  reward: Record<string, unknown> | null;
}

/** The statuses a new contribution moves through, in order. */
export const JOURNEY = ["stored", "claimed", "anchored", "scored"];

export function rewardAmount(contribution: Contribution): string | null {
  const amount = contribution.reward?.amount;
  return typeof amount === "string" || typeof amount === "number" ? String(amount) : null;
}
