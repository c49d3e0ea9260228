"""The plugins directory: good and bad files side by side. `herald plugins`
names every refused file with its reason; `herald serve` logs them and keeps
delivering through the good plugin."""

import json
import os
import re
import shutil
import tempfile
import unittest

from harness import Herald, Sink, alert, documents, event, generic_so, provider, run_herald


class PluginsDirTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="herald-it-plugins-")
        os.chmod(cls.dir, 0o755)
        d = cls.dir
        src = generic_so()

        def copy(name, mode=0o755):
            path = os.path.join(d, name)
            shutil.copyfile(src, path)
            os.chmod(path, mode)
            return path

        cls.good = copy("generic.so")
        # loaded after generic.so (names are taken in order): serves the same types
        cls.duplicate = copy("zz-duplicate.so")
        cls.world_writable = copy("world-writable.so", 0o757)
        os.chmod(cls.world_writable, 0o777)
        cls.group_writable = copy("group-writable.so", 0o775)
        cls.bad = os.path.join(d, "bad.so")
        with open(cls.bad, "w") as f:
            f.write("this is a text file, not a shared library\n")
        os.chmod(cls.bad, 0o755)
        cls.truncated = os.path.join(d, "truncated.so")
        with open(src, "rb") as f, open(cls.truncated, "wb") as out:
            out.write(f.read(100))
        os.chmod(cls.truncated, 0o755)
        cls.refused = {
            cls.bad: r"cannot load|not an elf|invalid elf|too short|shared object",
            cls.truncated: r"cannot load|truncat|too short|cannot read|invalid elf",
            cls.world_writable: r"writable",
            cls.group_writable: r"writable",
            cls.duplicate: r'already served|duplicate',
        }

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_plugins_lists_generic_and_names_each_refused_file_with_its_reason(self):
        code, out, err = run_herald(["plugins", "--plugins", self.dir])
        self.assertEqual(code, 1, out + err)
        text = out + err
        self.assertRegex(text, r"generic")
        self.assertIn(self.good, text)
        for path, reason in self.refused.items():
            lines = [l for l in text.splitlines() if path in l and not l.strip().startswith("type")]
            self.assertTrue(lines, f"{path} not named in:\n{text}")
            self.assertRegex(" ".join(lines).lower(), reason, path)
        self.assertRegex(text, re.escape(self.duplicate) + r".*generic")

    def test_plugins_json_lists_loaded_and_refused_files(self):
        code, out, err = run_herald(["plugins", "--plugins", self.dir, "--json"])
        self.assertEqual(code, 1, err)
        doc = json.loads(out)
        loaded = {p["file"]: p for p in doc["plugins"]}
        self.assertEqual(list(loaded), [self.good])
        types = sorted(t["type"] for t in loaded[self.good]["types"])
        self.assertEqual(types, ["generic", "generic-hmac"])
        refused = {r["file"]: r["reason"] for r in doc["refused"]}
        self.assertEqual(set(refused), set(self.refused))
        for path, reason in self.refused.items():
            self.assertRegex(refused[path].lower(), reason, path)
        self.assertIn("generic", refused[self.duplicate])

    def test_allow_insecure_plugins_loads_writable_files(self):
        d = tempfile.mkdtemp(prefix="herald-it-plugins-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        path = os.path.join(d, "generic.so")
        shutil.copyfile(generic_so(), path)
        os.chmod(path, 0o777)
        code, out, err = run_herald(["plugins", "--plugins", d, "--json"])
        self.assertEqual(code, 1)
        self.assertEqual([r["file"] for r in json.loads(out)["refused"]], [path])
        code, out, err = run_herald(["plugins", "--plugins", d, "--json", "--allow-insecure-plugins"])
        self.assertEqual(code, 0, err)
        self.assertEqual([p["file"] for p in json.loads(out)["plugins"]], [path])

    def test_a_clean_directory_exits_0(self):
        d = tempfile.mkdtemp(prefix="herald-it-plugins-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        path = os.path.join(d, "generic.so")
        shutil.copyfile(generic_so(), path)
        os.chmod(path, 0o755)
        code, out, err = run_herald(["plugins", "--plugins", d])
        self.assertEqual(code, 0, out + err)
        self.assertIn("generic-hmac", out)

    def test_the_default_plugins_dir_is_next_to_the_executable(self):
        # other first-party plugins live there too; only generic matters here
        code, out, err = run_herald(["plugins", "--json"], env={"HERALD_PLUGINS": None})
        files = [p["file"] for p in json.loads(out)["plugins"]]
        self.assertTrue(any(os.path.basename(f) == "generic.so" for f in files), files)

    def test_serve_logs_refused_files_and_still_delivers_through_generic(self):
        sink = Sink(default=200)
        self.addCleanup(sink.close)
        h = Herald({"c.yaml": documents(provider("hook", address=sink.url("/through-plugin")),
                                        alert("all", "hook"))},
                   plugins=self.dir)
        self.addCleanup(h.close)
        self.assertEqual(h.post_event(event(message="through the good plugin"))[0], 202)
        self.assertEqual(sink.wait_for(1)[0].target, "/through-plugin")
        h.wait_delivery("done")
        log = h.log()
        for path, reason in self.refused.items():
            lines = [l for l in log.splitlines() if 'msg="plugin refused"' in l and f"file={path}" in l]
            self.assertEqual(len(lines), 1, f"{path}:\n{log}")
            m = re.search(r'reason=("(?:[^"\\]|\\.)*"|\S+)', lines[0])
            self.assertTrue(m, lines[0])
            self.assertRegex(m.group(1).lower(), reason)
        status, _, body = h.get_admin("/metrics")
        self.assertIn(f"herald_plugin_load_failures {len(self.refused)}", body.decode())


if __name__ == "__main__":
    unittest.main()
