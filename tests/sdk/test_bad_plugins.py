"""The bad-plugin-file list: each file is refused by name with its own reason
(`herald plugins`, and the daemon's log at startup) while herald serves and
delivers through the good plugin beside them."""

import json
import os
import re
import unittest

from sdk_env import copy_plugin, temp_dir, test_plugin  # first: puts the harness on sys.path
from harness import Herald, Sink, alert, documents, event, generic_so, provider, run_herald  # noqa: E402


def write_prefix(src, path, size):
    with open(src, "rb") as f, open(path, "wb") as out:
        out.write(f.read(size))
    os.chmod(path, 0o755)


class BadPluginFilesTest(unittest.TestCase):
    def setUp(self):
        d = self.dir = temp_dir(self, "herald-sdk-bad-")
        copy_plugin(generic_so(), d, "generic.so")
        not_elf = os.path.join(d, "not_elf.so")
        with open(not_elf, "w") as f:
            f.write("#!/bin/sh\n" + "# this is a script, not a shared library\n" * 20)
        os.chmod(not_elf, 0o755)
        # cut inside the ELF headers (a cut further in: see the last test)
        write_prefix(generic_so(), os.path.join(d, "truncated.so"), 100)
        copy_plugin(test_plugin("no_entry.so"), d)
        copy_plugin(test_plugin("wrong_major.so"), d)
        copy_plugin(test_plugin("needs_minor_1.so"), d, "null_entry.so")
        # sorted after generic.so, so it is the one refused for serving `generic`
        copy_plugin(test_plugin("duplicate.so"), d, "zz_duplicate.so")
        copy_plugin(test_plugin("init_fails.so"), d)
        writable = copy_plugin(test_plugin("writable.so"), d)
        os.chmod(writable, 0o777)
        self.expected = {
            "not_elf.so": r"^cannot load: .*not_elf\.so: invalid ELF header",
            "truncated.so": r"^cannot load: truncated ELF file: .*the file has 100 bytes",
            "no_entry.so": r"^no herald_plugin_entry_v1 symbol; not a herald plugin",
            "wrong_major.so": r"^built for ABI major 2, this herald speaks 1$",
            "null_entry.so": r"^entry returned NULL \(plugin needs a newer herald\?\)$",
            "zz_duplicate.so": r'^type "generic" already served by .*generic\.so \(io\.herald\.provider\.generic\)$',
            "init_fails.so": r"^init failed with status 100$",
            "writable.so": r"^writable by others; refusing \(use --allow-insecure-plugins\)$",
        }

    def refused(self, extra=()):
        code, out, err = run_herald(["plugins", "--plugins", self.dir, "--json", *extra])
        self.assertEqual(code, 1, err)
        doc = json.loads(out)
        loaded = [os.path.basename(p["file"]) for p in doc["plugins"]]
        return loaded, {os.path.basename(r["file"]): r["reason"] for r in doc["refused"]}

    def test_plugins_names_each_bad_file_with_its_reason(self):
        loaded, refused = self.refused()
        self.assertEqual(loaded, ["generic.so"])
        self.assertEqual(set(refused), set(self.expected))
        for name, pattern in self.expected.items():
            self.assertRegex(refused[name], pattern, name)

    def test_allow_insecure_plugins_loads_only_the_writable_file_in_addition(self):
        loaded, refused = self.refused(["--allow-insecure-plugins"])
        self.assertEqual(loaded, ["generic.so", "writable.so"])
        self.assertEqual(set(refused), set(self.expected) - {"writable.so"})

    def test_serve_logs_every_refusal_and_delivers_through_the_good_plugin(self):
        sink = Sink(default=200)
        self.addCleanup(sink.close)
        h = Herald({"c.yaml": documents(provider("hook", address=sink.url("/good")), alert("all", "hook"))},
                   plugins=self.dir)
        self.addCleanup(h.close)
        self.assertEqual(h.post_event(event(message="served despite bad plugins"))[0], 202)
        self.assertEqual(sink.wait_for(1)[0].target, "/good")
        h.wait_delivery("done")
        log = h.log()
        for name, pattern in self.expected.items():
            lines = [l for l in log.splitlines()
                     if 'msg="plugin refused"' in l and f"file={os.path.join(self.dir, name)}" in l]
            self.assertEqual(len(lines), 1, f"{name}:\n{log}")
            m = re.search(r'reason=("(?:[^"\\]|\\.)*"|\S+)', lines[0])
            self.assertTrue(m, lines[0])
            reason = m.group(1)
            if reason.startswith('"'):
                reason = json.loads(reason)
            self.assertRegex(reason, pattern, name)

    def test_a_truncated_elf_with_intact_headers_is_refused_not_a_crash(self):
        # A copy cut after its headers: dlopen maps segments past the end of the
        # file and the first touch is a SIGBUS, unless the loader checks the
        # segment table against the file size first.
        d = temp_dir(self, "herald-sdk-bad-")
        copy_plugin(generic_so(), d, "generic.so")
        write_prefix(generic_so(), os.path.join(d, "cut.so"), 4096)
        code, out, err = run_herald(["plugins", "--plugins", d, "--json"])
        self.assertEqual(code, 1, f"exit {code} (negative = killed by that signal)\n{err}")
        refused = {os.path.basename(r["file"]): r["reason"] for r in json.loads(out)["refused"]}
        self.assertEqual(list(refused), ["cut.so"])
        self.assertRegex(refused["cut.so"], r"trunc|cannot load")


if __name__ == "__main__":
    unittest.main()
