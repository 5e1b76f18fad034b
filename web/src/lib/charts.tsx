// Small SVG charts, each with a table that says the same in text: the chart is a picture for eyes (role img
// with a summary label), the table is what screen readers and copy-paste read.
import type { ComponentChildren } from "preact";

const PALETTE = ["#2c4fd6", "#16794a", "#b35c00", "#8a3fb3", "#b3261e", "#00778a", "#6b6f1f", "#565b66"];

export function colourOf(index: number): string {
  return PALETTE[index % PALETTE.length];
}

export interface Column {
  label: string;
  parts: { name: string; value: number }[]; // stacked, bottom first
}

const WIDTH = 600;
const HEIGHT = 180;
const AXIS = 18;

/** Stacked columns, one per label (epochs, days), scaled to the tallest. */
export function ColumnChart({ title, columns, names, unit }: {
  title: string; columns: Column[]; names: string[]; unit: (value: number) => string;
}) {
  const tallest = Math.max(1, ...columns.map((column) => column.parts.reduce((sum, part) => sum + part.value, 0)));
  const step = WIDTH / Math.max(1, columns.length);
  const barWidth = Math.max(2, Math.min(48, step * 0.7));
  const summary = `${title}: ${columns.length} columns, the largest ${unit(tallest)}`;
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS}`} role="img" aria-label={summary}>
        <line x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} class="axis" />
        {columns.map((column, index) => {
          let top = HEIGHT;
          const x = index * step + (step - barWidth) / 2;
          return (
            <g key={column.label}>
              {column.parts.map((part) => {
                const height = (part.value / tallest) * (HEIGHT - 4);
                top -= height;
                const colour = colourOf(names.indexOf(part.name));
                return (
                  <rect key={part.name} x={x} y={top} width={barWidth} height={height} fill={colour}>
                    <title>{`${column.label} · ${part.name}: ${unit(part.value)}`}</title>
                  </rect>
                );
              })}
              {columns.length <= 12 && (
                <text x={x + barWidth / 2} y={HEIGHT + AXIS - 4} text-anchor="middle" class="tick">
                  {column.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      {names.length > 1 && <Legend names={names} />}
      <figcaption>{title}</figcaption>
    </figure>
  );
}

export function Legend({ names }: { names: string[] }) {
  return (
    <ul class="legend" aria-hidden="true">
      {names.map((name, index) => (
        <li key={name}>
          <span class="swatch" style={{ background: colourOf(index) }} />
          {name}
        </li>
      ))}
    </ul>
  );
}

/** The same figures as a table, folded away under a summary so the page stays short. */
export function ChartTable({ caption, head, rows }: { caption: string; head: string[]; rows: ComponentChildren[][] }) {
  return (
    <details class="chart-table">
      <summary>{caption} as a table</summary>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {head.map((cell, index) => (
                <th scope="col" key={index}>
                  {cell}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, index) => (
              <tr key={index}>
                {row.map((cell, column) =>
                  column === 0 ? <th scope="row" key={column}>{cell}</th> : <td key={column}>{cell}</td>,
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
