// /app/demand (public; proposing needs a signed-in wallet): the demand registry's multipliers, topics and review
// parameters from GET /demand, and "Propose demand": POST /proposals/demand, relayed as a dataset proposal is.
import { useState } from "preact/hooks";
import { get, messageOf, post } from "../lib/api";
import type { Proposal } from "../lib/governance";
import { useLoad } from "../lib/hooks";
import { BASE } from "../lib/router";
import { announce, session } from "../lib/store";
import { PageTitle, Shown } from "../lib/ui";

export interface Multiplier {
  dimension: string;
  value: string;
  bps: number;
  not_before: number;
  not_after: number;
  in_force: boolean;
}

export interface Demand {
  registry: string;
  block_number: number;
  at: number;
  multipliers: Multiplier[];
  topics: string[];
  review: {
    reviewer_min_votes: string;
    reviewer_share_bps: number;
    credibility_floor_bps: number;
    credibility_ceiling_bps: number;
  };
  min_multiplier_bps: number;
  max_multiplier_bps: number;
  max_product_bps: number;
}

const DIMENSIONS = ["language", "modality", "license", "topic"];

export function times(bps: number): string {
  return `${Number((bps / 10_000).toFixed(4))}x`;
}

function when(unix: number): string {
  return unix === 0 ? "—" : new Date(unix * 1000).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

/** A yyyy-mm-dd day (UTC midnight) as Unix time; 0 when empty. */
function unixOf(day: string): number {
  return day ? Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) : 0;
}

export function MultiplierTable({ multipliers, caption }: { multipliers: Multiplier[]; caption: string }) {
  if (multipliers.length === 0) return <p>No multipliers: every contribution weighs 1x.</p>;
  return (
    <div class="table-scroll">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr><th scope="col">Dimension</th><th scope="col">Value</th><th scope="col">Multiplier</th>
            <th scope="col">From</th><th scope="col">Until</th><th scope="col">Now</th></tr>
        </thead>
        <tbody>
          {multipliers.map((m) => (
            <tr key={`${m.dimension}:${m.value}`}>
              <td>{m.dimension}</td><td>{m.value}</td><td>{times(m.bps)}</td><td>{when(m.not_before)}</td>
              <td>{when(m.not_after)}</td><td>{m.in_force ? "in force" : "not in force"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ProposeDemand({ demand }: { demand: Demand }) {
  const { address } = session.use();
  const [dimension, setDimension] = useState("language");
  const [value, setValue] = useState("");
  const [bps, setBps] = useState("15000");
  const [from, setFrom] = useState("");
  const [until, setUntil] = useState("");
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<Proposal | null>(null);
  const newTopic = dimension === "topic" && value.trim() !== "" && !demand.topics.includes(value.trim());
  const propose = async (event: Event) => {
    event.preventDefault();
    if (!address) return announce("Connect your wallet to propose: the proposal is recorded as yours.", "error");
    setBusy(true);
    try {
      const change = { dimension, value: value.trim(), bps: Number(bps), not_before: unixOf(from), not_after: unixOf(until) };
      const body = { set: [change], add_topics: newTopic ? [value.trim()] : [] };
      const proposal = await post<Proposal>("/proposals/demand", body);
      setMade(proposal);
      announce(`Proposal ${proposal.number} is made: holders can vote once voting opens.`);
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="propose-demand">
      <h2 id="propose-demand">Propose demand</h2>
      <p>
        A proposal sets one multiplier, from {times(demand.min_multiplier_bps)} to {times(demand.max_multiplier_bps)};
        it changes rewards once holders pass it and the timelock executes it.
      </p>
      <form class="stack" onSubmit={propose}>
        <div class="field">
          <label for="dimension">Dimension</label>
          <select id="dimension" value={dimension} onChange={(event) => setDimension(event.currentTarget.value)}>
            {DIMENSIONS.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="value">Value</label>
          <input id="value" required maxLength={64} value={value} aria-describedby="value-hint"
            onInput={(event) => setValue(event.currentTarget.value)} />
          <span class="hint" id="value-hint">
            A language tag (fr), a modality (text, tabular, image), an SPDX id (CC0-1.0) or a topic
            {newTopic ? ": a new topic, added to the list by the same proposal." : "."}
          </span>
        </div>
        <div class="field">
          <label for="bps">Multiplier (bps)</label>
          <input id="bps" type="number" required min={demand.min_multiplier_bps} max={demand.max_multiplier_bps}
            step={1} value={bps} aria-describedby="bps-hint" onInput={(event) => setBps(event.currentTarget.value)} />
          <span class="hint" id="bps-hint">10000 is 1x: {Number.isFinite(Number(bps)) ? times(Number(bps)) : "—"}.</span>
        </div>
        <div class="field">
          <label for="from">From</label>
          <input id="from" type="date" value={from} aria-describedby="from-hint"
            onInput={(event) => setFrom(event.currentTarget.value)} />
          <span class="hint" id="from-hint">Optional: in force from this day (UTC).</span>
        </div>
        <div class="field">
          <label for="until">Until</label>
          <input id="until" type="date" value={until} aria-describedby="until-hint"
            onInput={(event) => setUntil(event.currentTarget.value)} />
          <span class="hint" id="until-hint">Optional: no longer in force from this day (UTC).</span>
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} aria-busy={busy}>Propose demand</button>
          {!address && <span class="hint">Connect your wallet first: the proposal is recorded as yours.</span>}
        </div>
      </form>
      {made && (
        <p>
          <a href={`${BASE}/proposals/${made.id}`}>See proposal {made.number}</a> ({made.state}).
        </p>
      )}
    </section>
  );
}

export default function DemandPage() {
  const demand = useLoad(() => get<Demand>("/demand"), []);
  return (
    <>
      <PageTitle>Demand</PageTitle>
      <p>
        What the DAO voted to want more of: a contribution's reward is multiplied by the multipliers it matches,
        and with the diversity bonus by at most the registry's bound.
      </p>
      <Shown loaded={demand}>
        {(found) => (
          <>
            <section aria-labelledby="multipliers">
              <h2 id="multipliers">Multipliers</h2>
              <MultiplierTable multipliers={found.multipliers} caption="Every multiplier, in force now or not" />
              <p>
                Demand times diversity is at most {times(found.max_product_bps)}. Topics an upload may declare:{" "}
                {found.topics.length ? found.topics.join(", ") : "none yet"}.
              </p>
            </section>
            <section aria-labelledby="review">
              <h2 id="review">Review</h2>
              <dl class="facts">
                <dt>Reviewers' share of the budget</dt>
                <dd>{found.review.reviewer_share_bps / 100}%</dd>
                <dt>Credibility</dt>
                <dd>{times(found.review.credibility_floor_bps)} to {times(found.review.credibility_ceiling_bps)}</dd>
              </dl>
            </section>
            <ProposeDemand demand={found} />
          </>
        )}
      </Shown>
    </>
  );
}
