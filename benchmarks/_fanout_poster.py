"""A poster process for benchmarks/fanout.py's "saturation, services" phase.

It commits room comments through the services, as the comment view does after its HTTP work:
`comment_post` writes the comment and its ActivityEvent, and after the commit the one event
path publishes it to the hub (one Redis PUBLISH). So the phase measures the live path, from the
commit to the sockets, without the cost of an HTTP request on the servers' two cores. Stock
`group_send`'s poster is measured the same way: a call in the benchmark, no HTTP.

fanout.py writes one message number per line on stdin; for each, this process prints the new
comment's id and when `comment_post` returned, on the same monotonic clock as fanout.py
(time.perf_counter is CLOCK_MONOTONIC on Linux, the same in every process). It prints "ready"
once Django is set up. The database and Redis settings come from the environment fanout.py
gives the servers.

    .venv/bin/python benchmarks/_fanout_poster.py <workspace slug> <user e-mail> <room id>
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    slug, email, room_id = sys.argv[1], sys.argv[2], int(sys.argv[3])
    import django

    django.setup()
    from dealroom.rooms.services import comment_post
    from dealroom.workspaces.models import User
    from dealroom.workspaces.selectors import member_for_user

    actor = member_for_user(User.objects.get(email=email), slug)
    if actor is None:
        raise SystemExit(f"{email} is not an active member of {slug}")
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        seq = int(line)
        body = f"fanout-{seq}-post 扇出 live fan-out check"
        comment = comment_post(actor=actor, room_id=room_id, body=body)
        out.write(f"{comment.pk} {time.perf_counter()!r}\n")
        out.flush()


if __name__ == "__main__":
    main()
