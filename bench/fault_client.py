"""The client side of bench/fault.sh: agents take the acknowledge step on their cases and
customers answer their personal links, four at a time, until the server stops answering. Every
write the server acknowledged (HTTP 200) is written to a file at once — what must survive the
server's kill -9.

    python3 bench/fault_client.py BASE TOKEN CASES LINKS ACKED_CASES ACKED_LINKS
"""
import json
import sys
import threading
import urllib.error
import urllib.request

base, token, cases_f, links_f, acked_cases_f, acked_links_f = sys.argv[1:7]
cases = [l.strip() for l in open(cases_f) if l.strip()]
links = [l.strip() for l in open(links_f) if l.strip()]
lock = threading.Lock()
out_cases = open(acked_cases_f, "w")
out_links = open(acked_links_f, "w")
stop = threading.Event()


def post(path, body, auth):
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def worker(k, n):
    i = k
    while not stop.is_set() and (i < len(cases) or i < len(links)):
        try:
            if i < len(cases):
                s = post("/api/v1/complaints/%s/steps" % cases[i],
                         {"version": 1, "action": "acknowledge", "note": "fault test"}, True)
                if 200 <= s < 300:
                    with lock:
                        out_cases.write(cases[i] + "\n")
                        out_cases.flush()
            if i < len(links):
                s = post("/api/v1/public/surveys/" + links[i], {"answers": {"NPS": i % 11}, "submit": True}, False)
                if 200 <= s < 300:
                    with lock:
                        out_links.write(links[i] + "\n")
                        out_links.flush()
        except urllib.error.HTTPError as e:
            print("refused: %s %s" % (e.code, e.read()[:200]), file=sys.stderr)
            stop.set()
        except Exception:
            # The server is gone: stop.
            stop.set()
        i += n


threads = [threading.Thread(target=worker, args=(k, 4)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
