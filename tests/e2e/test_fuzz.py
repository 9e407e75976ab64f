"""Property-based fuzz of every route over HTTP: whatever a client sends, the API never answers 5xx.

Hypothesis generates requests - the nine routes of the API and made-up ones, path parameters (real
ids, unknown ULIDs, arbitrary text), query parameters, headers (Content-Type, Idempotency-Key, made-up
ones) and bodies (shaped like the API's inputs with wrong or boundary values mixed in, arbitrary JSON,
arbitrary text and bytes) - and sends each to the local stack as a customer, an organizer or nobody.

Reproducible: `derandomize=True` (the examples are a function of the test alone) and no example database.
The number of requests actually sent is counted and must reach MIN_REQUESTS.
"""

from __future__ import annotations

import base64
import json
import string
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.e2e

MIN_REQUESTS = 500
MAX_EXAMPLES = 560  # a margin over MIN_REQUESTS: Hypothesis may skip an example it has already run
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ROUTES = [
    ("POST", "/performances"),
    ("GET", "/performances"),
    ("GET", "/performances/{performanceId}"),
    ("POST", "/performances/{performanceId}/cancel"),
    ("GET", "/performances/{performanceId}/bookings"),
    ("POST", "/bookings"),
    ("GET", "/bookings"),
    ("GET", "/bookings/{bookingId}"),
    ("POST", "/bookings/{bookingId}/cancel"),
    ("GET", "/performances/{performanceId}/tally"),
]
TEAMS = ["두산 베어스", "LG 트윈스"]


def _starts(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT19:30:00+09:00")


@pytest.fixture(scope="module")
def fuzz_world(api) -> dict:
    """Real ids for the fuzz to aim at: an organizer's performance (open for booking) and a customer's booking."""
    organizer, customer = api.token("fuzz-org", organizer=True), api.token("fuzz-cust")
    r = api.call(
        "POST",
        "/performances",
        organizer,
        json={"title": "Fuzz", "venue": "Hall", "startsAt": _starts(), "capacity": 100_000},
    )
    assert r.status_code == 201, r.text
    pid = r.json()["performanceId"]

    def book():
        r = api.call("POST", "/bookings", customer, json={"performanceId": pid, "quantity": 1})
        return r.json()["bookingId"] if r.status_code == 201 else None

    bid = api.wait_for(book, "the fuzz performance opening for booking")
    r = api.call(
        "POST",
        "/performances",
        organizer,
        json={"title": "Fuzz match", "venue": "Ballpark", "startsAt": _starts(), "capacity": 100_000,
              "kind": "MATCH", "teams": TEAMS},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    match_id = r.json()["performanceId"]
    api.wait_for(
        lambda: api.call("GET", f"/performances/{match_id}/tally").status_code == 200, "the fuzz match's tally"
    )
    return {"organizer": organizer, "customer": customer, "performanceId": pid, "bookingId": bid, "matchId": match_id}


# ------------------------------------------------------------------ strategies
printable = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
ulids = st.text(alphabet=CROCKFORD, min_size=26, max_size=26)
any_text = st.text(max_size=60)


def _token_of(key) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def ids(kind: str):
    return st.one_of(
        st.just(f"<{kind}>"),  # the real one (filled in at send time)
        *([st.just("<matchId>")] if kind == "performanceId" else []),  # the real match
        ulids,  # well-formed, unknown
        any_text.filter(
            lambda s: s not in ("", ".", "..")
        ),  # anything at all ("." and ".." are normalised away by the client)
        st.sampled_from(["../bookings", "%2e%2e", "' OR 1=1 --", "#st = :x", '{"$ne": null}', "0" * 26, "a" * 2000]),
    )


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(any_text, kids, max_size=4)),
    max_leaves=12,
)


def maybe(valid, *invalid):
    return st.one_of(valid, *invalid) if invalid else valid


start_times = st.one_of(
    st.integers(min_value=-400, max_value=4000).map(lambda d: _starts(d)),  # past, future, beyond ten years
    st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # no offset
    any_text,
)

