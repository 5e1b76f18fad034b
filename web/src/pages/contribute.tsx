// /app/contribute: the form ("File", "Title", "Description", "License", "Modality", "Language", "Consent"),
// "Check file" for the score it would get, "Upload" with a progress bar, the wallet's signature of the claim,
// then the new contribution's status as it moves: stored, claimed, anchored, scored.
import spdxIds from "spdx-license-ids/index.json";
import { useRef, useState } from "preact/hooks";
import { get, messageOf, post, postForm } from "../lib/api";
import type { Contribution, Dimension } from "../lib/contributions";
import { formatBytes, percent } from "../lib/format";
import { Journey, useFollowed } from "../lib/journey";
import { BASE } from "../lib/router";
import { announce, session } from "../lib/store";
import { Dimensions, PageTitle } from "../lib/ui";

export const CONSENT_TEXT =
  "I agree that this data may train community models, and that Polyphony may store it, score it and list it " +
  "in datasets until I withdraw my consent.";

interface Preview {
  score: number;
  verdict: string;
  records: number;
  kept_records: number;
  summary: string;
  dimensions: Record<string, Dimension>;
}

type Stage = "idle" | "checking" | "uploading" | "signing" | "done";


function PreviewShown({ preview }: { preview: Preview }) {
  return (
    <section aria-labelledby="preview-title" class="preview">
      <h2 id="preview-title">
        This file would score {percent(preview.score)} ({preview.verdict})
      </h2>
      <p>{preview.summary}</p>
      <p>
        {preview.kept_records} of {preview.records} documents would be kept.
      </p>
      <Dimensions dimensions={preview.dimensions} />
    </section>
  );
}

function Followed({ first }: { first: Contribution }) {
  const { shown, error } = useFollowed(first.id, first);
  const current = shown ?? first;
  return (
    <section aria-labelledby="followed-title">
      <h2 id="followed-title">Contribution {current.id}</h2>
      <p aria-live="polite">
        Status: <strong data-testid="status">{current.status}</strong>
        {current.score !== null && <> · score {percent(current.score)} ({current.verdict})</>}
      </p>
      <Journey status={current.status} />
      {error && <p class="error" role="alert">{error}</p>}
      <p>
        <a href={`${BASE}/contributions/${current.id}`}>See contribution {current.id}</a>: its timeline, score and
        provenance.
      </p>
    </section>
  );
}

