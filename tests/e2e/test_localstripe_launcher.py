"""The local payment provider as tools/localstripe_patches/launch.py serves it (boxoffice_dev.payments.Localstripe):
on 127.0.0.1 only, in memory, with a card token turned into a PaymentMethod once (also with a publishable key, as the
portal's page sends it), and a restart on the same port that keeps what it held.

No local stack: each test talks to a localstripe of this module's own, over HTTP, as the functions do.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from boxoffice_dev.deploy import deploy_parameters, format_parameter_overrides, parse_parameter_overrides
from boxoffice_dev.paths import LOCALSTRIPE_VENV, ROOT, SAM_VENV
from boxoffice_dev.payments import LAUNCHER, Localstripe, LocalstripeError

pytestmark = pytest.mark.e2e

CLIENT_PICKLE = Path("/tmp/localstripe.pickle")  # where localstripe's own CLI keeps its store


def _stat(path: Path) -> tuple | None:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except FileNotFoundError:
        return None


@pytest.fixture(scope="module")
def pickle_before():
    return _stat(CLIENT_PICKLE)


@pytest.fixture(scope="module")
def localstripe(pickle_before):
    with Localstripe() as ls:
        yield ls


def _card_token(ls: Localstripe, number: str = "4242424242424242") -> str:
    # As the Stripe.js stand-in's createToken sends it: the card and a publishable key, no secret key needed.
    card = {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    return ls.request("POST", "/v1/tokens", {"card": card, "key": "pk_test_portal"})["id"]


def _pay(ls: Localstripe, payment_method: str, booking_id: str, amount: int = 55000) -> dict:
    params = {"amount": amount, "currency": "krw", "payment_method": payment_method}
    intent = ls.request(
        "POST",
        "/v1/payment_intents",
        {**params, "payment_method_types": ["card"], "metadata": {"bookingId": booking_id}},
    )
    assert intent["status"] == "requires_confirmation", intent
    return ls.request("POST", f"/v1/payment_intents/{intent['id']}/confirm")


# ---------------------------------------------------------------------- where it listens, what it writes
def _listening(pid: int) -> list[tuple[str, int]]:
    """(address, port) of every TCP socket the process listens on, from /proc (its sockets' inodes)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            link = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    found = []
    for table, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        with open(f"/proc/{pid}/net/{table}") as f:
            next(f)
            for line in f:
                fields = line.split()
                local, state, inode = fields[1], fields[3], fields[9]
                if state != "0A" or inode not in inodes:  # 0A: LISTEN
                    continue
                hex_address, hex_port = local.split(":")
                raw = bytes.fromhex(hex_address)
                # The kernel writes the address as 32-bit words in host (little-endian) order.
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.append((socket.inet_ntop(family, raw), int(hex_port, 16)))
    return found


def _other_addresses() -> list[str]:
    """This machine's own addresses that are not loopback (`hostname -I`; link-local ones are not listed there)."""
    try:
        listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=5).stdout.split()
    except (OSError, subprocess.SubprocessError):
        listed = []
    if not listed:
        try:
            listed = [info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, type=socket.SOCK_STREAM)]
        except OSError:
            listed = []
    return sorted({a for a in listed if not a.startswith(("127.", "::1", "fe80:"))})


def test_it_listens_on_127_0_0_1_only(localstripe):
    listening = _listening(localstripe.process.pid)
    assert listening == [("127.0.0.1", localstripe.port)]


def test_the_machines_other_addresses_are_refused(localstripe):
    others = _other_addresses()
    if not others:
        pytest.skip("this machine has no address but loopback (hostname -I lists none): nothing else to refuse")
    for address in others:  # the machine's own addresses: the connection never leaves it
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(3)
            with pytest.raises(ConnectionRefusedError):
                s.connect((address, localstripe.port))
    # ... while loopback answers.
    assert localstripe.answers()