grade_names = st.one_of(
    st.text(alphabet="ABCRSVGEN0123456789", min_size=1, max_size=8), st.text(max_size=10), json_scalars
)
team_names = st.one_of(st.sampled_from([*TEAMS, "KIA 타이거즈"]), st.text(max_size=70), json_scalars)
team_lists = st.lists(team_names, max_size=6)
stakes = st.one_of(
    st.integers(min_value=0, max_value=1000).map(lambda k: k * 1000),  # valid
    st.integers(min_value=-(10**7), max_value=10**7),
    json_scalars,
)
grades = st.lists(
    st.fixed_dictionaries(
        {
            "grade": grade_names,
            "price": maybe(st.integers(min_value=-2, max_value=10_000_002), json_scalars),
            "seats": maybe(st.integers(min_value=-2, max_value=100_002), json_scalars),
        },
        optional={"extra": json_values},
    ),
    max_size=10,
)
performance_bodies = st.fixed_dictionaries(
    {
        "title": maybe(st.text(min_size=1, max_size=220), json_values),
        "venue": maybe(st.text(min_size=1, max_size=220), json_values),
        "startsAt": maybe(start_times, json_scalars),
        "capacity": maybe(st.integers(min_value=-5, max_value=100_005), json_scalars),
    },
    optional={
        "grades": maybe(grades, json_values),
        "maxPerCustomer": maybe(st.integers(min_value=-2, max_value=12), json_scalars),
        "kind": maybe(st.sampled_from(["CONCERT", "MATCH"]), any_text, json_scalars),
        "teams": maybe(team_lists, json_values),
        "organizerId": any_text,
        "status": any_text,
        "extra": json_values,
    },
)
booking_bodies = st.fixed_dictionaries(
    {
        "performanceId": maybe(ids("performanceId"), json_scalars),
        "quantity": maybe(st.integers(min_value=-3, max_value=13), json_scalars),
    },
    optional={
        "grade": grade_names,
        "paymentMethod": st.one_of(st.sampled_from(["pm_card_visa", "pm_card_chargeCustomerFail"]), any_text),
        "team": team_names,
        "stake": stakes,
        "customerId": any_text,
        "bookingId": any_text,
    },
)


valid_performance_bodies = st.fixed_dictionaries(
    {
        "title": st.text(min_size=1, max_size=200).filter(str.strip),
        "venue": st.text(min_size=1, max_size=200).filter(str.strip),
        "startsAt": st.integers(min_value=1, max_value=3000).map(_starts),
        "capacity": st.integers(min_value=1, max_value=100_000),
    },
    optional={"maxPerCustomer": st.integers(min_value=1, max_value=10)},
)
valid_booking_bodies = st.fixed_dictionaries(
    {
        "performanceId": st.just("<performanceId>"),
        "quantity": st.integers(min_value=1, max_value=10),
    },
    optional={"grade": st.just("GENERAL")},
)
valid_match_bookings = st.fixed_dictionaries(
    {
        "performanceId": st.just("<matchId>"),
        "quantity": st.integers(min_value=1, max_value=10),
        "team": st.sampled_from(TEAMS),
    },
    optional={
        "stake": st.integers(min_value=0, max_value=1000).map(lambda k: k * 1000),
        "paymentMethod": st.just("pm_card_visa"),
    },
)
SHAPED = {  # per route: bodies shaped like its input, valid ones among them
    ("POST", "/performances"): st.one_of(valid_performance_bodies, performance_bodies),
    ("POST", "/bookings"): st.one_of(valid_booking_bodies, valid_match_bookings, booking_bodies),
}

bodies = st.one_of(
    st.just(None),
    st.tuples(st.just("json"), performance_bodies),
    st.tuples(st.just("json"), booking_bodies),
    st.tuples(st.just("json"), json_values),
    st.tuples(st.just("text"), st.text(max_size=200)),
    st.tuples(st.just("bytes"), st.binary(max_size=200)),
)