export default function Contribute() {
  const { address, wallet } = session.use();
  const form = useRef<HTMLFormElement>(null);
  const [stage, setStage] = useState<Stage>("idle");
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [created, setCreated] = useState<Contribution | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  const fail = (error: unknown) => {
    const text = messageOf(error);
    setProblem(text);
    announce(text, "error");
  };

  const checkFile = async () => {
    const data = new FormData(form.current!);
    const file = data.get("file");
    if (!(file instanceof File) || !file.name) return fail(new Error("Choose a file to check first."));
    const sent = new FormData();
    sent.set("file", file);
    sent.set("modality", String(data.get("modality")));
    setProblem(null);
    setStage("checking");
    try {
      setPreview(await postForm<Preview>("/scores/preview", sent));
    } catch (error) {
      fail(error);
    } finally {
      setStage("idle");
    }
  };

  const upload = async (event: Event) => {
    event.preventDefault();
    if (!wallet) return fail(new Error("Connect your wallet first: the upload is signed in your name."));
    const data = new FormData(form.current!);
    if (data.get("consent") !== "on") return fail(new Error("Tick Consent to agree to the consent text."));
    data.set("consent", CONSENT_TEXT);
    if (!String(data.get("language") ?? "").trim()) data.delete("language");
    setProblem(null);
    setStage("uploading");
    setProgress({ sent: 0, total: 1 });
    try {
      let contribution = await postForm<Contribution>("/contributions", data, (sent, total) =>
        setProgress({ sent, total }),
      );
      if (contribution.status === "stored") {
        setStage("signing");
        announce("Uploaded. Your wallet asks you to sign the claim.");
        const typed = await get<unknown>(`/contributions/${contribution.id}/claim`);
        const signature = await (await import("../lib/wallet")).signTypedData(wallet, typed);
        contribution = await post<Contribution>(`/contributions/${contribution.id}/claim`, { signature });
      }
      announce(`Contribution ${contribution.id} is ${contribution.status}.`);
      setCreated(contribution);
      setStage("done");
    } catch (error) {
      fail(error);
      setStage("idle");
    }
  };

  const busy = stage === "uploading" || stage === "signing" || stage === "checking";
  return (
    <>
      <PageTitle>Contribute</PageTitle>
      <p>
        Upload text (.txt, .md, .jsonl, .csv, .parquet), a table or an image (.png, .jpg) with the license you grant
        and your consent. Your wallet then signs the claim, and the contribution is anchored on-chain and scored.
      </p>
      {!address && (
        <p>
          Use <strong>Connect wallet</strong> at the top of the page to check a file and upload it: both are done in your name.
        </p>
      )}
      <form ref={form} class="stack" onSubmit={upload} aria-describedby={problem ? "form-problem" : undefined}>
        <div class="field">
          <label for="file">File</label>
          <input id="file" name="file" type="file" required
                 accept=".txt,.md,.jsonl,.csv,.parquet,.png,.jpg,.jpeg" />
        </div>
        <div class="field">
          <label for="title">Title</label>
          <input id="title" name="title" required maxLength={200} />
        </div>
        <div class="field">
          <label for="description">Description</label>
          <textarea id="description" name="description" rows={3} />
        </div>
        <div class="field">
          <label for="license">License</label>
          <input id="license" name="license" list="spdx-ids" required defaultValue="CC-BY-4.0"
                 autocomplete="off" aria-describedby="license-hint" />
          <datalist id="spdx-ids">
            {spdxIds.map((id) => (
              <option key={id} value={id} />
            ))}
          </datalist>
          <span class="hint" id="license-hint">One SPDX license id, for example CC-BY-4.0 or CC0-1.0: type to search.</span>
        </div>
        <div class="field">
          <label for="modality">Modality</label>
          <select id="modality" name="modality" defaultValue="text">
            <option value="text">text</option>
            <option value="tabular">tabular</option>
            <option value="image">image</option>
          </select>
        </div>
        <div class="field">
          <label for="language">Language</label>
          <input id="language" name="language" maxLength={16} placeholder="en" aria-describedby="language-hint" />
          <span class="hint" id="language-hint">A BCP 47 tag such as en or pt-BR; leave it empty if none applies.</span>
        </div>
        <div class="field">
          <div class="check">
            <input id="consent" name="consent" type="checkbox" aria-describedby="consent-text" />
            <label for="consent">Consent</label>
          </div>
          <span class="hint" id="consent-text">{CONSENT_TEXT} Its SHA-256 is part of the claim you sign.</span>
        </div>
        <div class="actions">
          <button type="button" onClick={checkFile} disabled={busy || !address}>
            Check file
          </button>
          <button type="submit" class="primary" disabled={busy || !address}>
            Upload
          </button>
        </div>
        {progress && stage === "uploading" && (
          <div class="field">
            <label for="upload-progress">Upload progress</label>
            <progress id="upload-progress" max={progress.total} value={progress.sent}>
              {formatBytes(progress.sent)}
            </progress>
            <span class="hint">
              {formatBytes(progress.sent)} of {formatBytes(progress.total)}
            </span>
          </div>
        )}
        {stage === "signing" && <p aria-live="polite">Waiting for your wallet to sign the claim…</p>}
        {problem && (
          <p class="error" id="form-problem" role="alert">
            {problem}
          </p>
        )}
      </form>
      {preview && <PreviewShown preview={preview} />}
      {created && <Followed first={created} />}
    </>
  );
}
