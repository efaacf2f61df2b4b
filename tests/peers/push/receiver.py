"""A push service stand-in for the tests, written with an independent Web Push implementation
(Python's `http_ece`, RFC 8188/8291) rather than the server's own Rust code.

It makes a subscription (a P-256 key pair and an auth secret, as a browser would), prints it as one
JSON line, then accepts pushes over HTTP on 127.0.0.1:
  POST /push/ok    -> decrypts the body, checks a VAPID Authorization header is present, prints
                      {"received": <decrypted JSON>} on one line, answers 201
  POST /push/gone  -> answers 410 Gone (the subscription was dropped by the browser)
"""
import base64
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


private_key = ec.generate_private_key(ec.SECP256R1())
public_bytes = private_key.public_key().public_bytes(
    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
)
auth_secret = os.urandom(16)


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/push/gone":
            self.send_response(410)
            self.end_headers()
            return
        vapid = self.headers.get("Authorization", "")
        if not vapid.startswith("vapid t=") or self.headers.get("Content-Encoding") != "aes128gcm":
            self.send_response(400)
            self.end_headers()
            print(json.dumps({"rejected": "missing VAPID or wrong encoding"}), flush=True)
            return
        plain = http_ece.decrypt(body, private_key=private_key, auth_secret=auth_secret, version="aes128gcm")
        print(json.dumps({"received": json.loads(plain)}), flush=True)
        self.send_response(201)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
port = server.server_address[1]
print(json.dumps({
    "endpoint": f"http://127.0.0.1:{port}/push/ok",
    "gone_endpoint": f"http://127.0.0.1:{port}/push/gone",
    "p256dh": b64(public_bytes),
    "auth": b64(auth_secret),
}), flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