paging_tokens = st.one_of(
    any_text,
    printable,
    st.dictionaries(
        st.sampled_from(["pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk"]),
        st.one_of(any_text, st.just("PERFORMANCE")),
        min_size=4,
        max_size=6,
    ).map(_token_of),
    json_values.map(_token_of),
)
queries = st.dictionaries(
    st.one_of(
        st.sampled_from(["limit", "nextToken", "status", "team"]),
        st.text(alphabet=string.ascii_letters, min_size=1, max_size=10),
    ),
    st.one_of(
        st.integers(min_value=-5, max_value=200).map(str),
        paging_tokens,
        any_text,
        st.sampled_from(["CONFIRMED", "CANCELLED", "PAYMENT_FAILED", "approved", *TEAMS]),
    ),
    max_size=3,
)
headers = st.dictionaries(
    st.one_of(
        st.sampled_from(["Content-Type", "Idempotency-Key", "Accept", "X-Forwarded-For"]),
        st.from_regex(r"X-[A-Za-z0-9-]{1,20}", fullmatch=True),
    ),
    st.one_of(
        st.sampled_from(
            [
                "application/json",
                "application/json; charset=utf-8",
                "text/plain",
                "application/xml",
                "application/x-www-form-urlencoded",
                "application/merge-patch+json",
                "",
                "*/*",
            ]
        ),
        st.text(alphabet=string.ascii_letters + string.digits + "._:-", min_size=1, max_size=130),
        printable.map(str.lstrip),  # a header value may not start with whitespace (HTTP clients refuse it)
    ),
    max_size=3,
)


@st.composite
def requests_(draw):
    if draw(st.integers(min_value=0, max_value=9), label="made-up route?") == 0:
        method = draw(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]))
        path = "/" + "/".join(
            quote(s, safe="")
            for s in draw(st.lists(any_text.filter(lambda s: s not in ("", ".", "..")), min_size=1, max_size=3))
        )
        route = None
    else:
        method, route = draw(st.sampled_from(ROUTES))
        path = route
        for name in ("performanceId", "bookingId"):
            if "{" + name + "}" in path:
                path = path.replace("{" + name + "}", quote(draw(ids(name)), safe="<>"))
    caller = draw(st.sampled_from(["customer", "organizer", None]), label="caller")
    body = draw(bodies)
    if (method, route) in SHAPED and draw(st.booleans(), label="shaped body?"):
        body = ("json", draw(SHAPED[(method, route)]))
    return {
        "method": method,
        "route": route,
        "path": path,
        "caller": caller,
        "query": draw(queries),
        "headers": draw(headers),
        "body": body,
    }


def _real_ids(text: str, world: dict) -> str:
    for name in ("performanceId", "bookingId", "matchId"):
        text = text.replace(f"<{name}>", world[name])
    return text


def _send(api, world: dict, req: dict):
    path = _real_ids(req["path"], world)
    hdrs = dict(req["headers"])
    kind_body = req["body"]
    data = None
    if kind_body is not None:
        kind, body = kind_body
        if kind == "json":
            text = _real_ids(json.dumps(body, ensure_ascii=False), world)
            data = text.encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        elif kind == "text":
            data = body.encode("utf-8", "surrogatepass")
        else:
            data = body
    token = world.get(req["caller"]) if req["caller"] else None
    return api.call(req["method"], path, token, headers=hdrs, data=data, params=req["query"] or None)


def test_no_request_gets_a_5xx(api, fuzz_world):
    sent: list[tuple[str, int]] = []
    started = time.monotonic()

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.function_scoped_fixture,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
    )
    @given(req=requests_())
    def one_request(req):
        r = _send(api, fuzz_world, req)
        sent.append((f"{req['method']} {req['route']}" if req["route"] else "made-up", r.status_code))
        assert r.status_code < 500, f"{r.status_code} {r.text[:300]} for {req}"
        if r.status_code >= 400 and "json" in r.headers.get("Content-Type", "") and r.content:
            body = r.json()
            # The API's own errors are {code, message}; API Gateway's own answers here are {message}.
            assert "message" in body
            assert "Traceback" not in json.dumps(body)

    one_request()
    elapsed = time.monotonic() - started
    routes = {route for route, _ in sent}
    print(
        f"\nfuzz: {len(sent)} requests in {elapsed:.1f}s over {len(routes)} routes; "
        f"statuses {sorted(Counter(s for _, s in sent).items())}"
    )
    assert len(sent) >= MIN_REQUESTS
    assert routes >= {f"{m} {p}" for m, p in ROUTES}, "every route of the API was fuzzed"
