# A merchant webhook receiver that checks Standard Webhooks signatures: python3 docs/webhook-receiver.py <whsec_...>
import base64, hashlib, hmac, http.server, json, sys
secret = base64.b64decode(sys.argv[1].removeprefix("whsec_"))
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["content-length"]))
        msg_id, ts = self.headers["webhook-id"], self.headers["webhook-timestamp"]
        expected = base64.b64encode(hmac.new(secret, f"{msg_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
        ok = any(s.split(",", 1)[1] == expected for s in self.headers["webhook-signature"].split(" "))
        print(f"received {msg_id} type={json.loads(body)['type']} signature={'valid' if ok else 'INVALID'}", flush=True)
        self.send_response(200 if ok else 400); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", 9099), H).serve_forever()