def test_a_launch_on_another_address_is_refused():
    result = subprocess.run(
        [str(LOCALSTRIPE_VENV / "bin" / "python"), str(LAUNCHER), "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert "loopback address only" in result.stderr


def test_writes_never_touch_tmp_localstripe_pickle(localstripe, pickle_before):
    _pay(localstripe, "pm_card_visa", "01PICKLECHECK0000000000000")
    localstripe.request("POST", "/v1/customers", {"email": "pickle@example.com"})
    # Localstripe's own CLI would have written it after each of those POSTs.
    assert _stat(CLIENT_PICKLE) == pickle_before


# ---------------------------------------------------------------------- payments
def test_a_krw_payment_intent_with_pm_card_visa_confirms_to_succeeded(localstripe):
    paid = _pay(localstripe, "pm_card_visa", "01KRWVISA00000000000000000", amount=150000)
    assert (paid["status"], paid["amount"], paid["currency"]) == ("succeeded", 150000, "krw")
    listed = {pi["id"]: pi for pi in localstripe.payment_intents()}
    assert listed[paid["id"]]["status"] == "succeeded"
    assert listed[paid["id"]]["metadata"] == {"bookingId": "01KRWVISA00000000000000000"}
    assert localstripe.payment_intent(paid["id"])["latest_charge"]


def test_the_test_payment_methods_make_run_prints(localstripe):
    with pytest.raises(LocalstripeError) as declined:
        _pay(localstripe, "pm_card_chargeCustomerFail", "01DECLINED0000000000000000")
    assert declined.value.status == 402
    assert declined.value.body["error"]["code"] == "card_declined"
    card = {"number": "4000002500003155", "exp_month": 12, "exp_year": 2030, "cvc": "123"}
    pm = localstripe.request("POST", "/v1/payment_methods", {"type": "card", "card": card})
    assert _pay(localstripe, pm["id"], "01AUTHREQUIRED000000000000")["status"] == "requires_action"


def test_a_card_token_makes_a_payment_method_once(localstripe):
    """The portal's path: Stripe.js createToken in the browser, then payment_methods.create(card={token}) (Stripe
    documents it; localstripe 1.15.10 refuses it unpatched), then the PaymentIntent."""
    token = _card_token(localstripe)
    pm = localstripe.request("POST", "/v1/payment_methods", {"type": "card", "card": {"token": token}})
    assert pm["id"].startswith("pm_")
    assert (pm["card"]["last4"], pm["card"]["exp_month"], pm["card"]["exp_year"]) == ("4242", 12, 2030)
    assert _pay(localstripe, pm["id"], "01CARDTOKEN000000000000000")["status"] == "succeeded"

    with pytest.raises(LocalstripeError) as again:
        localstripe.request("POST", "/v1/payment_methods", {"type": "card", "card": {"token": token}})
    assert again.value.status == 400
    assert "more than once" in again.value.body["error"]["message"]

    with pytest.raises(LocalstripeError) as unknown:
        localstripe.request("POST", "/v1/payment_methods", {"type": "card", "card": {"token": "tok_unknown"}})
    assert unknown.value.status == 400
    assert unknown.value.body["error"]["code"] == "resource_missing"


def test_a_token_keeps_its_cards_behaviour(localstripe):
    """Declines and authentication follow the card number behind the token."""
    declining = localstripe.request(
        "POST", "/v1/payment_methods", {"type": "card", "card": {"token": _card_token(localstripe, "4000000000000341")}}
    )
    with pytest.raises(LocalstripeError) as declined:
        _pay(localstripe, declining["id"], "01TOKENDECLINED00000000000")
    assert declined.value.status == 402
    authenticating = localstripe.request(
        "POST", "/v1/payment_methods", {"type": "card", "card": {"token": _card_token(localstripe, "4000002500003155")}}
    )
    assert _pay(localstripe, authenticating["id"], "01TOKENAUTH000000000000000")["status"] == "requires_action"


def _as_the_browser(ls: Localstripe, method: str, path: str, form: dict | None = None) -> tuple[int, dict, dict]:
    """A request as the portal's page sends it: a form with the publishable key in it, no Authorization header, from
    another origin (the portal's)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    data = urllib.parse.urlencode(form).encode() if form is not None else None
    request = urllib.request.Request(f"{ls.url}{path}", data=data, method=method)
    request.add_header("Origin", "http://127.0.0.1:3000")
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


def test_a_publishable_key_makes_a_payment_method_from_the_browser(localstripe):
    """Stripe.js sends `key=pk_...` in the form of POST /v1/payment_methods; localstripe 1.15.10 refuses a publishable
    key there (401) unpatched. The answer carries the CORS header the page needs to read it."""
    token = _card_token(localstripe)
    form = {"type": "card", "card[token]": token, "key": "pk_test_portal"}
    status, headers, pm = _as_the_browser(localstripe, "POST", "/v1/payment_methods", form)
    assert status == 200, pm
    assert pm["id"].startswith("pm_")
    assert pm["card"]["last4"] == "4242"
    assert headers["Access-Control-Allow-Origin"] == "http://127.0.0.1:3000"
    assert _pay(localstripe, pm["id"], "01PUBLISHABLE0000000000000")["status"] == "succeeded"


@pytest.mark.parametrize(
    ("method", "path", "form"),
    [
        ("POST", "/v1/payment_methods", {"type": "card", "card[token]": "tok_x"}),  # no key at all
        ("POST", "/v1/payment_methods", {"type": "card", "card[token]": "tok_x", "key": "sk_test_x"}),  # not pk_
        ("POST", "/v1/payment_methods", {"type": "card", "card[token]": "tok_x", "key": "pk_"}),  # empty pk_
        ("GET", "/v1/payment_methods?key=pk_test_portal", None),  # a publishable key reads nothing
        ("POST", "/v1/payment_intents", {"amount": 1000, "currency": "krw", "key": "pk_test_portal"}),
    ],
)
def test_a_publishable_key_does_nothing_else(localstripe, method, path, form):
    status, _, body = _as_the_browser(localstripe, method, path, form)
    assert status == 401, body


def test_refunds_are_listed(localstripe):
    paid = _pay(localstripe, "pm_card_visa", "01REFUNDED0000000000000000", amount=90000)
    refund = localstripe.request("POST", "/v1/refunds", {"payment_intent": paid["id"], "amount": 30000})
    assert [r["id"] for r in localstripe.refunds(paid["id"])] == [refund["id"]]
    assert refund["id"] in {r["id"] for r in localstripe.refunds()}


def test_every_payment_intent_is_listed_across_pages(localstripe):
    made = {_pay(localstripe, "pm_card_visa", f"01PAGE{i:020d}")["id"] for i in range(105)}
    listed = [pi["id"] for pi in localstripe.payment_intents()]
    assert len(listed) == len(set(listed))
    assert made <= set(listed)


# ---------------------------------------------------------------------- outages
def test_pause_accepts_but_does_not_answer_until_resumed(localstripe):
    localstripe.pause()
    try:
        with pytest.raises(OSError):  # a read timeout: the provider has gone slow, the outcome is unknown
            localstripe.request("GET", "/v1/payment_intents", {"limit": 1}, timeout=0.5)
    finally:
        localstripe.resume()
    assert localstripe.answers(timeout=5)


def test_restart_serves_on_the_same_port_with_what_it_held(localstripe):
    before = _pay(localstripe, "pm_card_visa", "01BEFOREOUTAGE000000000000")
    port, url, pid = localstripe.port, localstripe.url, localstripe.process.pid

    localstripe.stop()
    with socket.socket() as s, pytest.raises(ConnectionRefusedError):
        s.connect(("127.0.0.1", port))
    assert not localstripe.answers()

    started = time.monotonic()
    localstripe.start()
    assert time.monotonic() - started < 10
    assert (localstripe.port, localstripe.url) == (port, url)
    assert localstripe.process.pid != pid
    assert _listening(localstripe.process.pid) == [("127.0.0.1", port)]
    # A PaymentIntent made before the outage is still there after it, as on Stripe ...
    assert localstripe.payment_intent(before["id"])["status"] == "succeeded"
    # ... and it takes new ones.
    assert _pay(localstripe, "pm_card_visa", "01AFTEROUTAGE0000000000000")["status"] == "succeeded"

    localstripe.restart()
    assert localstripe.url == url
    assert localstripe.payment_intent(before["id"])["metadata"] == {"bookingId": "01BEFOREOUTAGE000000000000"}


def test_stop_leaves_no_process():
    ls = Localstripe().start()
    pid = ls.process.pid
    ls.stop(keep_store=False)
    assert not Path(f"/proc/{pid}").exists()  # stopped and reaped
    assert not ls.store_path.exists()
    assert not ls.answers()


# ---------------------------------------------------------------------- how the deployed functions find it
def test_the_deploy_adds_its_address_to_samconfigs_local_parameters():
    """`sam deploy --parameter-overrides` replaces samconfig.toml's list whole, so the deploy passes that list with
    PaymentApiBase added; SAM CLI's own parser reads the value back to exactly those parameters."""
    import tomllib

    with open(ROOT / "samconfig.toml", "rb") as f:
        configured = tomllib.load(f)["local"]["deploy"]["parameters"]["parameter_overrides"]
    wanted = {**parse_parameter_overrides(configured), "PaymentApiBase": "http://127.0.0.1:4242"}
    assert "HoldMinutes" in wanted  # the local values are still there
    assert deploy_parameters({"PaymentApiBase": "http://127.0.0.1:4242"}) == wanted

    odd = {**wanted, "Spaced": 'a "quoted" value', "Empty": ""}
    read = subprocess.run(
        [str(SAM_VENV / "bin" / "python"), "-c", SAM_PARSE, format_parameter_overrides(odd)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert read.returncode == 0, read.stderr
    assert json.loads(read.stdout) == odd


SAM_PARSE = """
import json, sys
from samcli.cli.types import CfnParameterOverridesType
print(json.dumps(CfnParameterOverridesType().convert((sys.argv[1],), None, None)))
"""
