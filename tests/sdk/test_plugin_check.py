"""`herald plugin-check`: every first-party plugin passes; misbehaving plugins
fail with one clear line per problem; files that are not plugins fail early."""

import os
import re
import unittest

from sdk_env import copy_plugin, first_party_plugins, plugin_check, temp_dir, test_plugin


def failures(lines):
    return [l for l in lines if l.startswith("FAIL")]


class PluginCheckTest(unittest.TestCase):
    def test_every_first_party_plugin_passes(self):
        plugins = first_party_plugins()
        self.assertTrue(plugins, "HERALD_FIRST_PARTY_PLUGINS is empty")
        for path in plugins:
            with self.subTest(plugin=os.path.basename(path)):
                code, lines, text = plugin_check(path)
                self.assertEqual(code, 0, text)
                self.assertEqual(failures(lines), [], text)
                self.assertIn("PASS  exports: exactly one exported symbol, herald_plugin_entry_v1", lines)
                self.assertTrue(any(re.match(r"PASS  deterministic\[", l) for l in lines), text)
                self.assertRegex(lines[-1], r"^plugin-check: \d+ passed, 0 failed")

    def test_a_misbehaving_plugin_fails_with_one_line_per_problem(self):
        code, lines, text = plugin_check(test_plugin("misbehaving.so"))
        self.assertEqual(code, 1, text)
        expected = {
            "validate[check-accepts-empty]": r"accepted an empty config",
            "deterministic[check-nondeterministic]": r"not deterministic: info event: request 1 differs",
            "step[check-too-many-requests]": r"more than 16 requests in one step",
            "limits[check-too-many-requests]": r"host limit broken: more than 16 requests",
            "step[check-throws]": r"plugin bug \(internal\).*boom",
            "malformed-responses[check-crashy]": r"crashed the host: signal 11",
        }
        failed = {l.split(": ", 1)[0][len("FAIL  "):]: l.split(": ", 1)[1] for l in failures(lines)}
        self.assertEqual(set(failed), set(expected), text)
        for check, pattern in expected.items():
            self.assertRegex(failed[check], pattern, check)
        # the checks after a crash still ran: the crash was contained in a child process
        self.assertIn("PASS  deterministic[check-crashy]: two runs on the same input sent the same 2 "
                      "request(s) byte for byte", lines)
        self.assertRegex(lines[-1], r"^plugin-check: \d+ passed, 6 failed")

    def test_the_faulty_test_plugin_of_the_loader_tests_fails(self):
        faulty = os.environ.get("HERALD_FAULTY_PLUGIN")
        if not faulty or not os.path.isfile(faulty):
            self.skipTest("tests/unit/plugin_host's faulty.so is not part of this build")
        code, lines, text = plugin_check(faulty)
        self.assertEqual(code, 1, text)
        self.assertTrue(any(l.startswith("FAIL  step[test-throw]: a sample exchange ended as a plugin bug "
                                         "(internal): info event: plugin error: boom") for l in lines), text)
        self.assertTrue(any(l.startswith("FAIL  step[test-verdict-77]:") and "unknown verdict 77" in l
                            for l in lines), text)

    def test_files_that_are_not_plugins_fail_at_exports_and_load(self):
        d = temp_dir(self, "herald-sdk-check-")
        text_file = os.path.join(d, "notes.so")
        with open(text_file, "w") as f:
            f.write("not a shared library\n")
        code, lines, text = plugin_check(text_file)
        self.assertEqual(code, 1, text)
        self.assertIn("FAIL  exports: not an ELF file", lines)
        self.assertTrue(any(l.startswith("FAIL  load: cannot load: ") for l in lines), text)

        code, lines, text = plugin_check(test_plugin("no_entry.so"))
        self.assertEqual(code, 1, text)
        self.assertTrue(any(l.startswith("FAIL  exports: does not export herald_plugin_entry_v1: ")
                            and "not_a_herald_plugin" in l for l in lines), text)
        self.assertTrue(any(l.startswith("FAIL  load: no herald_plugin_entry_v1 symbol") for l in lines), text)

        code, lines, text = plugin_check(test_plugin("needs_minor_1.so"))
        self.assertEqual(code, 1, text)
        self.assertIn("FAIL  load: entry returned NULL (plugin needs a newer herald?)", lines)

    def test_a_writable_file_is_a_warning_not_a_failure(self):
        plugins = first_party_plugins()
        generic = [p for p in plugins if os.path.basename(p) == "generic.so"]
        if not generic:
            self.skipTest("generic.so not built")
        d = temp_dir(self, "herald-sdk-check-")
        path = copy_plugin(generic[0], d, mode=0o777)
        os.chmod(path, 0o777)
        code, lines, text = plugin_check(path)
        self.assertEqual(code, 0, text)
        self.assertTrue(any(l.startswith("WARN  permissions: writable by group or others") for l in lines), text)

    def test_usage_errors_exit_2(self):
        from harness import run_herald
        code, out, err = run_herald(["plugin-check"])
        self.assertEqual(code, 2)
        self.assertIn("exactly one plugin file expected", err)
        code, out, err = run_herald(["plugin-check", "--help"])
        self.assertEqual(code, 0)
        self.assertIn("herald plugin-check FILE.so", out)


if __name__ == "__main__":
    unittest.main()
