// /app/contributions ("My contributions"): one row per contribution with its title, status, score, verdict
// and reward.
import { get, type Page } from "../lib/api";
import { type Contribution, rewardAmount } from "../lib/contributions";
import { formatTime, formatTokens, percent } from "../lib/format";
import { useLoad } from "../lib/hooks";
import { BASE } from "../lib/router";
import { session } from "../lib/store";
import { PageTitle, Shown, StatusBadge } from "../lib/ui";

function Table({ address }: { address: string }) {
  const mine = useLoad(() => get<Page<Contribution>>(`/contributions?contributor=${address}&limit=200`), [address]);
  return (
    <Shown loaded={mine}>
      {(page) =>
        page.items.length === 0 ? (
          <p>
            You have no contributions yet. <a href={`${BASE}/contribute`}>Contribute a file</a>.
          </p>
        ) : (
          <div class="table-scroll">
            <table>
              <caption class="visually-hidden">Your contributions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Title</th>
                  <th scope="col">Status</th>
                  <th scope="col">Score</th>
                  <th scope="col">Verdict</th>
                  <th scope="col">Reward</th>
                  <th scope="col">Uploaded</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((item) => {
                  const reward = rewardAmount(item);
                  return (
                    <tr key={item.id}>
                      <th scope="row">
                        <a href={`${BASE}/contributions/${item.id}`}>{item.title}</a>
                      </th>
                      <td>
                        <StatusBadge status={item.status} />
                      </td>
                      <td>{item.score === null ? "—" : percent(item.score)}</td>
                      <td>{item.verdict ?? "—"}</td>
                      <td>{reward === null ? "—" : formatTokens(reward)}</td>
                      <td>{formatTime(item.created_at)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {page.total > page.items.length && <p>Showing the newest {page.items.length} of {page.total}.</p>}
          </div>
        )
      }
    </Shown>
  );
}

export default function Contributions() {
  const { address } = session.use();
  return (
    <>
      <PageTitle>My contributions</PageTitle>
      {address ? (
        <Table address={address} />
      ) : (
        <p>
          Use <strong>Connect wallet</strong> at the top of the page to see your contributions.
        </p>
      )}
    </>
  );
}
