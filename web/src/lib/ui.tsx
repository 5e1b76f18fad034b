// Small pieces several pages share.
import type { ComponentChildren } from "preact";
import type { Dimension } from "./contributions";
import { percent, words } from "./format";
import type { Loaded } from "./hooks";

export function PageTitle({ children }: { children: ComponentChildren }) {
  return (
    <h1 id="page-title" tabIndex={-1}>
      {children}
    </h1>
  );
}

/** What a load shows while it runs or when it failed; its children once it has data. */
export function Shown<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return <p class="error" role="alert">{loaded.error}</p>;
  if (loaded.data === null) return <p aria-busy="true">Loading…</p>;
  return <>{children(loaded.data)}</>;
}

/** A horizontal bar for a share, 0 to 1, with its label; the value is also said in words for screen readers. */
export function Bar({ label, share, text }: { label: string; share: number; text: string }) {
  const width = Math.max(0, Math.min(1, share)) * 100;
  return (
    <div class="bar">
      <span class="bar-label">{label}</span>
      <svg class="bar-track" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={`${label}: ${text}`}>
        <rect x="0" y="0" width="100" height="8" rx="2" class="bar-back" />
        <rect x="0" y="0" width={width} height="8" rx="2" class="bar-fill" />
      </svg>
      <span class="bar-value">{text}</span>
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge badge-${status}`}>{status}</span>;
}

function barValue(dimension: Dimension): number {
  const shown = typeof dimension.score === "number" ? dimension.score : dimension.value;
  return typeof shown === "number" && Number.isFinite(shown) ? Math.max(0, Math.min(10000, shown)) : 0;
}

/** A score's dimensions: one bar each (its 0-10000 sub-score), with its reason in words. */
export function Dimensions({ dimensions }: { dimensions: Record<string, Dimension> }) {
  return (
    <div role="list" aria-label="Score by dimension">
      {Object.entries(dimensions).map(([name, dimension]) => (
        <div role="listitem" class="dimension" key={name}>
          {/* an advisory dimension has no sub-score: its bar shows its value, on the same 0-10000 scale */}
          <Bar label={words(name)} share={barValue(dimension) / 10000} text={percent(barValue(dimension))} />
          <p>
            {dimension.explanation}
            {dimension.advisory && " (advisory: not part of the score)"}
          </p>
        </div>
      ))}
    </div>
  );
}
