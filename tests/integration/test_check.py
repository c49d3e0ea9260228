"""`herald check` and serve's refusal of an invalid config: every problem as
file:document: field: message, exit 1 on errors, 0 on a valid config."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import REPO, alert, documents, herald_bin, plugins_dir, provider, run_herald, secret


def write(directory, files):
    for name, text in files.items():
        with open(os.path.join(directory, name), "w") as f:
            f.write(text)


# One mistake per document; (file, document number, field, message pattern).
BAD_PROVIDERS = documents(
    provider("unknown-type", type_="nosuchtype", address="http://127.0.0.1:1/"),   # 1
    provider("no-address", type_="generic"),                                         # 2
    provider("bad-timeout", address="http://127.0.0.1:1/", timeout="5h"),           # 3
    provider("missing-secret", address="http://127.0.0.1:1/", secret="nope"),       # 4
    provider("good", address="http://127.0.0.1:1/"),                                # 5
    provider("hmac-no-token", type_="generic-hmac", address="http://127.0.0.1:1/",  # 6
             secret="no-token"),
)
BAD_ALERTS = documents(
    alert("no-provider", "does-not-exist"),                                          # 1
    alert("bad-regex", "good", exclusion=["ok", "(unclosed"]),                      # 2
    alert("good-alert", "good"),                                                     # 3
    alert("bad-inclusion", "good", inclusion=["[z-a]"]),                             # 4
)
SECRETS = secret("no-token", {"headers": "X-A: b\n"})
EXPECTED = [
    ("providers.yaml", 1, "spec.type", r'nosuchtype'),
    ("providers.yaml", 2, "spec.address", r"address"),
    ("providers.yaml", 3, "spec.timeout", r"5h"),
    ("providers.yaml", 4, "spec.secretRef.name", r'nope.*not found|not found.*nope'),
    ("providers.yaml", 6, r"(secret\.token|spec\.secretRef(\.name)?)", r"token|required|empty|missing"),
    ("alerts.yaml", 1, "spec.providerRef.name", r"does-not-exist"),
    ("alerts.yaml", 2, r"spec.exclusionList\[1\]", r"regular expression|regex"),
    ("alerts.yaml", 4, r"spec.inclusionList\[0\]", r"regular expression|regex"),
]


class CheckTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="herald-it-check-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.config = os.path.join(self.dir, "config")
        os.makedirs(self.config)

    def check(self, *extra):
        return run_herald(["check", "--config", self.config, "--plugins", plugins_dir()] + list(extra))

    def assert_problems_listed(self, text):
        for fname, doc, field, message in EXPECTED:
            pattern = (r"^(?:warning: )?(?:.*/)?" + re.escape(fname) + f":{doc}: " + field + r": .*(" + message + ")")
            self.assertRegex(text, re.compile(pattern, re.M), f"{fname}:{doc} {field}")
        # the valid documents are not blamed
        self.assertNotRegex(text, re.compile(r"providers\.yaml:5: ", re.M))
        self.assertNotRegex(text, re.compile(r"alerts\.yaml:3: ", re.M))

    def test_check_lists_every_mistake_and_exits_1(self):
        write(self.config, {"providers.yaml": BAD_PROVIDERS, "alerts.yaml": BAD_ALERTS, "secrets.yaml": SECRETS})
        code, out, err = self.check()
        self.assertEqual(code, 1, out + err)
        self.assert_problems_listed(out + err)
        for line in (out + err).splitlines():
            if re.match(r"^(?:.*/)?\w+\.yaml:\d+: ", line) and line.startswith(self.config):
                self.assertRegex(line, r"^\S+\.yaml:\d+: [\w.\[\]]+: \S")

    def test_serve_refuses_the_same_config_with_the_same_lines(self):
        write(self.config, {"providers.yaml": BAD_PROVIDERS, "alerts.yaml": BAD_ALERTS, "secrets.yaml": SECRETS})
        _, check_out, check_err = self.check()
        problems = sorted(l for l in (check_out + check_err).splitlines() if re.search(r"\.yaml:\d+: ", l))
        p = subprocess.run([herald_bin(), "serve", "--config", self.config, "--plugins", plugins_dir(),
                            "--state", os.path.join(self.dir, "state"),
                            "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 1)
        text = (p.stdout + p.stderr).decode()
        self.assert_problems_listed(text)
        served = sorted(l for l in text.splitlines() if re.search(r"\.yaml:\d+: ", l))
        self.assertEqual(served, problems)
        self.assertNotIn('msg="herald started"', text)

    def test_a_secret_from_the_mounted_dir_satisfies_secret_ref(self):
        write(self.config, {"p.yaml": documents(
            provider("hook", type_="generic-hmac", address="http://127.0.0.1:1/", secret="mounted"),
            alert("a", "hook"))})
        code, out, err = self.check()
        self.assertEqual(code, 1, out + err)
        self.assertRegex(out + err, r"p\.yaml:1: spec\.secretRef\.name: .*mounted")
        secrets = os.path.join(self.dir, "secrets")
        os.makedirs(os.path.join(secrets, "flux-system", "mounted"))
        with open(os.path.join(secrets, "flux-system", "mounted", "token"), "w") as f:
            f.write("k")
        code, out, err = self.check("--secrets", secrets)
        self.assertEqual(code, 0, out + err)

    def test_problems_in_secrets_name_the_key_but_never_the_value(self):
        write(self.config, {"c.yaml": documents(
            provider("hook", address="http://127.0.0.1:1/", secret="h"),
            secret("h", {"headers": "Authorization: [Bearer leaked-value-123",
                         "address": "not a url leaked-addr-456"}),
            alert("a", "hook"),
            provider("signed", type_="generic-hmac", address="http://127.0.0.1:1/", secret="empty"),
            secret("empty", {"token": ""}))})
        code, out, err = self.check()
        text = out + err
        self.assertEqual(code, 1, text)
        self.assertRegex(text, r"c\.yaml:1: secret\.headers: .*(YAML|yaml)")
        self.assertRegex(text, r"c\.yaml:1: secret\.address: ")
        self.assertRegex(text, r"c\.yaml:4: secret\.token: .*(empty|required)")
        self.assertNotIn("leaked-value-123", text)
        self.assertNotIn("leaked-addr-456", text)

    def test_a_valid_config_exits_0(self):
        write(self.config, {"c.yaml": documents(
            provider("hook", address="http://127.0.0.1:1/", timeout="1m30s"),
            provider("signed", type_="generic-hmac", address="http://127.0.0.1:1/", secret="key"),
            secret("key", {"token": "k", "headers": "X-A: b\n"}),
            alert("a", "hook", exclusion=["^Health", "waiting.*dependency"], severity="error"),
            alert("b", "signed", event_metadata={"env": "prod"}, summary="s"))})
        code, out, err = self.check()
        self.assertEqual(code, 0, out + err)
        self.assertIn("config ok", out + err)

    def test_the_examples_directory_is_valid(self):
        code, out, err = run_herald(["check", "--config", os.path.join(REPO, "examples", "config"),
                                     "--secrets", os.path.join(REPO, "examples", "secrets"),
                                     "--plugins", plugins_dir()])
        self.assertEqual(code, 0, out + err)

    def test_yaml_that_does_not_parse_names_the_file(self):
        write(self.config, {"broken.yaml": "apiVersion: v1\nkind: [unclosed\n"})
        code, out, err = self.check()
        self.assertEqual(code, 1, out + err)
        self.assertRegex(out + err, r"broken\.yaml:\d+")


if __name__ == "__main__":
    unittest.main()
