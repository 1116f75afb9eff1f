"""The Python client against the real server, over TCP and HTTP."""

from __future__ import annotations

import json
import os
import socket
import threading

import pytest

from conftest import RANGE, event, spend_events, unique
from tally_client import METHODS, TallyClient, TallyError, connect

PROTO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "proto", "openrpc.json")


def test_health_check(client):
    answer = client.health_check()
    assert answer["status"] == "SERVING"


def test_ingest_then_spend_query(client):
    name = unique("acme")
    answer = client.ingest_events(events=[event(name, unique()), event(name, unique())])
    assert answer["accepted"] == 2
    assert [r["status"] for r in answer["results"]] == ["accepted", "accepted"]
    assert answer["results"][0]["cost"] == "0.00045"  # money is a decimal string
    spend = client.spend_query(group_by=["client"], filter={"client": name}, **RANGE)
    assert spend["rows"][0]["client"] == name
    assert spend["total"]["events"] == 2
    assert spend["total"]["cost"] == "0.0009"


def test_same_id_again_is_a_duplicate(client):
    name, event_id = unique("dup"), unique()
    assert client.ingest_events(events=[event(name, event_id)])["results"][0]["status"] == "accepted"
    again = client.ingest_events(events=[event(name, event_id)])
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["cost"] == "0.00045"
    assert spend_events(client, name) == 1


def test_rejected_event_is_an_answer_not_an_exception(client):
    answer = client.ingest_events(events=[{"id": unique(), "provider": "openai", "model": "gpt-4o",
                                           "usage": {"input_tokens": -1}}])
    assert answer["rejected"] == 1
    assert answer["results"][0]["status"] == "rejected"
    assert answer["results"][0]["error"]["field"] == "events[0].usage"


def test_unknown_param_raises_tally_error_with_field(client):
    with pytest.raises(TallyError) as caught:
        client.call("spend.query", {"bogus": 1})
    e = caught.value
    assert (e.code, e.status, e.retryable, e.field) == (-32602, "INVALID_ARGUMENT", False, "bogus")
    assert e.data["status"] == "INVALID_ARGUMENT"
    assert e.from_server and "bogus" in e.message


def test_unknown_method(client):
    with pytest.raises(TallyError) as caught:
        client.call("nope.nothing")
    assert (caught.value.code, caught.value.status) == (-32601, "UNIMPLEMENTED")


@pytest.mark.parametrize("transport", ["tcp", "http"])
def test_bad_token_is_unauthenticated(transport, tcp_url, http_url):
    c = connect(tcp_url if transport == "tcp" else http_url, token="tly_" + "x" * 43, retries=0)
    try:
        with pytest.raises(TallyError) as caught:
            c.spend_query()
        assert (caught.value.code, caught.value.status, caught.value.retryable) == (-32001, "UNAUTHENTICATED", False)
    finally:
        c.close()


def test_role_is_enforced_and_tokens_roundtrip(client, tcp_url, http_url):
    created = client.tokens_create(role="ingest", label=unique("pytest"))
    assert created["token"].startswith("tly_") and created["role"] == "ingest"
    assert created["id"] in [t["id"] for t in client.tokens_list()["tokens"]]
    for url in (tcp_url, http_url):
        ingest_only = connect(url, token=created["token"], retries=0)
        try:
            assert ingest_only.ingest_events(events=[event(unique("role"), unique())])["accepted"] == 1
            with pytest.raises(TallyError) as caught:
                ingest_only.spend_query()
            assert (caught.value.code, caught.value.status) == (-32003, "PERMISSION_DENIED")
        finally:
            ingest_only.close()
    assert client.tokens_revoke(id=created["id"]) == {"id": created["id"], "revoked": True}
    revoked = connect(http_url, token=created["token"], retries=0)
    with pytest.raises(TallyError) as caught:
        revoked.ingest_events(events=[event(unique("role"), unique())])
    assert caught.value.status == "UNAUTHENTICATED"


def test_rpc_discover_lists_the_contract(client):
    with open(PROTO, encoding="utf-8") as f:
        contract = json.load(f)
    served = client.rpc_discover()
    assert [m["name"] for m in served["methods"]] == [m["name"] for m in contract["methods"]]
    assert set(METHODS) == {m["name"] for m in contract["methods"]}


def test_read_helpers(client):
    assert "rows" in client.spend_query(group_by=["client", "day"], timezone="Europe/Berlin", limit=10, **RANGE)
    listed = client.events_list(limit=2, **RANGE)
    assert isinstance(listed["events"], list)
    assert isinstance(client.prices_list(provider="openai", limit=3)["prices"], list)
    assert isinstance(client.rules_list(), dict)


def test_tcp_pipelines_many_calls_from_threads(tcp_client):
    name = unique("pipe")
    results = {}
    errors = []

    def worker(i: int) -> None:
        try:
            event_id = f"{name}-{i}"
            answer = tcp_client.ingest_events(events=[event(name, event_id)])
            results[i] = answer["results"][0]["id"]
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert results == {i: f"{name}-{i}" for i in range(40)}  # every answer matched to its call
    assert spend_events(tcp_client, name) == 40


def test_tcp_reconnects_and_says_hello_again(tcp_client):
    assert tcp_client.health_check()["status"] == "SERVING"
    transport = tcp_client.transport
    first = transport._sock
    first.shutdown(socket.SHUT_RDWR)  # the connection drops under the client
    # spend.query is read-only, so the client resends it on the new (authenticated) connection.
    assert "rows" in tcp_client.spend_query(**RANGE)
    assert transport._sock is not first
    assert transport.hello["agency"] == "demo"


@pytest.mark.parametrize("transport", ["tcp", "http"])
def test_oversize_request_is_refused_before_sending(transport, tcp_url, http_url, token):
    c = connect(tcp_url if transport == "tcp" else http_url, token=token)
    with pytest.raises(TallyError) as caught:
        c.call("health.check", {"service": "x" * (5 * 1024 * 1024)})
    e = caught.value
    assert (e.status, e.retryable, e.from_server, e.sent) == ("RESOURCE_EXHAUSTED", False, False, False)
    c.close()
