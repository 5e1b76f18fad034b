// /app/datasets/new (curators): filters, a live preview of what they select (GET /datasets/preview, the same
// filters as POST /datasets), "Create dataset", then "Propose" it for a round.
import { useEffect, useState } from "preact/hooks";
import { get, messageOf, post } from "../lib/api";
import type { Proposal } from "../lib/governance";
import { BASE } from "../lib/router";
import { announce, session } from "../lib/store";
import { PageTitle } from "../lib/ui";

const DEBOUNCE_MS = 400;
const MODALITIES = ["text", "tabular", "image"];

interface Filters {
  minScore: string; // percent, as typed
  languages: string;
  licenses: string;
  modality: string;
  contributors: string;
  from: string; // yyyy-mm-dd
  to: string;
}

interface Preview {
  contributions: number;
  documents: number;
  bytes_display: string;
  contributors: number;
  languages: Record<string, number>;
  licenses: Record<string, number>;
}

interface Dataset {
  id: number;
  name: string;
  item_count: number;
  root: string;
  manifest_cid: string;
}

const EMPTY: Filters = { minScore: "", languages: "", licenses: "", modality: "", contributors: "", from: "", to: "" };

function list(text: string): string[] {
  return text.split(/[\s,]+/).map((part) => part.trim()).filter(Boolean);
}

/** The filters as the API names them: the one body of POST /datasets and query of GET /datasets/preview. */
function selection(filters: Filters) {
  const percent = Number(filters.minScore || "0");
  return {
    min_score: Math.round(Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0)) * 100),
    languages: list(filters.languages),
    licenses: list(filters.licenses),
    modalities: filters.modality ? [filters.modality] : [],
    contributors: list(filters.contributors),
    uploaded_from: filters.from || null,
    uploaded_to: filters.to || null,
  };
}

function previewQuery(filters: Filters): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(selection(filters))) {
    if (Array.isArray(value)) value.forEach((each) => query.append(name, each));
    else if (value !== null) query.set(name, String(value));
  }
  return query.toString();
}

function counts(found: Record<string, number>): string {
  const entries = Object.entries(found).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? "—" : entries.map(([name, count]) => `${name} (${count})`).join(", ");
}

function usePreview(filters: Filters) {
  const [state, setState] = useState<{ preview: Preview | null; error: string | null; busy: boolean }>({
    preview: null, error: null, busy: true,
  });
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, busy: true }));
    const timer = setTimeout(() => {
      get<Preview>(`/datasets/preview?${previewQuery(filters)}`).then(
        (preview) => current && setState({ preview, error: null, busy: false }),
        (error: unknown) => current && setState({ preview: null, error: messageOf(error), busy: false }),
      );
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [JSON.stringify(filters)]);
  return state;
}

function Field({ id, label, hint, children }: { id: string; label: string; hint?: string; children: preact.ComponentChildren }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint && <span class="hint" id={`${id}-hint`}>{hint}</span>}
    </div>
  );
}

function Propose({ dataset }: { dataset: Dataset }) {
  const [round, setRound] = useState("1");
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<Proposal | null>(null);
  const propose = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const proposal = await post<Proposal>("/proposals", { dataset_id: dataset.id, round: Number(round) });
      setMade(proposal);
      announce(`Proposal ${proposal.number} is made: holders can vote once voting opens.`);
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="propose">
      <h2 id="propose">Put it to a vote</h2>
      <form class="stack" onSubmit={propose}>
        <Field id="round" label="Round" hint="The training round this dataset is for.">
          <input id="round" type="number" min={0} step={1} required value={round}
            onInput={(event) => setRound(event.currentTarget.value)} aria-describedby="round-hint" />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || made !== null} aria-busy={busy}>
            Propose
          </button>
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

