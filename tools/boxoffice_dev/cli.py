"""`boxoffice`: the local stack from the command line.

boxoffice run                         start everything, serve the API, stay in the foreground
boxoffice token --sub alice [--group organizers]
boxoffice invoke <FunctionLogicalId> -e events/<file>.json
boxoffice redrive <DLQLogicalId>      move parked messages back to their queue
boxoffice put-events <file>           put an events file's entries on the local bus
boxoffice breaker                     the payment circuit breaker's state
boxoffice payments                    the PaymentIntents the local payment provider (localstripe) holds
boxoffice deploy-portal --stack NAME  upload the portal's build to a deployed stack's bucket (make deploy-portal)
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time

from boxoffice_dev import demo
from boxoffice_dev.local_stack import Attached, LocalStack, PortTaken
from boxoffice_dev.operations import BREAKER_KEY, describe_breaker, invoke, redrive, source_queue_of
from boxoffice_dev.payments import SECRET_KEY


def cmd_run(args) -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "3000"))
    stack = LocalStack(host=host, port=port)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.up()
        organizer = stack.token("organizer", ["organizers"])
        customer = stack.token("customer")
        # Users of the portal: they sign in with these passwords (the tokens above are for curl).
        demo_customer = demo.user(stack.endpoint, stack.outputs, "customer@boxoffice.test")
        demo_organizer = demo.user(stack.endpoint, stack.outputs, "organizer@boxoffice.test", [demo.ORGANIZERS])
        performance_id = demo.concert(stack, demo_organizer.token)
        match_id = demo.match(stack, demo_organizer.token)
        url, pay = stack.url, stack.payments.url
        print(
            f"""
Boxoffice is running at {url}   (Ctrl-C stops everything)

The portal: open {url}/ in a browser.
  customer   {demo_customer.username}   password {demo_customer.password}
  organizer  {demo_organizer.username}  password {demo_organizer.password}
  (or sign up: locally any confirmation code is accepted, as no email is sent)
  Cards: 4242424242424242 pays, 4000000000000341 is declined, 4000002500003155 asks for 3-D Secure (refused);
  any future expiry (MM, YY), any CVC.

Tokens for the API (also: .venv/bin/boxoffice token --sub <name> [--group organizers]):
export ORGANIZER_TOKEN={organizer}
export CUSTOMER_TOKEN={customer}

Try it (a demo concert {performance_id} is registered: grades R, S and A, 4 tickets per customer):
curl -s {url}/performances/{performance_id}
curl -s -X POST {url}/bookings -H "Authorization: Bearer $CUSTOMER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{{"performanceId": "{performance_id}", "grade": "S", "quantity": 2, "paymentMethod": "pm_card_visa"}}'
curl -s {url}/bookings -H "Authorization: Bearer $CUSTOMER_TOKEN"

A demo match {match_id} too (두산 베어스 vs LG 트윈스, grades TABLE and OUTFIELD): a ticket picks a team and may
stake KRW on it (charged with the tickets); the tally follows every sale:
curl -s -X POST {url}/bookings -H "Authorization: Bearer $CUSTOMER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{{"performanceId": "{match_id}", "grade": "OUTFIELD", "quantity": 2,
       "team": "LG 트윈스", "stake": 10000, "paymentMethod": "pm_card_visa"}}'
curl -s {url}/performances/{match_id}/tally
curl -s -G {url}/performances/{match_id}/bookings --data-urlencode "team=LG 트윈스" \\
  -H "Authorization: Bearer $ORGANIZER_TOKEN"

