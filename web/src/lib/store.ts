// The little state every page shares: who is signed in, their wallet and balance, and what to announce.
import { useEffect, useState } from "preact/hooks";
import { storedSignIn } from "./api";
import type { Wallet } from "./discover";

export interface SessionState {
  address: string | null;
  wallet: Wallet | null;
  balance: string | null; // base units
  busy: boolean;
}

type Listener = () => void;

function observable<T extends object>(initial: T) {
  let value = initial;
  const listeners = new Set<Listener>();
  return {
    get: () => value,
    set(update: Partial<T>) {
      value = { ...value, ...update };
      listeners.forEach((listener) => listener());
    },
    use(): T {
      const [, rerender] = useState(0);
      useEffect(() => {
        const listener = () => rerender((n) => n + 1);
        listeners.add(listener);
        return () => void listeners.delete(listener);
      }, []);
      return value;
    },
  };
}

export const session = observable<SessionState>({
  address: storedSignIn()?.address ?? null,
  wallet: null,
  balance: null,
  busy: false,
});

export interface Notice {
  id: number;
  kind: "error" | "info";
  text: string;
}

export const notices = observable<{ items: Notice[] }>({ items: [] });
let noticeId = 0;

/** Say something in the page's live region: errors stay until dismissed, information fades after a while. */
export function announce(text: string, kind: Notice["kind"] = "info"): void {
  const id = ++noticeId;
  notices.set({ items: [...notices.get().items.filter((n) => n.text !== text), { id, kind, text }] });
  if (kind === "info") setTimeout(() => dismiss(id), 8000);
}

export function dismiss(id: number): void {
  notices.set({ items: notices.get().items.filter((notice) => notice.id !== id) });
}
