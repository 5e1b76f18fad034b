// Real paths under /app/ (no hash routes): links are intercepted and pushed onto the history, and the server
// answers every /app/... path with the app, so a reload or a shared link lands on the same page.
import { useEffect, useState } from "preact/hooks";

export const BASE = "/app";

type Listener = () => void;
const listeners = new Set<Listener>();

export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path.replace(/\/+$/, "") || "/";
}

export function navigate(to: string): void {
  if (to !== location.pathname + location.search) history.pushState(null, "", to);
  listeners.forEach((listener) => listener());
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const listener = () => setPath(currentPath());
    listeners.add(listener);
    window.addEventListener("popstate", listener);
    return () => {
      listeners.delete(listener);
      window.removeEventListener("popstate", listener);
    };
  }, []);
  return path;
}

/** Follow same-app links without reloading; every other link (and a modified click) behaves as usual. */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    const link = (event.target as Element | null)?.closest?.("a");
    if (!link || link.target || link.hasAttribute("download") || link.origin !== location.origin) return;
    if (!link.pathname.startsWith(BASE + "/") && link.pathname !== BASE) return;
    event.preventDefault();
    navigate(link.pathname + link.search);
  });
}