Payments go to localstripe at {pay} (the stack's PaymentApiBase; its key is in PaymentSecret).
paymentMethod "pm_card_visa" pays, "pm_card_chargeCustomerFail" is declined. A card that needs authentication
(3-D Secure): make a PaymentMethod from its number and book with the pm_... id it answers:
curl -s -u {SECRET_KEY}: {pay}/v1/payment_methods -d type=card -d 'card[number]=4000002500003155' \\
  -d 'card[exp_month]=12' -d 'card[exp_year]=2030' -d 'card[cvc]=123'
.venv/bin/boxoffice payments   # the PaymentIntents localstripe holds
.venv/bin/boxoffice breaker    # the payment circuit breaker's state
""",
            flush=True,
        )
        stopping.wait()
    except PortTaken as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping the local stack ...", flush=True)
        stack.down()
    return 0


def cmd_token(args) -> int:
    print(Attached().token(args.sub, args.group or []))
    return 0


def cmd_invoke(args) -> int:
    stack = Attached()
    if args.function not in stack.resources:
        functions = sorted(k for k in stack.resources if k.endswith("Function"))
        print(f"no function {args.function} in the stack; functions: {', '.join(functions)}", file=sys.stderr)
        return 2
    with open(args.event) as f:
        event = json.load(f)
    payload, error = invoke(stack.client("lambda"), stack.resources[args.function], event)
    print(json.dumps(payload, indent=2, ensure_ascii=False) if not isinstance(payload, str) else payload)
    if error:
        print(f"function error: {error}", file=sys.stderr)
        return 1
    return 0


def cmd_redrive(args) -> int:
    stack = Attached()
    sqs = stack.client("sqs")
    # Queue URLs only (the queues' event source mappings are named ...Queue too, with UUIDs for ids).
    queues = [url for url in stack.resources.values() if url.startswith("http")]
    dlq = stack.resources[args.dlq]
    moved = redrive(sqs, dlq, source_queue_of(sqs, dlq, queues))
    print(f"moved {moved} messages from {args.dlq} back to its queue")
    return 0


def cmd_put_events(args) -> int:
    """Put the entries of an events file on the local stack's bus (the file names AWS's bus; the local one is used)."""
    stack = Attached()
    with open(args.entries) as f:
        entries = json.load(f)
    bus = stack.resources["EventBus"].rsplit("/", 1)[-1]
    result = stack.client("events").put_events(Entries=[{**e, "EventBusName": bus} for e in entries])
    print(json.dumps({"FailedEntryCount": result["FailedEntryCount"], "Entries": result["Entries"]}, indent=2))
    return 1 if result["FailedEntryCount"] else 0


def cmd_breaker(args) -> int:
    """The payment circuit breaker's state, as every function instance sees it (its item in BookingsTable)."""
    from boto3.dynamodb.types import TypeDeserializer

    stack = Attached()
    raw = (
        stack.client("dynamodb")
        .get_item(TableName=stack.resources["BookingsTable"], Key=BREAKER_KEY, ConsistentRead=True)
        .get("Item")
    )
    plain = TypeDeserializer().deserialize
    item = {k: plain(v) for k, v in raw.items()} if raw else None
    print(describe_breaker(item, int(time.time() * 1000)))
    return 0


def cmd_payments(args) -> int:
    """Every PaymentIntent localstripe holds, oldest first, with what has been refunded of each."""
    stack = Attached()
    if stack.payments is None:
        print("this stack's state file names no payment provider; restart it with `make run`", file=sys.stderr)
        return 2
    intents = stack.payments.payment_intents()
    refunded: dict[str, int] = {}
    for refund in stack.payments.refunds():
        if refund.get("payment_intent") and refund.get("status") in ("succeeded", "pending"):
            refunded[refund["payment_intent"]] = refunded.get(refund["payment_intent"], 0) + int(refund["amount"])
    if not intents:
        print(f"no PaymentIntents yet at {stack.payments.url}")
        return 0
    row = "{:<22} {:>10} {:<8} {:<24} {:>10}  {}"
    print(row.format("id", "amount", "currency", "status", "refunded", "bookingId"))
    for pi in intents:
        booking = (pi.get("metadata") or {}).get("bookingId", "-")
        back = refunded.get(pi["id"], 0)
        print(row.format(pi["id"], pi["amount"], pi["currency"], pi["status"], back or "-", booking))
    print(f"{len(intents)} PaymentIntents at {stack.payments.url}")
    return 0


def cmd_deploy_portal(args) -> int:
    from boxoffice_dev.portal_deploy import deploy

    result = deploy(args.stack, args.region, args.publishable_key)
    print(f"uploaded {len(result['files'])} files to s3://{result['bucket']} (invalidation {result['invalidation']})")
    print(f"the portal: {result['url']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="boxoffice", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the local stack and serve the API").set_defaults(func=cmd_run)
    token = sub.add_parser("token", help="print an ID token of the local user pool")
    token.add_argument("--sub", required=True, help="the user's name (Cognito assigns the sub claim)")
    token.add_argument("--group", action="append", help="a group to be in, e.g. organizers (repeatable)")
    token.set_defaults(func=cmd_token)
    inv = sub.add_parser("invoke", help="invoke a deployed function with an event file")
    inv.add_argument("function", help="the function's logical id in template.yaml")
    inv.add_argument("-e", "--event", required=True, help="the event file, e.g. events/book_ticket.json")
    inv.set_defaults(func=cmd_invoke)
    red = sub.add_parser("redrive", help="move a DLQ's messages back to its queue")
    red.add_argument("dlq", help="the DLQ's logical id, e.g. HeadcountDLQ")
    red.set_defaults(func=cmd_redrive)
    put = sub.add_parser("put-events", help="put an events file's entries on the local bus")
    put.add_argument("entries", help="e.g. events/organizer_cancel_request.json")
    put.set_defaults(func=cmd_put_events)
    sub.add_parser("breaker", help="the payment circuit breaker's state").set_defaults(func=cmd_breaker)
    sub.add_parser("payments", help="the PaymentIntents localstripe holds").set_defaults(func=cmd_payments)
    portal = sub.add_parser("deploy-portal", help="upload the portal's build to a deployed stack (AWS credentials)")
    portal.add_argument("--stack", required=True, help="the stack's name, e.g. boxoffice-dev")
    portal.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    portal.add_argument("--publishable-key", help="Stripe's publishable key (default: $STRIPE_PUBLISHABLE_KEY)")
    portal.set_defaults(func=cmd_deploy_portal)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
