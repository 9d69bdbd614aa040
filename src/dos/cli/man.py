"""``dos man [SECTION] [ID]``: the manual built from this workspace's reasons and lanes.

    dos man                          # the sections
    dos man wedge                    # every refusal reason and its category
    dos man wedge LANE_DRAINED       # one reason: what it means, how to clear it (also: dos man LANE_DRAINED)
    dos man lane api --json          # one lane: kind and tree

Exit 0 when the page exists, 1 when it does not (the reason is not registered, the lane not declared).
"""

from __future__ import annotations

import argparse
import sys

from dos.cli._output import print_json
from dos.exitcodes import exit_code


def configure_man(p: argparse.ArgumentParser) -> None:
    p.add_argument("words", nargs="*", metavar="SECTION [ID]",
                   help="wedge (the reasons; alias: reasons) or lane, then a token or lane name; or a bare token")
    p.add_argument("--explain", action="store_true", help="add a one-line next-action gloss to a reason page")
    p.add_argument("--json", action="store_true", help="print the page as JSON")
    p.add_argument("--output", choices=("text", "json", "plain"), default=None, help="renderer (json = --json)")


def run_man(args: argparse.Namespace, ctx) -> int:
    from dos.service.man import page, unknown_message

    found = page(ctx.service, args.words)
    if found is None:
        sys.stderr.write(unknown_message(args.words) + "\n")
        return exit_code("man", "unknown")
    if args.json or args.output == "json":
        print_json(found.to_dict(args.explain))
    else:
        sys.stdout.write(found.text(args.explain))
    return exit_code("man", "known")
