"""`boxoffice`: the local stack from the command line.

boxoffice run                         start everything, serve the API, stay in the foreground
boxoffice token --sub alice [--group organizers]
boxoffice invoke <FunctionLogicalId> -e events/<file>.json
boxoffice redrive <DLQLogicalId>      move parked messages back to their queue
boxoffice put-events <file>           put an events file's entries on the local bus
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from datetime import UTC, datetime, timedelta

from boxoffice_dev.local_stack import Attached, LocalStack, PortTaken
from boxoffice_dev.operations import invoke, redrive, source_queue_of


def _demo_performance(stack: LocalStack, organizer_token: str) -> str:
    """Register a demo performance through the API and wait until the chain has opened it for booking."""
    import requests

    starts = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT19:30:00+09:00")
    response = requests.post(
        f"{stack.url}/performances",
        json={
            "title": "베토벤 교향곡 9번 (demo)",
            "venue": "Concert Hall",
            "startsAt": starts,
            "grades": [
                {"grade": "R", "price": 150000, "seats": 100},
                {"grade": "S", "price": 90000, "seats": 150},
                {"grade": "A", "price": 50000, "seats": 250},
            ],
            "maxPerCustomer": 4,
        },
        headers={"Authorization": f"Bearer {organizer_token}"},
        timeout=30,
    )
    response.raise_for_status()
    performance_id = response.json()["performanceId"]
    table = stack.resources["BookingsTable"]
    dynamodb = stack.client("dynamodb")
    stack.wait_for(
        lambda: (
            "Item"
            in dynamodb.get_item(TableName=table, Key={"pk": {"S": f"PERF#{performance_id}"}, "sk": {"S": "INVENTORY"}})
        ),
        timeout=60,
        what="the demo performance opening for booking",
    )
    return performance_id


def cmd_run(args) -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "3000"))
    stack = LocalStack(host=host, port=port)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.up()
        organizer = stack.token("organizer", ["organizers"])
        customer = stack.token("customer")
        performance_id = _demo_performance(stack, organizer)
        url = stack.url
        print(
            f"""
Boxoffice is running at {url}   (Ctrl-C stops everything)

Tokens (also: .venv/bin/boxoffice token --sub <name> [--group organizers]):
export ORGANIZER_TOKEN={organizer}
export CUSTOMER_TOKEN={customer}

Try it (a demo performance {performance_id} is registered: grades R, S and A, 4 tickets per customer):
curl -s {url}/performances/{performance_id}
curl -s -X POST {url}/bookings -H "Authorization: Bearer $CUSTOMER_TOKEN" -H 'Content-Type: application/json' \\
  -d '{{"performanceId": "{performance_id}", "grade": "S", "quantity": 2}}'
curl -s {url}/bookings -H "Authorization: Bearer $CUSTOMER_TOKEN"
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
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
