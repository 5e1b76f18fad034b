"""The license list a form offers is exactly what the upload accepts."""

from polyphony.contributions.licenses import check_license, search_licenses


def test_every_listed_license_is_accepted_as_it_is_written() -> None:
    listed, total = search_licenses("", offset=0, limit=10_000)
    assert total == len(listed) > 500
    assert all(check_license(entry.id) == entry.id for entry in listed)


def test_ids_starting_with_the_query_come_first() -> None:
    found, _ = search_licenses("MIT", offset=0, limit=50)
    assert found[0].id == "MIT"
    starts = [entry.id.casefold().startswith("mit") for entry in found]
    assert starts == sorted(starts, reverse=True) and not all(starts)
