"""One connection of the search benchmark's Python load generator (used when wrk is missing).

    python bench/search_load.py BASE_URL PATHS_FILE SECONDS OFFSET STRIDE

Requests the paths of PATHS_FILE (one a line) in turn, line OFFSET, OFFSET + STRIDE, ... (so
that STRIDE processes share the lines without requesting one twice), one at a time on a new
connection each (gunicorn's sync workers close every connection), for SECONDS;
prints the number of 2xx answers and of failures.
"""

from __future__ import annotations

import http.client
import sys
import time
from urllib.parse import urlsplit


def main() -> None:
    base, paths_file, seconds, offset, stride = sys.argv[1:6]
    address = urlsplit(base)
    with open(paths_file, encoding="utf-8") as handle:
        paths = [line.strip() for line in handle if line.strip()]
    ok = failed = 0
    n = int(offset)
    deadline = time.monotonic() + float(seconds)
    while time.monotonic() < deadline:
        path = paths[n % len(paths)]
        n += int(stride)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if 200 <= response.status < 300:
                ok += 1
            else:
                failed += 1
        except OSError:
            failed += 1
        finally:
            connection.close()
    print(ok, failed)


if __name__ == "__main__":
    main()
