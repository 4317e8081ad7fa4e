#!/usr/bin/env python3
"""A real remote cache on loopback for Lepton's tests and benchmarks.

Starts nginx (Debian's, with the WebDAV module) in a private prefix on a free port, serving

  /cache/     GET/HEAD/PUT/DELETE, no credentials, folders listed as JSON (autoindex)
  /plain/     the same without listings (stock WebDAV: `lepton remote gc` cannot list it)
  /basic/     the same behind basic auth (user "lepton", password "pa55word")
  /token/     the same behind a bearer token ("s3cret")
  /readonly/  GET/HEAD only: PUT answers 403
  /full/      PUT answers 507 Insufficient Storage

plus a fault-injecting proxy in front of nginx that, on request, corrupts, truncates, delays or
fails (500) responses and counts requests. Prints one JSON line with the ports and waits until
its standard input closes (or SIGTERM), then stops nginx and removes everything.

Faults: POST /_faults with {"mode": "corrupt"|"truncate"|"delay"|"error500", "count": N,
"match": "cas/", "method": "GET", "seconds": 2}; each matching request consumes one.
GET /_stats returns request counts by "METHOD namespace"; POST /_reset clears faults and counts.
"""
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_nginx():
    for candidate in [shutil.which("nginx"), "/usr/sbin/nginx", "/usr/local/sbin/nginx"]:
        if candidate and os.path.exists(candidate):
            return candidate
    sys.exit("remote-server: nginx is not installed (Debian/Ubuntu: apt-get install nginx)")


def nginx_config(prefix, port):
    dav = "dav_methods PUT DELETE; create_full_put_path on; dav_access user:rw group:r all:r;"
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "".join(f"{name}_temp_path {prefix}/tmp/{name};\n" for name in
                   ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"])
    return f"""
{user}
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    {temp}
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_max_body_size 0;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/data;
        location /cache/ {{ {dav} autoindex on; autoindex_format json; }}
        location /plain/ {{ {dav} }}
        location /basic/ {{ auth_basic "lepton"; auth_basic_user_file {prefix}/htpasswd; {dav} }}
        location /token/ {{
            if ($http_authorization != "Bearer s3cret") {{ return 401; }}
            {dav}
        }}
        location /readonly/ {{ limit_except GET HEAD {{ deny all; }} }}
        location /full/ {{
            if ($request_method = PUT) {{ return 507; }}
        }}
    }}
}}
"""


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.counts = {}

    def take(self, method, path):
        with self.lock:
            parts = path.split("/")
            namespace = parts[-2] if len(parts) >= 2 else ""
            key = f"{method} {namespace}"
            self.counts[key] = self.counts.get(key, 0) + 1
            for rule in self.rules:
                if rule["count"] > 0 and rule.get("match", "") in path and rule.get("method", method) == method:
                    rule["count"] -= 1
                    return rule
            return None


FAULTS = Faults()
UPSTREAM = {"port": 0}


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def control(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        if self.path == "/_faults":
            with FAULTS.lock:
                FAULTS.rules.append(json.loads(body))
            return self.reply(200, b"ok")
        if self.path == "/_reset":
            with FAULTS.lock:
                FAULTS.rules.clear()
                FAULTS.counts.clear()
            return self.reply(200, b"ok")
        if self.path == "/_stats":
            with FAULTS.lock:
                return self.reply(200, json.dumps(FAULTS.counts).encode())
        return self.reply(404)

    def forward(self):
        if self.path.startswith("/_"):
            return self.control()
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else None
        rule = FAULTS.take(self.command, self.path)
        if rule and rule["mode"] == "delay":
            time.sleep(rule.get("seconds", 2))
        if rule and rule["mode"] == "error500":
            return self.reply(500, b"injected failure")
        upstream = http.client.HTTPConnection("127.0.0.1", UPSTREAM["port"], timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")}
        if body is not None:
            headers["Content-Length"] = str(len(body))
        upstream.request(self.command, self.path, body=body, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        size = response.getheader("Content-Length", str(len(data)))
        if rule and rule["mode"] == "corrupt" and data:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        if rule and rule["mode"] == "truncate" and self.command == "GET" and data:
            self.send_response(response.status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_response(response.status)
        self.send_header("Content-Length", size if self.command == "HEAD" else str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = forward


def main():
    prefix = tempfile.mkdtemp(prefix="lepton-remote-")
    for sub in ["data/cache", "data/basic", "data/token", "data/readonly", "data/full", "tmp"]:
        os.makedirs(os.path.join(prefix, sub))
    with open(os.path.join(prefix, "htpasswd"), "w") as f:
        f.write("lepton:{PLAIN}pa55word\n")
    nginx_port = free_port()
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(nginx_config(prefix, nginx_port))
    nginx = subprocess.Popen([find_nginx(), "-p", prefix, "-c", os.path.join(prefix, "nginx.conf")],
                             stderr=subprocess.DEVNULL)
    deadline = time.time() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", nginx_port), timeout=0.2).close()
            break
        except OSError:
            if nginx.poll() is not None or time.time() > deadline:
                log = open(os.path.join(prefix, "error.log")).read() if os.path.exists(
                    os.path.join(prefix, "error.log")) else ""
                sys.exit(f"remote-server: nginx did not start: {log}")
            time.sleep(0.05)
    UPSTREAM["port"] = nginx_port
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    proxy.daemon_threads = True
    threading.Thread(target=proxy.serve_forever, daemon=True).start()

    def stop(*_):
        nginx.terminate()
        try:
            nginx.wait(timeout=5)
        except subprocess.TimeoutExpired:
            nginx.kill()
        shutil.rmtree(prefix, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    print(json.dumps({"nginx": nginx_port, "proxy": proxy.server_address[1], "data": prefix + "/data"}),
          flush=True)
    try:
        sys.stdin.read()
    finally:
        stop()


if __name__ == "__main__":
    main()
