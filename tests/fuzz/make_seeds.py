#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target from the golden cases and examples.

usage: make_seeds.py <source dir> <out dir>   (creates <out>/<target>/...)
"""
import json
import pathlib
import sys


def write(out, target, name, data):
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def plugin_record(r):
    """One canned response in fuzz_plugin_step's record format."""
    body = r.get("body", "")
    if not isinstance(body, str):
        body = json.dumps(body)
    head = str(r.get("status", 200)) + "\n"
    for k, v in (r.get("headers") or {}).items():
        head += f"{k}: {v}\n"
    return (head + "\n" + body).encode()


def main():
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    plugins = src / "plugins"
    events, revisions, addresses = [], set(), set()
    for e in sorted(src.glob("examples/*.json")) + sorted(plugins.glob("*/testdata/*/event.json")):
        events.append(e.read_bytes())
        try:
            md = json.loads(e.read_bytes()).get("metadata") or {}
            revisions.update(v for k, v in md.items() if "revision" in k.lower() or k.endswith("commit"))
        except (ValueError, AttributeError):
            pass
    for i, data in enumerate(events):
        write(out, "fuzz_event_codec", f"event-{i:03d}.json", data)

    yamls = sorted(src.glob("examples/config/*.yaml")) + sorted(src.glob("deploy/**/*.yaml"))
    for i, y in enumerate(yamls):
        write(out, "fuzz_config_load", f"manifest-{i:03d}.yaml", y.read_bytes())
    write(out, "fuzz_config_load", "all-examples.yaml",
          b"\n---\n".join(y.read_bytes() for y in sorted(src.glob("examples/config/*.yaml"))))
    write(out, "fuzz_config_load", "secret.yaml",
          b"apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: default}\n"
          b"data: {token: Z2hwX3g=}\nstringData:\n  headers: |\n    X-A: b\n")

    secrets = [(0, 0, b"Z2hwX3Rva2Vu"), (1, 1, b"X-Api-Key: abc\nX-Other: def\n"), (1, 0, b"WC1BOiBiCg=="),
               (2, 1, b"https://hooks.example.com/T000/B000?token=x"), (3, 1, b"http://user:pw@proxy:3128"),
               (6, 1, b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), (0, 0, b"not base64!")]
    for i, (key, mode, value) in enumerate(secrets):
        write(out, "fuzz_secret_data", f"secret-{i:03d}", bytes([key, mode]) + value)

    for p in sorted(plugins.glob("*/testdata/*/provider.json")):
        try:
            addr = json.loads(p.read_bytes()).get("address")
        except ValueError:
            continue
        if addr:
            addresses.add(addr)
    for i, text in enumerate(sorted(revisions | addresses | {"main@sha1:" + "a" * 40, "main/" + "b" * 40,
                                                             "git@github.com:org/repo.git", "ReconciliationSucceeded"})):
        write(out, "fuzz_revision", f"text-{i:03d}", text)

    for i, text in enumerate(["120", "0", "Wed, 21 Oct 2015 07:28:00 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                              "Sun Nov  6 08:49:37 1994", "https://u:p@h/x?a=b&c=d"]):
        write(out, "fuzz_retry_after", f"value-{i:03d}", text)

    for plugin_dir in sorted(plugins.iterdir()):
        cases = sorted(c for c in (plugin_dir / "testdata").glob("*") if c.is_dir())
        for i, case in enumerate(cases):
            records = []
            responses = case / "responses.json"
            if responses.exists():
                for step in json.loads(responses.read_bytes()):
                    records += [plugin_record(r) for r in step]
            write(out, f"fuzz_plugin_{plugin_dir.name}", case.name, bytes([i % 256]) + b"\x1e".join(records))


if __name__ == "__main__":
    main()
