// The header's wallet: "Connect wallet" (discover, switch chain, sign in), then the address, balance and
// "Sign out".
import { useState } from "preact/hooks";
import { get, keepSignIn, messageOf, post, storedSignIn, whenTokenRefused } from "./lib/api";
import { formatTokens, shortAddress } from "./lib/format";
import { announce, session } from "./lib/store";
import { discoverWallets, type Eip1193Provider, type Wallet } from "./lib/discover";

// The chain code (viem) loads when a wallet is first used, which keeps it out of every page's first load.
const chainCode = () => import("./lib/wallet");

/** Read the wallet's token balance into the header (after sign-in, and after anything that pays the wallet). */
export async function showBalance(wallet: Wallet): Promise<void> {
  try {
    session.set({ balance: await (await chainCode()).tokenBalance(wallet) });
  } catch (error) {
    announce(`The balance could not be read: ${messageOf(error)}`, "error");
  }
}

whenTokenRefused(() => {
  session.set({ address: null, wallet: null, balance: null });
  announce("Your sign-in ended (it expired or was revoked): use Connect wallet to sign in again.", "error");
});

/** After a reload: keep a stored sign-in while its token holds, and find the wallet that holds its address. */
export async function restoreSignIn(): Promise<void> {
  const stored = storedSignIn();
  if (!stored) return;
  try {
    await get("/auth/me");
  } catch {
    keepSignIn(null);
    session.set({ address: null, wallet: null, balance: null });
    return;
  }
  for (const { info, provider } of await discoverWallets()) {
    const accounts = (await provider.request({ method: "eth_accounts" }).catch(() => [])) as string[];
    if (accounts.some((account) => account.toLowerCase() === stored.address.toLowerCase())) {
      const wallet = { provider, name: info.name, address: stored.address };
      session.set({ wallet });
      await showBalance(wallet);
      return;
    }
  }
}

export async function connect(provider: Eip1193Provider, name: string): Promise<void> {
  session.set({ busy: true });
  try {
    const wallet = await (await chainCode()).connectAndSignIn(provider, name);
    session.set({ address: wallet.address, wallet, balance: null });
    announce(`Signed in as ${wallet.address}.`);
    await showBalance(wallet);
  } catch (error) {
    announce(messageOf(error), "error");
  } finally {
    session.set({ busy: false });
  }
}

export async function signOut(): Promise<void> {
  try {
    await post("/auth/logout");
  } catch {
    // the token is forgotten here whatever the server says: signing out must always work
  }
  keepSignIn(null);
  session.set({ address: null, wallet: null, balance: null });
  announce("Signed out.");
}

function ConnectButton() {
  const { busy } = session.use();
  const [choices, setChoices] = useState<{ name: string; provider: Eip1193Provider }[]>([]);
  const start = async () => {
    const wallets = await discoverWallets();
    if (wallets.length === 0) {
      announce("No browser wallet was found: install one (MetaMask, Rabby, ...) and reload this page.", "error");
    } else if (wallets.length === 1) {
      await connect(wallets[0].provider, wallets[0].info.name);
    } else {
      setChoices(wallets.map(({ info, provider }) => ({ name: info.name, provider })));
    }
  };
  return (
    <>
      <button type="button" class="primary" onClick={start} disabled={busy} aria-busy={busy}>
        {busy ? "Connecting…" : "Connect wallet"}
      </button>
      {choices.length > 0 && (
        <ul class="wallet-choices" aria-label="Choose a wallet">
          {choices.map((choice) => (
            <li key={choice.name}>
              <button type="button" onClick={() => (setChoices([]), connect(choice.provider, choice.name))}>
                {choice.name}
              </button>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function WalletArea() {
  const { address, balance } = session.use();
  return (
    <div class="wallet" aria-label="Wallet" role="group">
      {address ? (
        <>
          <span class="address" title={address}>
            <span class="visually-hidden">Signed in as </span>
            {shortAddress(address)}
          </span>
          {balance !== null && <span class="balance">{formatTokens(balance)}</span>}
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </>
      ) : (
        <ConnectButton />
      )}
    </div>
  );
}
