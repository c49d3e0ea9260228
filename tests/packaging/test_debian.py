"""The Debian packages (packaging/debian.cmake), end to end: cpack on this
build tree into a temp dir, the package set and its control fields, the file
lists, then every package extracted into one temporary root where the
packaged herald lists all first-party plugins from <root>/usr/lib/herald/plugins
without flags, delivers an event through a generic Provider to a local sink,
and the herald-sdk package builds sdk/examples/minimal-c out of tree.

Nothing is installed on the machine: `dpkg-deb -x` only unpacks (maintainer
scripts do not run). Skipped when dpkg-deb is missing."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

from harness import Herald, Sink, alert, documents, event, provider, required_env  # noqa: E402
from harness import run_checked as run  # noqa: E402


def env(name):
    return required_env(name, "packaging/")


def depends(field):
    """'a (>= 1), b | c' -> ['a (>= 1)', 'b | c']"""
    return [d.strip() for d in field.split(",") if d.strip()]


# Every packaged path lies under one of these (dpkg-deb -c prints ./usr/...).
ALLOWED_ROOTS = ("./usr/", "./etc/herald/", "./lib/systemd/")
# The parent dirs dpkg lists on the way to those.
ALLOWED_PARENTS = {"./", "./etc/", "./lib/"}


class PackagedHerald(Herald):
    """herald serve from the unpacked root without --plugins: the default
    plugins dir (<exe dir>/../lib/herald/plugins) must find the packaged plugins."""

    def command(self):
        cmd = super().command()
        i = cmd.index("--plugins")
        return cmd[:i] + cmd[i + 2:]


@unittest.skipIf(shutil.which("dpkg-deb") is None, "dpkg-deb not found (package dpkg)")
class DebianPackagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="herald-deb-")
        os.chmod(cls.work, 0o755)
        cls.build_dir = os.path.realpath(env("HERALD_BUILD_DIR"))
        cls.source_dir = os.path.realpath(env("HERALD_SOURCE_DIR"))
        cls.version = env("HERALD_VERSION")
        cls.abi_major = env("HERALD_ABI_MAJOR")
        cls.plugins = env("HERALD_PACKAGED_PLUGINS").split(",")
        out_dir = os.path.join(cls.work, "out")
        run([env("CPACK_COMMAND"), "--config", os.path.join(cls.build_dir, "CPackConfig.cmake"), "-B", out_dir])
        cls.debs = {}
        for f in sorted(os.listdir(out_dir)):
            if f.endswith(".deb"):
                path = os.path.join(out_dir, f)
                cls.debs[run(["dpkg-deb", "-f", path, "Package"]).strip()] = path
        cls.root = os.path.join(cls.work, "root")
        for path in cls.debs.values():
            run(["dpkg-deb", "-x", path, cls.root])

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("HERALD_IT_KEEP"):
            shutil.rmtree(cls.work, ignore_errors=True)

    def field(self, package, name):
        return run(["dpkg-deb", "-f", self.debs[package], name]).strip()

    def contents(self, package):
        """[(mode string, owner, path)] of dpkg-deb -c."""
        rows = []
        for line in run(["dpkg-deb", "-c", self.debs[package]]).splitlines():
            parts = line.split(None, 5)
            path = parts[5].split(" -> ")[0]
            rows.append((parts[0], parts[1], path))
        return rows

    # ---- the packages and their control fields ---------------------------------
    def test_one_package_for_the_daemon_the_sdk_and_each_first_party_plugin(self):
        expected = {"herald", "herald-sdk"} | {f"herald-plugin-{p}" for p in self.plugins}
        self.assertEqual(set(self.debs), expected)
        for package in self.debs:
            with self.subTest(package=package):
                self.assertEqual(self.field(package, "Version"), f"{self.version}-1")
                self.assertRegex(self.field(package, "Maintainer"), r"^[^<>]+ <[^<>@]+@[^<>@]+>$")
                self.assertTrue(self.field(package, "Section"))
                self.assertEqual(self.field(package, "Homepage"), "")
        # each package has a synopsis of its own (not CPack's default for all)
        synopses = [self.field(package, "Description").splitlines()[0] for package in self.debs]
        self.assertEqual(len(set(synopses)), len(synopses), synopses)
        self.assertNotIn("built using CMake", " ".join(synopses))

    def test_plugins_depend_on_herald_of_at_least_this_version_and_its_abi(self):
        for p in self.plugins:
            with self.subTest(plugin=p):
                deps = depends(self.field(f"herald-plugin-{p}", "Depends"))
                self.assertIn(f"herald (>= {self.version})", deps)
                self.assertIn(f"herald-abi-{self.abi_major}", deps)
                self.assertEqual(self.field(f"herald-plugin-{p}", "Architecture"),
                                 self.field("herald", "Architecture"))
        self.assertEqual(depends(self.field("herald", "Provides")), [f"herald-abi-{self.abi_major}"])

    def test_herald_depends_on_its_shared_libraries(self):
        names = [re.split(r"[\s(]", d)[0] for d in depends(self.field("herald", "Depends"))]
        for lib in ("libc6", "libstdc++6", "libssl3", "libyaml-cpp0.7", "libsqlite3-0", "adduser"):
            self.assertIn(lib, names)
        self.assertTrue(any(n.startswith("libpoconet") for n in names), names)
        self.assertTrue(any(n.startswith("libpocofoundation") for n in names), names)
        recommends = depends(self.field("herald", "Recommends"))
        self.assertEqual(set(recommends), {f"herald-plugin-{p}" for p in self.plugins})

    def test_the_sdk_is_architecture_independent_and_needs_no_runtime(self):
        self.assertEqual(self.field("herald-sdk", "Architecture"), "all")
        self.assertEqual(self.field("herald-sdk", "Depends"), "")
        self.assertIn("herald", depends(self.field("herald-sdk", "Recommends")))

    def test_the_maintainer_scripts_are_executable_shell(self):
        control = os.path.join(self.work, "control")
        run(["dpkg-deb", "-e", self.debs["herald"], control])
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(control, script)
            self.assertTrue(os.stat(path).st_mode & stat.S_IXUSR, script)
            run(["sh", "-n", path])
        self.assertFalse(os.path.exists(os.path.join(control, "conffiles")))  # no config files shipped

    # ---- the files -------------------------------------------------------------
    def test_files_lie_under_usr_etc_herald_or_lib_systemd_and_belong_to_root(self):
        for package in self.debs:
            for mode, owner, path in self.contents(package):
                with self.subTest(package=package, path=path):
                    self.assertEqual(owner, "root/root")
                    if path not in ALLOWED_PARENTS:
                        self.assertTrue(path.startswith(ALLOWED_ROOTS), path)
                    self.assertNotRegex(path, r"(CMakeFiles|\.o$|\.a$|_CPack_Packages|/build)")

    def test_each_package_holds_its_own_files(self):
        files = {pkg: {path for mode, _, path in self.contents(pkg) if not mode.startswith("d")}
                 for pkg in self.debs}
        self.assertIn("./usr/bin/herald", files["herald"])
        self.assertIn("./usr/lib/systemd/system/herald.service", files["herald"])
        for p in self.plugins:
            self.assertEqual(files[f"herald-plugin-{p}"], {f"./usr/lib/herald/plugins/{p}.so"})
        for rel in ("include/herald/plugin.h", "include/herald/sdk.hpp", "include/herald/testkit.hpp",
                    "lib/cmake/HeraldSDK/HeraldSDKConfig.cmake", "lib/cmake/HeraldSDK/HeraldSDKTargets.cmake",
                    "lib/cmake/HeraldSDK/HeraldPlugin.cmake", "lib/cmake/HeraldSDK/herald_plugin.map"):
            self.assertIn(f"./usr/{rel}", files["herald-sdk"])
        self.assertFalse([f for f in files["herald-sdk"] if f.endswith(".so")])
        # no file in two packages (dpkg would refuse to install the second)
        seen = {}
        for pkg, fs in files.items():
            for f in fs:
                self.assertNotIn(f, seen, f"{f} in {pkg} and {seen.get(f)}")
                seen[f] = pkg

    def test_etc_holds_only_the_empty_config_and_secrets_dirs(self):
        etc = {path: mode for mode, _, path in self.contents("herald") if path.startswith("./etc/")}
        self.assertEqual(etc, {"./etc/": "drwxr-xr-x", "./etc/herald/": "drwxr-xr-x",
                               "./etc/herald/config/": "drwxr-xr-x", "./etc/herald/secrets/": "drwxr-x---"})
        for package in self.debs:
            if package != "herald":
                self.assertFalse([p for _, _, p in self.contents(package) if p.startswith("./etc/")], package)

    def test_the_systemd_unit_runs_the_packaged_binary_on_the_packaged_dirs(self):
        with open(os.path.join(self.root, "usr/lib/systemd/system/herald.service")) as f:
            unit = f.read()
        m = re.search(r"^ExecStart=(\S+) serve((?:.*\\\n)*.*)$", unit, re.M)
        self.assertIsNotNone(m, unit)
        self.assertEqual(m.group(1), "/usr/bin/herald")
        self.assertIn("--config /etc/herald/config", m.group(2))
        self.assertIn("--secrets /etc/herald/secrets", m.group(2))
        self.assertRegex(unit, r"(?m)^User=herald$")

    def test_no_packaged_text_file_mentions_the_build_or_source_tree(self):
        for dirpath, _, filenames in os.walk(self.root):
            for name in filenames:
                path = os.path.join(dirpath, name)
                with open(path, "rb") as f:
                    data = f.read()
                if data.startswith(b"\x7fELF"):
                    continue
                for tree in (self.build_dir, self.source_dir):
                    self.assertNotIn(tree.encode(), data, os.path.relpath(path, self.root))

    # ---- the unpacked root runs ------------------------------------------------
    def herald_env(self):
        return {k: v for k, v in os.environ.items() if k not in ("HERALD_PLUGINS", "HERALD_PLUGINS_DIR")}

    def test_the_packaged_herald_loads_every_packaged_plugin_by_default(self):
        p = subprocess.run([os.path.join(self.root, "usr/bin/herald"), "plugins", "--json"],
                           capture_output=True, text=True, env=self.herald_env(), timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["refused"], [])
        loaded = {os.path.basename(x["file"]): x for x in doc["plugins"]}
        self.assertEqual(set(loaded), {f"{p}.so" for p in self.plugins})
        for name, plugin in loaded.items():
            self.assertTrue(plugin["file"].startswith(os.path.join(self.root, "usr/lib/herald/plugins")), plugin)
            self.assertTrue(plugin["types"], name)

    def test_the_packaged_herald_delivers_through_the_packaged_generic_plugin(self):
        if "generic" not in self.plugins:
            self.skipTest("generic plugin not part of this build")
        sink = Sink(default=200)
        self.addCleanup(sink.close)
        manifests = documents(provider("hook", type_="generic", address=sink.url("/packaged")),
                              alert("to-hook", "hook"))
        h = PackagedHerald({"c.yaml": manifests}, start=False, env={"HERALD_PLUGINS": None})
        h.bin = os.path.join(self.root, "usr/bin/herald")
        self.addCleanup(h.close)
        h.start()
        ev = event(severity="error", message="Health check failed", reason="HealthCheckFailed")
        self.assertEqual(h.post_event(ev)[0], 202)
        [got] = sink.wait_for(1)
        self.assertEqual(got.target, "/packaged")
        body = json.loads(got.body)
        self.assertEqual(body["message"], "Health check failed")
        self.assertEqual(body["involvedObject"]["name"], "apps")
        h.wait_delivery("done")

    def test_the_sdk_package_builds_a_plugin_out_of_tree_that_the_packaged_herald_accepts(self):
        build = os.path.join(self.work, "minimal-c")
        # the examples shipped in herald-sdk, against <root>/usr only
        example = os.path.join(self.root, "usr/share/doc/herald-sdk/examples/minimal-c")
        cmake = env("CMAKE_COMMAND")
        run([cmake, "-S", example, "-B", build, f"-DCMAKE_PREFIX_PATH={os.path.join(self.root, 'usr')}",
             "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF", "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF"])
        with open(os.path.join(build, "CMakeCache.txt")) as f:
            self.assertIn(f"HeraldSDK_DIR:PATH={os.path.join(self.root, 'usr/lib/cmake/HeraldSDK')}", f.read())
        run([cmake, "--build", build])
        so = os.path.join(build, "example_c_webhook.so")
        p = subprocess.run([os.path.join(self.root, "usr/bin/herald"), "plugin-check", so],
                           capture_output=True, text=True, env=self.herald_env(), timeout=120)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertFalse([l for l in p.stdout.splitlines() if l.startswith(("FAIL", "SKIP"))], p.stdout)


if __name__ == "__main__":
    unittest.main()
