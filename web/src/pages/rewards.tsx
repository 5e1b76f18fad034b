// /app/rewards: what is claimable and pending (and when pending activates), "Claim" as a relayed claim, the
// rewards per epoch as a chart, and "Delegate to myself" as a relayed delegation the wallet signs.
import { useState } from "preact/hooks";
import { get, messageOf, type Page, post } from "../lib/api";
import { ChartTable, ColumnChart } from "../lib/charts";
import { formatTime, formatTokens } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { untilSettled } from "../lib/relay";
import { announce, session } from "../lib/store";
import { PageTitle, Shown } from "../lib/ui";
import { showBalance } from "../wallet-area";

interface Reward {
  account: string;
  claimable: string;
  cumulative: string;
  claimed: string;
  epoch: number | null;
  pending: string;
  pending_epoch: number | null;
  claimable_at: number | null;
}

interface EpochEarning {
  epoch: number;
  status: string;
  amount: string;
  amount_display: string;
  cumulative_display: string;
  contributions: number;
  contributions_paid: number;
  activates_at: number | null;
  report_cid: string;
}

interface Relayed {
  id: number;
  status: string;
  tx_hash: string | null;
  error?: string | null;
  reason?: string | null;
}

/** Base units as whole tokens with four decimals, a number only for drawing. */
function tokens(baseUnits: string): number {
  return Number(BigInt(baseUnits) / 10n ** 14n) / 10_000;
}

function Amounts({ address }: { address: string }) {
  const { wallet } = session.use();
  const reward = useLoad(() => get<Reward>(`/rewards/${address}`), [address]);
  const [busy, setBusy] = useState(false);
  const claim = async () => {
    setBusy(true);
    try {
      const queued = await post<Relayed & { follow: string }>("/rewards/claims", { account: address });
      announce("Claim sent to the relayer: it pays the gas.");
      const done = await untilSettled<Relayed>(queued.follow, ["queued"]);
      if (done.status === "mined") {
        announce(`Claimed: the tokens are in your wallet (transaction ${done.tx_hash}).`);
        if (wallet) await showBalance(wallet); // the header's balance was read at sign-in: it now holds more
      } else announce(`The claim was refused: ${done.reason ?? "no reason given"}`, "error");
      reward.reload();
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="amounts">
      <h2 id="amounts">What you can claim</h2>
      <Shown loaded={reward}>
        {(answer) => (
          <>
            <dl class="facts">
              <dt>Claimable now</dt>
              <dd data-testid="claimable">{formatTokens(answer.claimable)}</dd>
              <dt>Pending</dt>
              <dd data-testid="pending">
                {formatTokens(answer.pending)}
                {answer.pending !== "0" &&
                  (answer.claimable_at
                    ? ` (epoch ${answer.pending_epoch}, claimable from ${formatTime(answer.claimable_at)})`
                    : ` (epoch ${answer.pending_epoch}, its root is not proposed yet)`)}
              </dd>
              <dt>Earned in all</dt>
              <dd>{formatTokens(answer.cumulative)}</dd>
              <dt>Claimed</dt>
              <dd>{formatTokens(answer.claimed)}</dd>
            </dl>
            <div class="actions">
              <button type="button" class="primary" onClick={claim} disabled={busy || answer.claimable === "0"}
                aria-busy={busy}>
                Claim
              </button>
              <span class="hint">No gas: Polyphony's relayer sends the claim, the tokens go only to you.</span>
            </div>
          </>
        )}
      </Shown>
    </section>
  );
}

function History({ address }: { address: string }) {
  const history = useLoad(() => get<Page<EpochEarning>>(`/rewards/${address}/history?limit=50`), [address]);
  return (
    <section aria-labelledby="history">
      <h2 id="history">Rewards per epoch</h2>
      <Shown loaded={history}>
        {(page) => {
          if (page.items.length === 0) return <p>No epoch has paid you yet.</p>;
          const oldestFirst = [...page.items].reverse();
          return (
            <>
              <ColumnChart
                title="Your rewards per epoch, oldest first"
                names={["PLY"]}
                unit={(value) => `${value.toLocaleString("en-US", { maximumFractionDigits: 4 })} PLY`} // as formatTokens reads
                columns={oldestFirst.map((item) => ({
                  label: String(item.epoch),
                  parts: [{ name: "PLY", value: tokens(item.amount) }],
                }))}
              />
              <ChartTable
                caption="Your rewards per epoch"
                head={["Epoch", "Amount", "Total so far", "Contributions paid", "Status"]}
                rows={page.items.map((item) => [
                  item.epoch, item.amount_display, item.cumulative_display,
                  `${item.contributions_paid} of ${item.contributions}`, item.status,
                ])}
              />
            </>
          );
        }}
      </Shown>
    </section>
  );
}

function Delegate({ address }: { address: string }) {
  const { wallet } = session.use();
  const [busy, setBusy] = useState(false);
  const delegate = async () => {
    if (!wallet) return announce("Connect your wallet to sign the delegation.", "error");
    setBusy(true);
    try {
      const query = new URLSearchParams({ delegator: address, delegatee: address });
      const typed = await get<{ message: { nonce: string; expiry: string } }>(`/delegations/typed-data?${query}`);
      const signature = await (await import("../lib/wallet")).signTypedData(wallet, typed);
      const accepted = await post<Relayed>("/delegations", {
        delegator: address, delegatee: address, nonce: Number(typed.message.nonce),
        expiry: Number(typed.message.expiry), signature,
      });
      announce("Delegation signed and handed to the relayer.");
      const done = await untilSettled<Relayed>(`/delegations/${accepted.id}`, ["accepted"]);
      if (done.status === "mined") announce("You now vote with your own tokens.");
      else announce(`The delegation failed: ${done.error ?? "no reason given"}`, "error");
    } catch (error) {
      announce(messageOf(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="votes">
      <h2 id="votes">Your votes</h2>
      <p>
        Tokens vote only once delegated. Delegating to yourself signs a message in your wallet; Polyphony's relayer
        sends it and pays the gas.
      </p>
      <button type="button" onClick={delegate} disabled={busy} aria-busy={busy}>
        Delegate to myself
      </button>
    </section>
  );
}

export default function Rewards() {
  const { address } = session.use();
  return (
    <>
      <PageTitle>Rewards</PageTitle>
      {address ? (
        <>
          <Amounts address={address} />
          <History address={address} />
          <Delegate address={address} />
        </>
      ) : (
        <p>
          Use <strong>Connect wallet</strong> at the top of the page to see and claim your rewards.
        </p>
      )}
    </>
  );
}
