"""The SDK promise, end to end: `cmake --install` this build into a fresh
prefix, build both sdk/examples out of tree against it with
find_package(HeraldSDK 1), run the googlechat golden tests, `herald
plugin-check` both plugins, and deliver through them in the real daemon.

Cheap on purpose: the install only copies files; the two small examples are
the only things compiled."""

import json
import os
import shutil
import subprocess
import tempfile
import unittest

from sdk_env import copy_plugin, env_path, plugin_check, temp_dir  # first: puts the harness on sys.path
from harness import Herald, Sink, alert, documents, event, provider, run_checked, run_herald  # noqa: E402


def run(cmd, cwd=None, timeout=300):
    env = dict(os.environ)
    env.pop("HERALD_APPROVE", None)  # never rewrite the examples' expected.json from here
    return run_checked(cmd, cwd=cwd, timeout=timeout, env=env)


class InstalledSdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="herald-sdk-install-")
        os.chmod(cls.work, 0o755)
        cls.prefix = os.path.join(cls.work, "prefix")
        cmake, ctest = env_path("CMAKE_COMMAND"), env_path("CTEST_COMMAND")
        cls.ctest = ctest
        run([cmake, "--install", env_path("HERALD_BUILD_DIR"), "--prefix", cls.prefix])
        examples = os.path.join(env_path("HERALD_SOURCE_DIR"), "sdk", "examples")
        cls.builds = {}
        for name in ("googlechat", "minimal-c"):
            build = os.path.join(cls.work, name)
            run([cmake, "-S", os.path.join(examples, name), "-B", build, f"-DCMAKE_PREFIX_PATH={cls.prefix}"])
            run([cmake, "--build", build, "-j2"])
            cls.builds[name] = build
        cls.googlechat = os.path.join(cls.builds["googlechat"], "googlechat.so")
        cls.c_webhook = os.path.join(cls.builds["minimal-c"], "example_c_webhook.so")

    @classmethod
    def tearDownClass(cls):
        if not os.environ.get("HERALD_IT_KEEP"):
            shutil.rmtree(cls.work, ignore_errors=True)

    def test_the_prefix_holds_herald_its_plugins_and_the_sdk(self):
        p = self.prefix
        for rel in ("bin/herald", "lib/herald/plugins/generic.so", "include/herald/plugin.h",
                    "include/herald/sdk.hpp", "include/herald/testkit.hpp",
                    "lib/cmake/HeraldSDK/HeraldSDKConfig.cmake", "lib/cmake/HeraldSDK/HeraldSDKConfigVersion.cmake",
                    "lib/cmake/HeraldSDK/HeraldPlugin.cmake", "lib/cmake/HeraldSDK/herald_plugin.map"):
            self.assertTrue(os.path.isfile(os.path.join(p, rel)), rel)
        # test plugins built with herald_add_plugin are never installed
        installed = sorted(os.listdir(os.path.join(p, "lib/herald/plugins")))
        self.assertNotIn("misbehaving.so", installed)
        self.assertNotIn("faulty.so", installed)
        # the installed herald finds the installed plugins by default (<exe dir>/../lib/herald/plugins)
        out = subprocess.run([os.path.join(p, "bin/herald"), "plugins", "--json"], capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if k != "HERALD_PLUGINS"}, timeout=60)
        files = sorted(os.path.basename(x["file"]) for x in json.loads(out.stdout)["plugins"])
        self.assertEqual(files, installed)

    def test_the_examples_build_with_only_the_entry_exported(self):
        for so in (self.googlechat, self.c_webhook):
            out = run(["nm", "-D", "--defined-only", so])
            self.assertEqual([l.split()[-1] for l in out.splitlines()], ["herald_plugin_entry_v1"], so)

    def test_the_googlechat_golden_tests_pass_in_the_example_project(self):
        out = run([self.ctest, "--test-dir", self.builds["googlechat"], "--output-on-failure"])
        self.assertIn("100% tests passed", out)
        self.assertRegex(out, r"golden/googlechat/error-with-metadata .*Passed")

    def test_plugin_check_passes_both_examples(self):
        for so in (self.googlechat, self.c_webhook):
            with self.subTest(plugin=os.path.basename(so)):
                code, lines, text = plugin_check(so)
                self.assertEqual(code, 0, text)
                self.assertEqual([l for l in lines if l.startswith(("FAIL", "SKIP"))], [], text)

    def test_a_newer_major_sdk_is_not_accepted(self):
        project = temp_dir(self, "herald-sdk-major-")
        with open(os.path.join(project, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.20)\nproject(p LANGUAGES C)\n"
                    "find_package(HeraldSDK 2 REQUIRED)\n")
        p = subprocess.run([env_path("CMAKE_COMMAND"), "-S", project, "-B", os.path.join(project, "b"),
                            f"-DCMAKE_PREFIX_PATH={self.prefix}"], capture_output=True, text=True, timeout=120)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("HeraldSDK", p.stderr)

    def test_the_daemon_delivers_through_the_out_of_tree_plugins(self):
        plugins = temp_dir(self, "herald-sdk-plugins-")
        copy_plugin(self.googlechat, plugins)
        copy_plugin(self.c_webhook, plugins)
        copy_plugin(os.path.join(self.prefix, "lib/herald/plugins/generic.so"), plugins)
        sink = Sink(default=200)
        self.addCleanup(sink.close)
        manifests = documents(
            provider("chat", type_="googlechat", address=sink.url("/v1/spaces/AAAA/messages?key=k&token=t")),
            provider("c-hook", type_="example-c-webhook", address=sink.url("/c")),
            provider("generic-hook", type_="generic", address=sink.url("/generic")),
            alert("to-chat", "chat"), alert("to-c", "c-hook"), alert("to-generic", "generic-hook"))
        h = Herald({"c.yaml": manifests}, plugins=plugins)
        self.addCleanup(h.close)
        code, out, err = run_herald(["plugins", "--plugins", plugins])
        self.assertEqual(code, 0, out + err)
        ev = event(severity="error", message="Health check failed after 5m0s", reason="HealthCheckFailed",
                   metadata={"kustomize.toolkit.fluxcd.io/revision":
                             "main@sha1:69b59063470310ebbd88a9156325322a124e55a3"})
        self.assertEqual(h.post_event(ev)[0], 202)
        got = {r.target.split("?")[0]: r for r in sink.wait_for(3)}
        self.assertEqual(set(got), {"/v1/spaces/AAAA/messages", "/c", "/generic"})
        chat = got["/v1/spaces/AAAA/messages"]
        self.assertEqual(chat.target, "/v1/spaces/AAAA/messages?key=k&token=t")
        self.assertEqual(chat.method, "POST")
        self.assertEqual(chat.header("Content-Type"), "application/json")
        self.assertEqual(
            chat.body.decode(),
            '{"cards":[{"header":{"title":"kustomization/apps.flux-system","subtitle":"kustomize-controller",'
            '"imageUrl":null,"imageStyle":null},"sections":[{"header":"","widgets":[{"textParagraph":{"text":'
            '"\\u003cfont color=\\"#ff0000\\"\\u003eHealth check failed after 5m0s\\u003c/font\\u003e"},'
            '"keyValue":null}]},{"header":"","widgets":[{"textParagraph":null,"keyValue":{"topLabel":"revision",'
            '"content":"main@sha1:69b59063470310ebbd88a9156325322a124e55a3","contentMultiline":false,'
            '"bottomLabel":null,"icon":null}}]}]}]}')
        # the C plugin posts the canonical event JSON: the very bytes generic posts
        self.assertEqual(got["/c"].body, got["/generic"].body)
        h.wait_delivery("done", count=3)


if __name__ == "__main__":
    unittest.main()
