"""Reads JSON on stdin and prints every number in it as "dotted.key value", one per line.
With --strings, strings too (as they are; null as "null")."""
import json
import sys


def walk(prefix, node):
    if isinstance(node, dict):
        for key, value in node.items():
            walk(f"{prefix}.{key}" if prefix else str(key), value)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            walk(f"{prefix}.{i}" if prefix else str(i), value)
    elif isinstance(node, bool):
        print(prefix, int(node))
    elif isinstance(node, (int, float)):
        print(prefix, node)
    elif STRINGS and isinstance(node, str):
        print(prefix, node)
    elif STRINGS and node is None:
        print(prefix, "null")


STRINGS = "--strings" in sys.argv[1:]


walk("", json.load(sys.stdin))
