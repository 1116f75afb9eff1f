"""EventBatcher against the real server."""

from __future__ import annotations

import pytest

from conftest import event, spend_events, unique
from test_retries import FailFirst, LoseAnswers, real
from tally_client import BatcherFull, EventBatcher, TallyClient, TallyError


def test_flushes_at_batch_size_and_on_flush(client):
    name = unique("batch")
    batcher = client.batcher(batch_size=3)
    for _ in range(7):
        batcher.add(event(name))  # no id: the batcher gives one
    assert len(batcher) == 1  # two automatic flushes of 3
    assert batcher.accepted == 6
    counts = batcher.flush()
    assert counts == {"accepted": 1, "duplicates": 0, "rejected": 0}
    assert len(batcher) == 0 and batcher.accepted == 7
    assert spend_events(client, name) == 7


def test_context_manager_flushes_and_rejections_are_kept(client):
    name = unique("ctx")
    seen = []
    with EventBatcher(client, batch_size=100, on_result=lambda e, r: seen.append((e["id"], r["status"]))) as batcher:
        batcher.add(event(name, "ok-" + unique()))
        batcher.add({"id": "bad-" + unique(), "provider": "openai", "model": "gpt-4o", "usage": {"input_tokens": -1}})
    assert batcher.accepted == 1 and batcher.rejected == 1
    assert batcher.rejections[0]["error"]["field"] == "events[1].usage"
    assert [s for _, s in seen] == ["accepted", "rejected"]


def test_bound_raises_and_failed_events_keep_their_ids(token, tcp_url, http_url):
    transport = FailFirst(real("tcp", token, tcp_url, http_url), fail=10**6)
    client = TallyClient(transport, retries=0)
    batcher = client.batcher(batch_size=2, max_buffered=4)
    name = unique("bound")
    for _ in range(4):
        batcher.add(event(name))  # automatic flushes fail (retryable): the events stay
    assert len(batcher) == 4 and batcher.last_error is not None
    ids = [e["id"] for e in batcher._buffer]
    with pytest.raises(BatcherFull) as caught:
        batcher.add(event(name))
    assert caught.value.status == "RESOURCE_EXHAUSTED" and caught.value.retryable
    with pytest.raises(TallyError):
        batcher.flush()  # flush() raises
    transport.fail = 0  # the server is back
    assert batcher.flush() == {"accepted": 4, "duplicates": 0, "rejected": 0}
    assert spend_events(client, name) == 4
    # The ids sent are the ones given when the events were added.
    listed = client.events_list(filter={"client": name}, limit=10, from_="2026-11-01T00:00:00Z", to="2026-12-01T00:00:00Z")
    assert sorted(e["id"] for e in listed["events"]) == sorted(ids)


def test_lost_answer_in_a_flush_is_not_double_counted(token, tcp_url, http_url):
    transport = LoseAnswers(real("http", token, tcp_url, http_url), lose=1)
    client = TallyClient(transport, backoff=0.001)
    name = unique("lost")
    batcher = client.batcher(batch_size=5)
    for _ in range(5):
        batcher.add(event(name))
    assert batcher.duplicates == 5 and batcher.accepted == 0  # the resend was answered "duplicate"
    assert spend_events(client, name) == 5


def test_non_retryable_failure_raises_from_add(token, tcp_url, http_url):
    client = TallyClient.tcp(*tcp_url[len("tcp://"):].rsplit(":", 1)[:1], int(tcp_url.rsplit(":", 1)[1]),
                             "tly_" + "y" * 43, retries=0)
    batcher = client.batcher(batch_size=1)
    with pytest.raises(TallyError) as caught:
        batcher.add(event(unique("unauth")))
    assert caught.value.status == "UNAUTHENTICATED"
    assert len(batcher) == 1  # kept: nothing is dropped silently
    client.close()
