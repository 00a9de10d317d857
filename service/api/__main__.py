"""`python -m service.api [--host H] [--port P]`: the same as `nianbao serve`."""

import argparse

from service.api.serve import serve

if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m service.api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    serve(args.host, args.port, args.log_level)