export default function NewDataset() {
  const { address } = session.use();
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [busy, setBusy] = useState(false);
  const [dataset, setDataset] = useState<Dataset | null>(null);
  const preview = usePreview(filters);
  const set = (key: keyof Filters) => (event: Event) =>
    setFilters({ ...filters, [key]: (event.currentTarget as HTMLInputElement).value });
  const create = async (event: Event) => {
    event.preventDefault();
    if (!address) return announce("Connect your wallet to create a dataset: it is recorded as yours.", "error");
    setBusy(true);
    try {
      const made = await post<Dataset>("/datasets", { name, description, ...selection(filters) });
      setDataset(made);
      announce(`Dataset ${made.id} is made: ${made.item_count} contributions, its manifest pinned.`);
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageTitle>New dataset</PageTitle>
      <p>
        Choose which scored contributions go in. The preview counts what the filters select right now; creating the
        dataset pins its manifest, and a vote approves it for a round.
      </p>
      <form class="stack" onSubmit={create} aria-labelledby="page-title">
        <fieldset class="filters">
          <legend>Filters</legend>
          <Field id="min-score" label="Minimum score" hint="0 to 100 (%); 0 takes every passed contribution.">
            <input id="min-score" type="number" min={0} max={100} step={0.1} value={filters.minScore}
              onInput={set("minScore")} aria-describedby="min-score-hint" />
          </Field>
          <Field id="language" label="Language" hint="Language tags, separated by commas: en, fr.">
            <input id="language" value={filters.languages} onInput={set("languages")} aria-describedby="language-hint" />
          </Field>
          <Field id="license" label="License" hint="SPDX ids, separated by commas: CC-BY-4.0, CC0-1.0.">
            <input id="license" value={filters.licenses} onInput={set("licenses")} aria-describedby="license-hint" />
          </Field>
          <Field id="modality" label="Modality">
            <select id="modality" value={filters.modality} onChange={set("modality")}>
              <option value="">Any</option>
              {MODALITIES.map((modality) => (
                <option key={modality} value={modality}>{modality}</option>
              ))}
            </select>
          </Field>
          <Field id="contributor" label="Contributor" hint="0x addresses, separated by commas.">
            <input id="contributor" value={filters.contributors} onInput={set("contributors")}
              aria-describedby="contributor-hint" autocomplete="off" spellcheck={false} />
          </Field>
          <Field id="from" label="From" hint="Uploaded on or after this day (UTC).">
            <input id="from" type="date" value={filters.from} onInput={set("from")} aria-describedby="from-hint" />
          </Field>
          <Field id="to" label="To" hint="Uploaded before this day (UTC).">
            <input id="to" type="date" value={filters.to} onInput={set("to")} aria-describedby="to-hint" />
          </Field>
        </fieldset>
        <section aria-labelledby="preview-title" class="preview" aria-busy={preview.busy}>
          <h2 id="preview-title">Preview</h2>
          <div aria-live="polite">
            {preview.error ? (
              <p class="error">{preview.error}</p>
            ) : preview.preview === null ? (
              <p>Counting…</p>
            ) : (
              <dl class="facts" data-testid="preview">
                <dt>Documents</dt>
                <dd>{preview.preview.documents.toLocaleString("en-US")} (in {preview.preview.contributions} contributions)</dd>
                <dt>Size</dt>
                <dd>{preview.preview.bytes_display}</dd>
                <dt>Languages</dt>
                <dd>{counts(preview.preview.languages)}</dd>
                <dt>Licenses</dt>
                <dd>{counts(preview.preview.licenses)}</dd>
                <dt>Contributors</dt>
                <dd>{preview.preview.contributors}</dd>
              </dl>
            )}
          </div>
        </section>
        <Field id="name" label="Name">
          <input id="name" required maxLength={200} value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </Field>
        <Field id="description" label="Description">
          <textarea id="description" rows={3} maxLength={5000} value={description}
            onInput={(event) => setDescription(event.currentTarget.value)} />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || dataset !== null} aria-busy={busy}>
            Create dataset
          </button>
          {!address && <span class="hint">Connect your wallet first: the dataset is recorded as yours.</span>}
        </div>
      </form>
      {dataset && (
        <>
          <section aria-labelledby="made">
            <h2 id="made">Dataset {dataset.id}</h2>
            <dl class="facts">
              <dt>Contributions</dt>
              <dd>{dataset.item_count}</dd>
              <dt>Manifest CID</dt>
              <dd><code>{dataset.manifest_cid}</code></dd>
              <dt>Merkle root</dt>
              <dd><code>{dataset.root}</code></dd>
            </dl>
          </section>
          <Propose dataset={dataset} />
        </>
      )}
    </>
  );
}
