// /app/coverage (public): the corpus by language, modality and license over time, from GET /coverage, and
// what the diversity multiplier favours right now and the demand multipliers the DAO voted (GET /demand), so
// contributors see what is needed.
import { get } from "../lib/api";
import { ChartTable, type Column, ColumnChart } from "../lib/charts";
import { useLoad } from "../lib/hooks";
import { BASE } from "../lib/router";
import { Bar, PageTitle, Shown } from "../lib/ui";
import { type Demand, MultiplierTable, times } from "./demand";

interface Amounts {
  contributions: number;
  documents: number;
  bytes: number;
  bytes_display: string;
}

interface Slice extends Amounts {
  bucket: string;
  value: string;
}

interface Bonus {
  value: string;
  approved: number;
  bonus_bps: number;
}

interface Coverage {
  bucketing: string;
  buckets: string[];
  totals: Amounts;
  by: Record<string, Slice[]>;
  series: Record<string, Slice[]>;
  diversity: {
    formula_version: string;
    approved: number;
    languages: Bonus[];
    modalities: Bonus[];
    new_language_bonus_bps: number;
    language_bonus_max_bps: number;
    modality_bonus_max_bps: number;
  };
}

const DIMENSIONS: [string, string][] = [["language", "Language"], ["modality", "Modality"], ["license", "License"]];

function plus(bps: number): string {
  return `+${(bps / 100).toFixed(bps % 100 === 0 ? 0 : 1)}%`;
}

function Dimension({ name, title, coverage }: { name: string; title: string; coverage: Coverage }) {
  const now = coverage.by[name] ?? [];
  const series = coverage.series[name] ?? [];
  const names = now.map((slice) => slice.value);
  for (const slice of series) if (!names.includes(slice.value)) names.push(slice.value);
  const columns: Column[] = coverage.buckets.map((bucket) => ({
    label: bucket,
    parts: series.filter((slice) => slice.bucket === bucket).map((slice) => ({ name: slice.value, value: slice.contributions })),
  }));
  const most = Math.max(1, ...now.map((slice) => slice.contributions));
  const id = `by-${name}`;
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>By {title.toLowerCase()}</h2>
      {now.length === 0 ? (
        <p>Nothing yet.</p>
      ) : (
        <>
          <div role="list" aria-label={`Contributions by ${title.toLowerCase()} now`}>
            {now.map((slice) => (
              <div role="listitem" key={slice.value}>
                <Bar label={slice.value} share={slice.contributions / most}
                  text={String(slice.contributions)} />
              </div>
            ))}
          </div>
          <ColumnChart title={`New contributions per ${coverage.bucketing} by ${title.toLowerCase()}`} columns={columns}
            names={names} unit={(value) => `${value} contributions`} />
          <ChartTable
            caption={`Contributions per ${coverage.bucketing} by ${title.toLowerCase()}`}
            head={[coverage.bucketing === "day" ? "Day" : "Epoch", title, "Contributions", "Documents", "Size"]}
            rows={series.map((slice) => [slice.bucket, slice.value, slice.contributions, slice.documents, slice.bytes_display])}
          />
        </>
      )}
    </section>
  );
}

function Favoured({ coverage }: { coverage: Coverage }) {
  const { diversity } = coverage;
  const wanted = (bonuses: Bonus[], max: number, label: string) => (
    <div role="list" aria-label={label}>
      {bonuses.map((bonus) => (
        <div role="listitem" key={bonus.value}>
          <Bar label={bonus.value} share={max ? bonus.bonus_bps / max : 0} text={plus(bonus.bonus_bps)} />
        </div>
      ))}
    </div>
  );
  return (
    <section aria-labelledby="favoured">
      <h2 id="favoured">What the rewards favour now</h2>
      <p>
        The reward formula ({diversity.formula_version}) multiplies a contribution's reward by its diversity bonus:
        more for languages and modalities the approved corpus lacks.
        {diversity.approved === 0
          ? " No dataset is approved yet, so every bonus is 0 for now."
          : ` A language nobody has contributed yet earns ${plus(diversity.new_language_bonus_bps)}.`}
      </p>
      <h3>Languages, most wanted first</h3>
      {diversity.languages.length ? wanted(diversity.languages, diversity.language_bonus_max_bps, "Language bonus")
        : <p>None yet.</p>}
      <h3>Modalities, most wanted first</h3>
      {wanted(diversity.modalities, diversity.modality_bonus_max_bps, "Modality bonus")}
    </section>
  );
}

function Demanded({ demand }: { demand: Demand }) {
  const inForce = demand.multipliers.filter((m) => m.in_force);
  return (
    <section aria-labelledby="demanded">
      <h2 id="demanded">What the DAO asks for</h2>
      <p>
        Multipliers holders voted, in force now: a contribution's reward is multiplied by those it matches (demand
        times diversity at most {times(demand.max_product_bps)}). <a href={`${BASE}/demand`}>Propose demand</a>.
      </p>
      <MultiplierTable multipliers={inForce} caption="Demand multipliers in force now" />
    </section>
  );
}

export default function CoveragePage() {
  const coverage = useLoad(() => get<Coverage>("/coverage?bucket=day&buckets=30"), []);
  const demand = useLoad(() => get<Demand>("/demand"), []);
  return (
    <>
      <PageTitle>Coverage</PageTitle>
      <p>What the corpus holds (anchored, passed, not withdrawn) and what it needs.</p>
      <Shown loaded={coverage}>
        {(found) => (
          <>
            <p class="lead" data-testid="totals">
              {found.totals.contributions.toLocaleString("en-US")} contributions,{" "}
              {found.totals.documents.toLocaleString("en-US")} documents, {found.totals.bytes_display}.
            </p>
            <Favoured coverage={found} />
            <Shown loaded={demand}>{(voted) => <Demanded demand={voted} />}</Shown>
            {DIMENSIONS.map(([name, title]) => (
              <Dimension key={name} name={name} title={title} coverage={found} />
            ))}
          </>
        )}
      </Shown>
    </>
  );
}
