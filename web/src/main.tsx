// The shell every page shares: the header with its links and wallet, the live region for what happens, and
// the current page, loaded as its own chunk when first shown.
import type { ComponentType } from "preact";
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { messageOf } from "./lib/api";
import { BASE, interceptLinks, usePath } from "./lib/router";
import { announce, dismiss, notices } from "./lib/store";
import { WalletArea, restoreSignIn } from "./wallet-area";

export interface PageProps {
  params: string[];
}

interface PageModule {
  default: ComponentType<PageProps>;
}

interface Route {
  pattern: RegExp;
  title: string;
  load: () => Promise<PageModule>;
}

// Every page of the app, in the order the navigation lists the ones with a link.
export const ROUTES: Route[] = [
  { pattern: /^\/$/, title: "Home", load: () => import("./pages/home") },
  { pattern: /^\/contribute$/, title: "Contribute", load: () => import("./pages/contribute") },
  { pattern: /^\/contributions$/, title: "My contributions", load: () => import("./pages/contributions") },
  { pattern: /^\/contributions\/(\d+)$/, title: "Contribution", load: () => import("./pages/contribution") },
  { pattern: /^\/rewards$/, title: "Rewards", load: () => import("./pages/rewards") },
  { pattern: /^\/proposals$/, title: "Proposals", load: () => import("./pages/proposals") },
  { pattern: /^\/proposals\/(\d+)$/, title: "Proposal", load: () => import("./pages/proposal") },
  { pattern: /^\/datasets\/new$/, title: "New dataset", load: () => import("./pages/dataset-new") },
  { pattern: /^\/rounds\/(\d+)$/, title: "Round", load: () => import("./pages/round") },
  { pattern: /^\/coverage$/, title: "Coverage", load: () => import("./pages/coverage") },
  { pattern: /^\/demand$/, title: "Demand", load: () => import("./pages/demand") },
  { pattern: /^\/review$/, title: "Review", load: () => import("./pages/review") },
];

const NAV = [
  { href: `${BASE}/`, label: "Home" },
  { href: `${BASE}/contribute`, label: "Contribute" },
  { href: `${BASE}/contributions`, label: "My contributions" },
  { href: `${BASE}/rewards`, label: "Rewards" },
  { href: `${BASE}/proposals`, label: "Proposals" },
  { href: `${BASE}/datasets/new`, label: "New dataset" },
  { href: `${BASE}/coverage`, label: "Coverage" },
  { href: `${BASE}/demand`, label: "Demand" },
  { href: `${BASE}/review`, label: "Review" },
];

function NotFound() {
  return (
    <>
      <h1 id="page-title" tabIndex={-1}>Page not found</h1>
      <p>
        There is no page here. <a href={`${BASE}/`}>Go to the home page</a>.
      </p>
    </>
  );
}

function Notices() {
  const { items } = notices.use();
  return (
    <div class="notices" aria-live="polite" role="status">
      {items.map((notice) => (
        <p key={notice.id} class={`notice notice-${notice.kind}`}>
          <span>{notice.text}</span>
          <button type="button" class="link" onClick={() => dismiss(notice.id)} aria-label="Dismiss">
            ×
          </button>
        </p>
      ))}
    </div>
  );
}

function Current({ path }: { path: string }) {
  const [shown, setShown] = useState<{ path: string; Page: ComponentType<PageProps>; params: string[] } | null>(null);
  const firstPage = useRef(true);
  useEffect(() => {
    const route = ROUTES.find((each) => each.pattern.test(path));
    if (!route) {
      setShown({ path, Page: NotFound, params: [] });
      document.title = "Page not found · Polyphony";
      return;
    }
    const params = path.match(route.pattern)!.slice(1);
    route.load().then(
      (module) => {
        setShown({ path, Page: module.default, params });
        document.title = `${route.title} · Polyphony`;
      },
      (error: unknown) => announce(`This page could not be loaded: ${messageOf(error)}`, "error"),
    );
  }, [path]);
  useEffect(() => {
    if (!shown) return;
    // Move focus to the new page's heading, so keyboard and screen-reader users start there; not on first load.
    if (!firstPage.current) document.getElementById("page-title")?.focus();
    firstPage.current = false;
    window.scrollTo(0, 0);
  }, [shown?.path]);
  if (!shown) return <p aria-busy="true">Loading…</p>;
  return <shown.Page params={shown.params} />;
}

function App() {
  const path = usePath();
  useEffect(() => void restoreSignIn(), []);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={`${BASE}/`}>
          Polyphony
        </a>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={`${BASE}${path === "/" ? "/" : path}` === item.href ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <WalletArea />
      </header>
      <Notices />
      <main id="main">
        <Current path={path} />
      </main>
      <footer class="bottom">
        <p>
          Polyphony: community-owned AI data. The <a href="/docs">API</a> and the <code>polyphony</code> command do
          everything this app does.
        </p>
      </footer>
    </>
  );
}

interceptLinks();
render(<App />, document.getElementById("app")!);
