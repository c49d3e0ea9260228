"""Client certificates (mTLS) from certSecretRef: a sink that requires a
client certificate signed by the test CA gets the delivery when the Provider's
cert Secret holds tls.crt/tls.key, and refuses the handshake without them."""

import os
import ssl
import subprocess
import unittest

from harness import Herald, Sink, TLSFiles, alert, documents, event, provider, secret, wait_until


class ClientCertTLS:
    """The test CA's server certificate, requiring client certificates from the same CA."""

    def __init__(self, files):
        self.files = files
        d = files.dir
        self.client_key = os.path.join(d, "client.key")
        self.client_crt = os.path.join(d, "client.crt")
        ext = os.path.join(d, "client.ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n")
        csr = os.path.join(d, "client.csr")
        for args in (["req", "-newkey", "rsa:2048", "-nodes", "-keyout", self.client_key, "-out", csr,
                      "-subj", "/CN=herald client"],
                     ["x509", "-req", "-in", csr, "-CA", files.ca_crt, "-CAkey", files.ca_key, "-CAcreateserial",
                      "-out", self.client_crt, "-days", "2", "-extfile", ext]):
            subprocess.run(["openssl"] + args, check=True, capture_output=True, timeout=60)

    def server_context(self):
        ctx = self.files.server_context()
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(self.files.ca_crt)
        return ctx

    def read(self, path):
        with open(path) as f:
            return f.read()


class MutualTLSTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.files = TLSFiles()
        cls.tls = ClientCertTLS(cls.files)

    @classmethod
    def tearDownClass(cls):
        cls.files.close()

    def test_client_certificate_from_cert_secret_is_presented(self):
        sink = Sink(tls=self.tls)
        self.addCleanup(sink.close)
        certs = {"ca.crt": self.files.ca_pem(), "tls.crt": self.tls.read(self.tls.client_crt),
                 "tls.key": self.tls.read(self.tls.client_key)}
        with Herald({"c.yaml": documents(provider("mtls", address=sink.url(), cert_secret="certs"),
                                         secret("certs", certs), alert("mtls", "mtls"))}) as h:
            self.assertEqual(h.post_event(event(message="with a client certificate"))[0], 202)
            sink.wait_for(1)
            h.wait_delivery("done")

    def test_without_a_client_certificate_the_sink_refuses(self):
        sink = Sink(tls=self.tls)
        self.addCleanup(sink.close)
        with Herald({"c.yaml": documents(provider("nocert", address=sink.url(), cert_secret="ca"),
                                         secret("ca", {"ca.crt": self.files.ca_pem()}),
                                         alert("nocert", "nocert"))}) as h:
            self.assertEqual(h.post_event(event(message="without a client certificate"))[0], 202)
            d = wait_until(lambda: [d for d in h.deliveries(provider="flux-system/nocert") if d.get("lastError")],
                           message="a failed attempt")[0]
            self.assertNotEqual(d["state"], "done")
            self.assertEqual(sink.received(), [])


if __name__ == "__main__":
    unittest.main()
