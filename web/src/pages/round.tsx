// /app/rounds/{n} (trainers): the datasets approved for the round and their on-chain approval, the exact
// `polyphony pull` command, the Croissant and dataset-card links, and the models trained on it with their lineage.
import type { PageProps } from "../main";
import { ApiError, get, type Page } from "../lib/api";
import { loadConfig, type PublicConfig } from "../lib/config";
import { formatTime, shortAddress } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { BASE } from "../lib/router";
import { PageTitle, Shown } from "../lib/ui";

interface RoundDataset {
  root: string;
  manifest_cid: string;
  block_number: number;
  tx_hash: string;
  dataset_id: number | null;
  name: string | null;
  item_count: number | null;
}

interface Round {
  round: number;
  chain_id: number;
  registry: string;
  datasets: RoundDataset[];
}

interface Model {
  id: number;
  round: number;
  model_cid: string;
  lineage_cid: string;
  registrant: string;
  tx_hash: string;
  registered_at: string;
}

interface Lineage {
  model: Model;
  round: number;
  datasets: { root: string; manifestCid: string; contributions: number[] }[];
  contributions: { id: number; contributor: string; license: string }[];
  contributors: string[];
  dropped: number[];
}

function TxLink({ hash, config }: { hash: string; config: PublicConfig }) {
  if (config.explorerUrl) {
    return <a href={`${config.explorerUrl.replace(/\/$/, "")}/tx/${hash}`}><code class="wrap">{hash}</code></a>;
  }
  return <code class="wrap">{hash}</code>;
}

/** The command that pulls this round from this server, verified against the chain. */
export function pullCommand(round: number, config: PublicConfig): string {
  const parts = ["polyphony", "pull", "--round", String(round), "--out", `round-${round}`, "--api", location.origin];
  if (config.publicRpcUrl) parts.push("--rpc", config.publicRpcUrl);
  return parts.join(" ");
}

function Approved({ round, config }: { round: Round; config: PublicConfig }) {
  return (
    <section aria-labelledby="approved">
      <h2 id="approved">Approved datasets</h2>
      <ul class="plain">
        {round.datasets.map((dataset) => (
          <li key={dataset.root} class="card">
            <h3>{dataset.name ?? `Dataset with root ${shortAddress(dataset.root)}`}</h3>
            <dl class="facts">
              {dataset.item_count !== null && (<><dt>Contributions</dt><dd>{dataset.item_count}</dd></>)}
              <dt>Approved on-chain</dt>
              <dd>block {dataset.block_number}, transaction <TxLink hash={dataset.tx_hash} config={config} /></dd>
              <dt>Manifest CID</dt>
              <dd><code>{dataset.manifest_cid}</code></dd>
              <dt>Merkle root</dt>
              <dd><code class="wrap">{dataset.root}</code></dd>
              <dt>Croissant</dt>
              <dd><a href={`/ipfs/${dataset.manifest_cid}`} type="application/ld+json">manifest (Croissant JSON-LD)</a></dd>
            </dl>
          </li>
        ))}
      </ul>
      <p class="hint">
        Registry <code class="wrap">{round.registry}</code> on chain {round.chain_id}.
      </p>
    </section>
  );
}

function Pull({ round, config }: { round: number; config: PublicConfig }) {
  const command = pullCommand(round, config);
  const copy = () => void navigator.clipboard?.writeText(command);
  return (
    <section aria-labelledby="pull">
      <h2 id="pull">Pull it</h2>
      <p>
        The command downloads every approved file, checks it byte by byte against the on-chain roots, and writes
        typed Parquet with a Hugging Face dataset card (<code>README.md</code>), a Croissant file
        (<code>croissant.json</code>) and the lineage, ready for <code>datasets.load_dataset</code>.
      </p>
      <pre class="command"><code data-testid="pull-command">{command}</code></pre>
      <button type="button" onClick={copy}>Copy the command</button>
      <p>
        <a href={`/rounds/${round}/card`} type="text/markdown">Dataset card</a> (Markdown, before you pull: the
        pull writes it as <code>README.md</code> with each config's columns and bytes).
      </p>
      <p>
        <a href={`/rounds/${round}/withdrawals`}>What left the round since</a> (the deletion feed, JSON): delete
        those from what you pulled.
      </p>
    </section>
  );
}

function LineageTree({ model }: { model: Model }) {
  const lineage = useLoad(() => get<Lineage>(`/models/${model.id}/lineage`), [model.id]);
  return (
    <Shown loaded={lineage}>
      {(found) => {
        const contributorOf = new Map(found.contributions.map((entry) => [entry.id, entry.contributor]));
        return (
          <ul class="tree" aria-label={`Lineage of model ${model.id}`}>
            <li>
              <span class="node">Model {model.id} <code class="wrap">{model.model_cid}</code></span>
              <ul>
                <li>
                  <span class="node">Round {found.round}</span>
                  <ul>
                    {found.datasets.map((dataset) => {
                      const people = [...new Set(dataset.contributions.map((id) => contributorOf.get(id)).filter(Boolean))];
                      return (
                        <li key={dataset.root}>
                          <span class="node">Dataset <code>{dataset.manifestCid}</code> ({dataset.contributions.length} contributions)</span>
                          <ul aria-label="Contributors">
                            {people.map((person) => (
                              <li key={person}><span class="node"><code title={person}>{shortAddress(person!)}</code></span></li>
                            ))}
                          </ul>
                        </li>
                      );
                    })}
                  </ul>
                </li>
              </ul>
            </li>
          </ul>
        );
      }}
    </Shown>
  );
}

function Models({ round }: { round: number }) {
  const models = useLoad(() => get<Page<Model>>(`/models?round=${round}&limit=50`), [round]);
  return (
    <section aria-labelledby="models">
      <h2 id="models">Models trained on it</h2>
      <Shown loaded={models}>
        {(page) =>
          page.items.length === 0 ? (
            <p>No model is registered against this round yet.</p>
          ) : (
            page.items.map((model) => (
              <article key={model.id} class="card">
                <h3>Model {model.id}</h3>
                <p class="hint">
                  Registered by <code title={model.registrant}>{shortAddress(model.registrant)}</code> on{" "}
                  {formatTime(model.registered_at)}; lineage <code class="wrap">{model.lineage_cid}</code>
                </p>
                <LineageTree model={model} />
              </article>
            ))
          )
        }
      </Shown>
    </section>
  );
}

type Answer = { round: Round | null; config: PublicConfig };

export default function RoundPage({ params }: PageProps) {
  const number = params[0];
  const loaded = useLoad<Answer>(async () => {
    const config = await loadConfig();
    try {
      return { round: await get<Round>(`/rounds/${number}`), config };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { round: null, config };
      throw error;
    }
  }, [number]);
  return (
    <>
      <PageTitle>Round {number}</PageTitle>
      <Shown loaded={loaded}>
        {({ round, config }) =>
          round === null ? (
            <p>
              No dataset is approved for round {number} yet. <a href={`${BASE}/proposals`}>See the proposals</a>.
            </p>
          ) : (
            <>
              <Approved round={round} config={config} />
              <Pull round={round.round} config={config} />
              <Models round={round.round} />
            </>
          )
        }
      </Shown>
    </>
  );
}
